import { Directive, Field, ID, ObjectType } from 'type-graphql';
import type { Opportunity as CanonicalOpportunity } from '../../canonical-schema';
import { OpportunityStage } from '../shared/enums';
import { DateScalar } from '../shared/scalars';
import { ExternalId, Freshness, Money } from '../shared/types';

export type OpportunityNode = CanonicalOpportunity & { freshness: Freshness };

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A sales opportunity in the CRM pipeline' })
export class Opportunity {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => OpportunityStage)
  stage!: CanonicalOpportunity['stage'];

  @Field(() => Money)
  amount!: Money;

  @Field(() => DateScalar, { nullable: true })
  closeDate!: string | null;

  @Field(() => String, { nullable: true })
  serviceLine!: string | null;

  @Field(() => [ExternalId])
  externalIds!: ExternalId[];

  @Field(() => Freshness)
  freshness!: Freshness;

  customerId!: string;
}
