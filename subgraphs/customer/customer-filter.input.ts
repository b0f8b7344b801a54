import { Field, InputType } from 'type-graphql';
import type { CustomerStatus as Status } from '../../canonical-schema';
import { CustomerStatus } from '../shared/enums';

@InputType({ description: 'Narrows Query.customers; all given conditions must hold' })
export class CustomerFilter {
  @Field(() => CustomerStatus, { nullable: true })
  status?: Status | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217 code' })
  currency?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name' })
  nameContains?: string | null;
}
