import { Directive, Field, ID, ObjectType } from 'type-graphql';
import type { Project as CanonicalProject } from '../../canonical-schema';
import { ContractType, ProjectStatus } from '../shared/enums';
import { DateScalar, DateTimeScalar } from '../shared/scalars';
import { ExternalId, Freshness, Money } from '../shared/types';

export type ProjectNode = CanonicalProject & { freshness: Freshness };

@ObjectType({ description: 'An approved change to a project budget' })
export class ChangeOrder {
  @Field(() => ID)
  id!: string;

  @Field()
  description!: string;

  @Field(() => Money)
  budgetDelta!: Money;

  @Field(() => DateTimeScalar, { nullable: true })
  approvedAt!: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A project: an ERP job, staffed and timed as a PSA workspace' })
export class Project {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The project code, e.g. PRJ-0042' })
  code!: string;

  @Field()
  name!: string;

  @Field(() => ProjectStatus)
  status!: CanonicalProject['status'];

  @Field(() => ContractType)
  contractType!: CanonicalProject['contractType'];

  @Field(() => Money, { nullable: true })
  budget!: Money | null;

  @Field(() => DateScalar, { nullable: true })
  startDate!: string | null;

  @Field(() => DateScalar, { nullable: true })
  endDate!: string | null;

  @Field(() => [ChangeOrder])
  changeOrders!: ChangeOrder[];

  @Field(() => [ExternalId])
  externalIds!: ExternalId[];

  @Field(() => Freshness)
  freshness!: Freshness;

  customerId!: string;
  opportunityId!: string | null;
}
