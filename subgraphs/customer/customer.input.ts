import { Field, ID, InputType } from 'type-graphql';
import { AddressInput } from '../shared/inputs';

@InputType({ description: 'Canonical customer master data; upsertCustomer writes it to the CRM account and the ERP customer' })
export class CustomerInput {
  @Field(() => ID, { nullable: true, description: 'The customer to update; absent to create one' })
  id?: string | null;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  legalName?: string | null;

  @Field(() => String, { nullable: true, description: "The firm's contracting legal entity (ERP subsidiary)" })
  legalEntity?: string | null;

  @Field(() => String, { nullable: true })
  taxId?: string | null;

  @Field({ description: 'ISO 4217 billing currency' })
  currency!: string;

  @Field(() => AddressInput, { nullable: true })
  billingAddress?: AddressInput | null;

  @Field(() => ID, { nullable: true, description: 'The parent customer in a hierarchy' })
  parentId?: string | null;
}
