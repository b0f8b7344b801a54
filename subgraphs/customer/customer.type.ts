import { Authorized, Directive, Field, ID, ObjectType } from 'type-graphql';
import { SCOPE } from '../shared/auth';
import type { Customer as CanonicalCustomer } from '../../canonical-schema';
import { CustomerStatus } from '../shared/enums';
import { Address, ExternalId, Freshness, PageInfo } from '../shared/types';

/** A customer as the customer subgraph resolves it: the canonical value and its freshness. */
export type CustomerNode = CanonicalCustomer & { freshness: Freshness };

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A customer: a CRM account and, once sold to, an ERP customer. Master data lives in the CRM.' })
export class Customer {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  legalName!: string | null;

  @Field(() => String, { nullable: true, description: "The firm's contracting legal entity (ERP subsidiary)" })
  legalEntity!: string | null;

  @Authorized(SCOPE.financeRead)
  @Field(() => String, { nullable: true, description: 'Tax id (finance:read; null with FORBIDDEN otherwise)' })
  taxId!: string | null;

  @Field({ description: 'ISO 4217 billing currency' })
  currency!: string;

  @Field(() => CustomerStatus)
  status!: CanonicalCustomer['status'];

  @Field(() => Address, { nullable: true })
  billingAddress!: Address | null;

  @Field(() => [ExternalId], { description: "This customer's ids in each source system" })
  externalIds!: ExternalId[];

  @Field(() => Freshness)
  freshness!: Freshness;

  parentId!: string | null;
}

@ObjectType()
export class CustomerEdge {
  @Field()
  cursor!: string;

  @Field(() => Customer)
  node!: CustomerNode;
}

@ObjectType()
export class CustomerConnection {
  @Field(() => [CustomerEdge])
  edges!: CustomerEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field({ description: 'Customers matching the filter, across all pages' })
  totalCount!: number;
}
