import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The customer entity as the project subgraph sees it: a key it adds fields to. */
@Directive('@key(fields: "id")')
@ObjectType('Customer')
export class CustomerRef {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Opportunity')
export class OpportunityRef {
  @Field(() => ID)
  id!: string;
}
