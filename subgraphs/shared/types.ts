import { Directive, Field, Int, ObjectType } from 'type-graphql';
import type { Address as CanonicalAddress, Freshness as CanonicalFreshness, Money as CanonicalMoney, ExternalId as CanonicalExternalId } from '../../canonical-schema';
import { SourceSystem } from './enums';
import { DateTimeScalar, DecimalScalar } from './scalars';

/** Value types every subgraph may return; @shareable so they compose. */

@Directive('@shareable')
@ObjectType({ description: 'An amount of money: an exact decimal and an ISO 4217 currency' })
export class Money implements CanonicalMoney {
  @Field(() => DecimalScalar)
  amount!: string;

  @Field()
  currency!: string;
}

@Directive('@shareable')
@ObjectType({ description: "A record's id in one source system" })
export class ExternalId implements CanonicalExternalId {
  @Field(() => SourceSystem)
  system!: CanonicalExternalId['system'];

  @Field()
  id!: string;
}

@Directive('@shareable')
@ObjectType({ description: 'Where a value came from and when; stale when older than its freshness budget or when its system could not be reached' })
export class Freshness implements CanonicalFreshness {
  @Field(() => SourceSystem)
  source!: CanonicalFreshness['source'];

  @Field(() => DateTimeScalar)
  syncedAt!: Date;

  @Field()
  stale!: boolean;
}

@Directive('@shareable')
@ObjectType()
export class Address implements CanonicalAddress {
  @Field()
  line1!: string;

  @Field()
  city!: string;

  @Field(() => String, { nullable: true })
  postalCode?: string | null;

  @Field()
  country!: string;
}

@Directive('@shareable')
@ObjectType({ description: 'Relay page information' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export { Int };
