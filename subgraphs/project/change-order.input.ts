import { Field, ID, InputType } from 'type-graphql';
import { MoneyInput } from '../shared/inputs';

@InputType({ description: 'An approved change to a project budget' })
export class ChangeOrderInput {
  @Field(() => ID)
  projectId!: string;

  @Field(() => MoneyInput, { description: 'Added to the budget (negative to reduce it), in the budget currency' })
  budgetDelta!: MoneyInput;

  @Field()
  description!: string;
}
