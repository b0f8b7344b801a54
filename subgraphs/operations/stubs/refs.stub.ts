import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Entities owned by the domain subgraphs that a sync transaction is about (keys only; resolved by their owners). */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Customer')
export class CustomerRef {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Opportunity')
export class OpportunityRef {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Project')
export class ProjectRef {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Invoice')
export class InvoiceRef {
  @Field(() => ID)
  id!: string;
}
