import { Field, InputType } from 'type-graphql';
import { DecimalScalar } from './scalars';

/** Input value types several subgraphs' mutations take (identical in each, so they compose). */

@InputType({ description: 'An amount of money: a decimal written as a string and an ISO 4217 currency' })
export class MoneyInput {
  @Field(() => DecimalScalar)
  amount!: string;

  @Field()
  currency!: string;
}

@InputType()
export class AddressInput {
  @Field()
  line1!: string;

  @Field()
  city!: string;

  @Field(() => String, { nullable: true })
  postalCode?: string | null;

  @Field({ description: 'ISO 3166-1 alpha-2, e.g. DE' })
  country!: string;
}
