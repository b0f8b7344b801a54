import { Arg, Authorized, Ctx, Directive, ID, Mutation, Resolver } from 'type-graphql';
import { SCOPE } from '../shared/auth';
import { Decimal, idempotencyKeySchema, isoDate, validate } from '../../canonical-schema';
import type { SubgraphContext } from '../shared/context';
import { DateScalar, DecimalScalar } from '../shared/scalars';
import { PROVIDES_SYNC, SyncTransactionRef, submitSync } from '../shared/sync';
import { describe, requireEntity } from '../shared/write-checks';
import { BadInputError, RuleViolationError } from '../shared/write-errors';

const PAYABLE = new Set(['ISSUED', 'PARTIALLY_PAID', 'OVERDUE']);

@Resolver()
export class BillingMutations {
  @Authorized(SCOPE.syncWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description:
      "Invoices a project's approved, unbilled time dated up to periodEnd: ERP invoice with a line per resource and rate, time marked invoiced in the PSA, the CRM account updated (workflow time-to-invoice). Returns the sync transaction at once (PENDING).",
  })
  async generateInvoices(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('periodEnd', () => DateScalar) periodEnd: string,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const end = validate(isoDate, periodEnd, 'periodEnd');
    const project = await requireEntity(ctx, 'project', projectId, 'projectId');
    if (project.status === 'CANCELLED') {
      throw new RuleViolationError('PROJECT_CLOSED', `${describe('Project', project.code, project.name)} is CANCELLED; it cannot be invoiced`, { argumentName: 'projectId' });
    }
    return submitSync(ctx, 'time-to-invoice', { projectId: project.id, periodEnd: end }, key);
  }

  @Authorized(SCOPE.paymentsWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description:
      "Records a customer payment against an invoice, in the invoice's currency, at most its balance: ERP payment, invoice PAID or PARTIALLY_PAID, the CRM account updated (workflow payment). Returns the sync transaction at once (PENDING).",
  })
  async recordPayment(
    @Arg('invoiceId', () => ID) invoiceId: string,
    @Arg('amount', () => DecimalScalar) amount: string,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const paid = new Decimal(amount);
    if (paid.lte(0)) throw new BadInputError('amount', 'must be greater than 0');
    if (paid.decimalPlaces() > 2) throw new BadInputError('amount', 'must have at most 2 decimal places (cents)');
    // the balance decides: ask the ERP (the cached row stands in if it cannot answer)
    const invoice = await requireEntity(ctx, 'invoice', invoiceId, 'invoiceId', { fresh: true });
    const label = describe('Invoice', invoice.id, invoice.number);
    if (!PAYABLE.has(invoice.status)) {
      throw new RuleViolationError('INVOICE_NOT_PAYABLE', `${label} is ${invoice.status}; payments apply to ISSUED, PARTIALLY_PAID or OVERDUE invoices`, {
        argumentName: 'invoiceId',
        status: invoice.status,
      });
    }
    if (paid.gt(invoice.balance.amount)) {
      throw new RuleViolationError(
        'PAYMENT_EXCEEDS_BALANCE',
        `A payment of ${paid.toFixed(2)} ${invoice.balance.currency} exceeds the balance of ${label}: ${invoice.balance.amount} ${invoice.balance.currency}`,
        { argumentName: 'amount', balance: invoice.balance },
      );
    }
    return submitSync(ctx, 'payment', { invoiceId: invoice.id, amount: paid.toFixed(2) }, key);
  }
}
