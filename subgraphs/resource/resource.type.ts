import { Authorized, Directive, Field, Float, ID, ObjectType } from 'type-graphql';
import { SCOPE } from '../shared/auth';
import type { Assignment as CanonicalAssignment, Resource as CanonicalResource, TimeEntry as CanonicalTimeEntry } from '../../canonical-schema';
import { AssignmentStatus, TimeEntryStatus } from '../shared/enums';
import { DateScalar } from '../shared/scalars';
import { ExternalId, Freshness, Money, PageInfo } from '../shared/types';

export type ResourceNode = CanonicalResource & { freshness: Freshness };
export type AssignmentNode = CanonicalAssignment & { freshness: Freshness };
export type TimeEntryNode = CanonicalTimeEntry & { freshness: Freshness };

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A person who can be staffed on projects (a PSA user)' })
export class Resource {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Authorized(SCOPE.personalRead)
  @Field(() => String, { nullable: true, description: 'Work email: personal data (personal:read; null with FORBIDDEN otherwise)' })
  email!: string | null;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => [String])
  skills!: string[];

  @Field(() => Money, { nullable: true, description: 'Standard bill rate per hour' })
  billRate!: Money | null;

  @Authorized(SCOPE.financeRead)
  @Field(() => Money, { nullable: true, description: 'Cost rate per hour (finance:read; null with FORBIDDEN otherwise)' })
  costRate!: Money | null;

  @Field(() => [ExternalId])
  externalIds!: ExternalId[];

  @Field(() => Freshness)
  freshness!: Freshness;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A resource staffed on a project' })
export class Assignment {
  @Field(() => ID)
  id!: string;

  @Field()
  role!: string;

  @Field(() => Float)
  plannedHours!: number;

  @Field(() => Money)
  billRate!: Money;

  @Field(() => AssignmentStatus)
  status!: CanonicalAssignment['status'];

  @Field(() => Freshness)
  freshness!: Freshness;

  projectId!: string;
  resourceId!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'Hours a resource worked on a project on one day' })
export class TimeEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => DateScalar)
  date!: string;

  @Field(() => Float)
  hours!: number;

  @Field()
  billable!: boolean;

  @Field(() => TimeEntryStatus)
  status!: CanonicalTimeEntry['status'];

  @Field(() => String, { nullable: true })
  notes!: string | null;

  @Field(() => Freshness)
  freshness!: Freshness;

  projectId!: string;
  resourceId!: string;
}

@ObjectType()
export class ResourceEdge {
  @Field()
  cursor!: string;

  @Field(() => Resource)
  node!: ResourceNode;
}

@ObjectType()
export class ResourceConnection {
  @Field(() => [ResourceEdge])
  edges!: ResourceEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field()
  totalCount!: number;
}
