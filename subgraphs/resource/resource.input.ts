import { Field, Float, ID, InputType } from 'type-graphql';
import { MoneyInput } from '../shared/inputs';
import { DateScalar } from '../shared/scalars';

@InputType({ description: 'Staffs a resource on a project' })
export class AssignmentInput {
  @Field(() => ID)
  projectId!: string;

  @Field(() => ID)
  resourceId!: string;

  @Field()
  role!: string;

  @Field(() => Float)
  plannedHours!: number;

  @Field(() => MoneyInput, { nullable: true, description: "Bill rate per hour; the resource's rate card when absent (never below it)" })
  billRate?: MoneyInput | null;
}

@InputType({ description: 'Time worked by a resource on a project on one day' })
export class TimeEntryInput {
  @Field(() => ID)
  resourceId!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => DateScalar)
  date!: string;

  @Field(() => Float)
  hours!: number;

  @Field()
  billable!: boolean;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}
