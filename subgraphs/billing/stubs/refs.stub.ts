import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Entities owned by other subgraphs, as the billing subgraph sees them. */
@Directive('@key(fields: "id")')
@ObjectType('Customer')
export class CustomerRef {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Project')
export class ProjectRef {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Resource')
export class ResourceRef {
  @Field(() => ID)
  id!: string;
}
