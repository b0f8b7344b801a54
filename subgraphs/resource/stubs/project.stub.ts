import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The project entity as the resource subgraph sees it. */
@Directive('@key(fields: "id")')
@ObjectType('Project')
export class ProjectRef {
  @Field(() => ID)
  id!: string;
}
