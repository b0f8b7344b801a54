import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { requireCustomer, SCOPE } from '../shared/auth';
import type { InvoiceLine as CanonicalInvoiceLine, InvoiceStatus as Status, Money as CanonicalMoney, Resource } from '../../canonical-schema';
import type { CacheEntry } from '../../cache';
import type { SubgraphContext } from '../shared/context';
import { entityNode, entityRef } from '../shared/node';
import { InvoiceStatus } from '../shared/enums';
import { Money } from '../shared/types';
import { arBalance, unbilledAmount } from './billing.calc';
import { Invoice, InvoiceLine, type InvoiceNode } from './invoice.type';
import { CustomerRef, ProjectRef, ResourceRef } from './stubs/refs.stub';

export function invoiceNode(entry: CacheEntry<'invoice'> | null): InvoiceNode | null {
  return entityNode(Invoice, entry);
}

@Resolver(() => Invoice)
export class InvoiceResolver {
  @Authorized(SCOPE.graphRead)
  @Query(() => Invoice, { nullable: true, description: 'An invoice by id; null when unknown' })
  async invoice(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<InvoiceNode | null> {
    const node = invoiceNode(await ctx.reader.load('invoice', id));
    if (node) requireCustomer(ctx, node.customerId, 'Query.invoice', `invoice ${id}`);
    return node;
  }

  @FieldResolver(() => CustomerRef)
  customer(@Root() invoice: InvoiceNode): CustomerRef {
    return entityRef(CustomerRef, invoice.customerId);
  }

  @FieldResolver(() => ProjectRef, { nullable: true })
  project(@Root() invoice: InvoiceNode): ProjectRef | null {
    return invoice.projectId ? entityRef(ProjectRef, invoice.projectId) : null;
  }
}

@Resolver(() => InvoiceLine)
export class InvoiceLineResolver {
  @FieldResolver(() => ResourceRef, { nullable: true })
  resource(@Root() line: CanonicalInvoiceLine): ResourceRef | null {
    return line.resourceId ? entityRef(ResourceRef, line.resourceId) : null;
  }
}

@Resolver(() => CustomerRef)
export class CustomerBillingResolver {
  @FieldResolver(() => [Invoice])
  async invoices(
    @Root() customer: CustomerRef,
    @Arg('status', () => InvoiceStatus, { nullable: true }) status: Status | null,
    @Ctx() { reader }: SubgraphContext,
  ): Promise<InvoiceNode[]> {
    return (await reader.children('invoice', 'customerId', customer.id, status ? { status } : undefined)).map((e) => invoiceNode(e)!);
  }

  @FieldResolver(() => Money, { description: "Balance of the customer's open invoices (issued, partly paid, overdue), in the customer's currency" })
  async arBalance(@Root() customer: CustomerRef, @Ctx() { reader, logger }: SubgraphContext): Promise<CanonicalMoney> {
    const [invoices, c] = await Promise.all([reader.children('invoice', 'customerId', customer.id), reader.loadValue('customer', customer.id)]);
    const values = invoices.map((e) => e.value);
    const currency = c?.currency ?? values[0]?.balance.currency ?? 'USD';
    const { balance, otherCurrency } = arBalance(values, currency);
    if (otherCurrency.length > 0) {
      logger.warn({ customerId: customer.id, invoices: otherCurrency.map((i) => i.id) }, 'open invoices in another currency left out of arBalance');
    }
    return balance;
  }
}

@Resolver(() => ProjectRef)
export class ProjectBillingResolver {
  @FieldResolver(() => [Invoice])
  async invoices(@Root() project: ProjectRef, @Ctx() { reader }: SubgraphContext): Promise<InvoiceNode[]> {
    return (await reader.children('invoice', 'projectId', project.id)).map((e) => invoiceNode(e)!);
  }

  @FieldResolver(() => Money, { description: 'Approved, billable time not yet invoiced, at the assigned bill rates' })
  async unbilledAmount(@Root() project: ProjectRef, @Ctx() { reader, logger }: SubgraphContext): Promise<CanonicalMoney> {
    const [entries, assignments] = await Promise.all([
      reader.children('timeEntry', 'projectId', project.id, { status: 'APPROVED' }),
      reader.children('assignment', 'projectId', project.id),
    ]);
    const unrated = [...new Set(entries.map((e) => e.value.resourceId))].filter(
      (rid) => !assignments.some((a) => a.value.resourceId === rid),
    );
    const resources = new Map<string, Resource>();
    for (const r of await Promise.all(unrated.map((id) => reader.loadValue('resource', id)))) if (r) resources.set(r.id, r);
    const currency =
      assignments[0]?.value.billRate.currency ?? (await reader.loadValue('project', project.id))?.budget?.currency ?? 'USD';
    const { amount, unpriced } = unbilledAmount(entries.map((e) => e.value), assignments.map((a) => a.value), resources, currency);
    if (unpriced.length > 0) logger.warn({ projectId: project.id, entries: unpriced.length }, 'approved time without a bill rate left out of unbilledAmount');
    return amount;
  }
}
