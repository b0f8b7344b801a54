import { Directive, Field, Float, ID, ObjectType } from 'type-graphql';
import type { Invoice as CanonicalInvoice, InvoiceLine as CanonicalInvoiceLine } from '../../canonical-schema';
import { InvoiceStatus } from '../shared/enums';
import { DateScalar } from '../shared/scalars';
import { ExternalId, Freshness, Money } from '../shared/types';

export type InvoiceNode = CanonicalInvoice & { freshness: Freshness };

@ObjectType({ description: 'One line of an invoice: hours of one resource at one rate, or a fixed amount' })
export class InvoiceLine {
  @Field()
  description!: string;

  @Field(() => Float, { nullable: true })
  hours!: number | null;

  @Field(() => Money, { nullable: true })
  rate!: Money | null;

  @Field(() => Money)
  amount!: Money;

  resourceId!: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An ERP invoice' })
export class Invoice {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  number!: string | null;

  @Field(() => InvoiceStatus)
  status!: CanonicalInvoice['status'];

  @Field(() => DateScalar, { nullable: true })
  issueDate!: string | null;

  @Field(() => DateScalar, { nullable: true })
  dueDate!: string | null;

  @Field(() => Money)
  total!: Money;

  @Field(() => Money, { description: 'What is still owed' })
  balance!: Money;

  @Field(() => [InvoiceLine])
  lines!: CanonicalInvoiceLine[];

  @Field(() => String, { nullable: true, description: 'Why the invoice is BLOCKED, and what would unblock it' })
  blockedReason!: string | null;

  @Field(() => [ExternalId])
  externalIds!: ExternalId[];

  @Field(() => Freshness)
  freshness!: Freshness;

  customerId!: string;
  projectId!: string | null;
}
