import { z } from 'zod';
import { canonicalId, decimalString, isoDate, type Invoice, type InvoiceStatus } from '../../canonical-schema';
import { StepFailure } from '../errors';
import type { StepContext, WorkflowDefinition } from '../workflow';

interface UnbilledLine {
  psaTimeEntryId: string;
  psaUserId: string;
  resourceName: string;
  hours: number;
  rate: { amount: string; currency: string };
}

/** The customer of a project, from the cache (the project's row carries it). */
async function customerOfProject(ctx: StepContext<unknown>, projectId: string): Promise<string> {
  const row = (await ctx.store.getMany('project', [projectId])).get(projectId);
  if (!row) {
    throw new StepFailure('UNKNOWN_RECORD', `project ${projectId} is not in Tandem's store, so its customer is unknown`, {
      remediation: 'Read the project once through the graph (or run `tandem index`), then replay the transaction',
    });
  }
  return row.value.customerId;
}

/** Writes the customer's AR balance and latest invoice status onto its CRM account (an ERP read, then a CRM write). */
async function updateCrmAccount(ctx: StepContext<unknown>, customerId: string, erpCustomerId: string) {
  const crmAccountId = await ctx.externalId('customer', customerId, 'CRM', 'customer');
  const billing = await ctx.erp.customerBilling(erpCustomerId);
  await ctx.crm.updateAccountBilling(crmAccountId, { arBalance: billing.arBalance, invoiceStatus: billing.latestInvoiceStatus }, { idempotencyKey: ctx.idempotencyKey });
  return { crmAccountId, arBalance: billing.arBalance, invoiceStatus: billing.latestInvoiceStatus };
}

/**
 * time-to-invoice: approved unbilled time up to periodEnd (frozen in the context) →
 * one ERP invoice with a line per resource and rate → the time marked invoiced in
 * the PSA → the customer's AR balance and invoice status onto the CRM account.
 */
export const timeToInvoice: WorkflowDefinition<'time-to-invoice'> = {
  name: 'time-to-invoice',
  inputSchema: z.object({ projectId: z.string().trim().min(1, 'must not be empty'), periodEnd: isoDate }),
  subject: (input) => ({ projectId: input.projectId }),
  steps: [
    {
      name: 'collect-unbilled-time',
      system: 'PSA',
      async run(ctx) {
        const psaWorkspaceId = await ctx.externalId('project', ctx.input.projectId, 'PSA', 'project workspace');
        const lines = (await ctx.psa.unbilledApprovedTime(psaWorkspaceId, ctx.input.periodEnd)) as UnbilledLine[];
        if (lines.length === 0) {
          throw new StepFailure('NOTHING_TO_INVOICE', `PSA workspace ${psaWorkspaceId} has no approved, billable, uninvoiced time up to ${ctx.input.periodEnd}`, {
            remediation: `Approve the time of PSA workspace ${psaWorkspaceId} first (approveTimeEntries), then replay the transaction`,
          });
        }
        const customerId = await customerOfProject(ctx as StepContext<unknown>, ctx.input.projectId);
        const erpCustomerId = await ctx.externalId('customer', customerId, 'ERP', 'customer');
        const erpJobId = await ctx.externalId('project', ctx.input.projectId, 'ERP', 'project');
        return { psaWorkspaceId, customerId, erpCustomerId, erpJobId, lines };
      },
    },
    {
      name: 'create-erp-invoice',
      system: 'ERP',
      async run(ctx) {
        const c = ctx.outputs['collect-unbilled-time'] as { erpCustomerId: string; erpJobId: string; lines: UnbilledLine[] };
        const groups = new Map<string, { description: string; psaUserId: string; hours: number; rate: UnbilledLine['rate'] }>();
        for (const l of c.lines) {
          const k = `${l.psaUserId}\u0000${l.rate.currency}\u0000${l.rate.amount}`;
          const g = groups.get(k);
          if (g) g.hours = Math.round((g.hours + l.hours) * 100) / 100;
          else groups.set(k, { description: `${l.resourceName}: time to ${ctx.input.periodEnd}`, psaUserId: l.psaUserId, hours: l.hours, rate: l.rate });
        }
        const r = await ctx.erp.createInvoice({ erpCustomerId: c.erpCustomerId, erpJobId: c.erpJobId, lines: [...groups.values()] }, { idempotencyKey: ctx.idempotencyKey });
        return r;
      },
    },
    {
      name: 'mark-psa-time-invoiced',
      system: 'PSA',
      async run(ctx) {
        const c = ctx.outputs['collect-unbilled-time'] as { lines: UnbilledLine[] };
        const { erpInvoiceId } = ctx.outputs['create-erp-invoice'] as { erpInvoiceId: string };
        await ctx.psa.markTimeInvoiced(c.lines.map((l) => l.psaTimeEntryId), erpInvoiceId, { idempotencyKey: ctx.idempotencyKey });
        return { marked: c.lines.length };
      },
    },
    {
      name: 'update-crm-account',
      system: 'CRM',
      async run(ctx) {
        const c = ctx.outputs['collect-unbilled-time'] as { customerId: string; erpCustomerId: string };
        return updateCrmAccount(ctx as StepContext<unknown>, c.customerId, c.erpCustomerId);
      },
    },
  ],
  result: (outputs) => ({ invoiceId: canonicalId('invoice', outputs['create-erp-invoice'].erpInvoiceId) }),
  events(outputs) {
    const inv = outputs['create-erp-invoice'].invoice as Invoice;
    const invoiceId = canonicalId('invoice', outputs['create-erp-invoice'].erpInvoiceId);
    // invoice.status-changed.v1 comes from the invoice row's trigger when refresh() caches it (migration *_event_stream)
    return [{ type: 'invoice.created.v1', key: invoiceId, payload: { invoiceId, customerId: inv.customerId, total: inv.total } }];
  },
  async refresh(outputs, _input, store) {
    await store.putMany('invoice', [outputs['create-erp-invoice'].invoice as Invoice], 'ERP');
    const lines = outputs['collect-unbilled-time'].lines as UnbilledLine[];
    await store.markStale('timeEntry', lines.map((l) => canonicalId('timeEntry', l.psaTimeEntryId)));
    await store.markStale('customer', [outputs['collect-unbilled-time'].customerId]);
  },
};

/** payment: ERP payment → the invoice PAID or PARTIALLY_PAID → the customer's billing onto the CRM account. */
export const payment: WorkflowDefinition<'payment'> = {
  name: 'payment',
  inputSchema: z.object({
    invoiceId: z.string().trim().min(1, 'must not be empty'),
    amount: decimalString.refine((s) => Number(s) > 0, 'must be greater than 0'),
  }),
  subject: (input) => ({ invoiceId: input.invoiceId }),
  steps: [
    {
      name: 'create-erp-payment',
      system: 'ERP',
      async run(ctx) {
        const erpInvoiceId = await ctx.externalId('invoice', ctx.input.invoiceId, 'ERP', 'invoice');
        const before = await ctx.erp.getInvoice(erpInvoiceId);
        const r = await ctx.erp.recordPayment(
          { erpInvoiceId, amount: { amount: ctx.input.amount, currency: before.total.currency } },
          { idempotencyKey: ctx.idempotencyKey },
        );
        const erpCustomerId = await ctx.externalId('customer', r.invoice.customerId, 'ERP', 'customer');
        return { erpInvoiceId, erpPaymentId: r.erpPaymentId, erpCustomerId, from: before.status, invoice: r.invoice };
      },
    },
    {
      name: 'update-crm-account',
      system: 'CRM',
      async run(ctx) {
        const p = ctx.outputs['create-erp-payment'] as { erpCustomerId: string; invoice: Invoice };
        return updateCrmAccount(ctx as StepContext<unknown>, p.invoice.customerId, p.erpCustomerId);
      },
    },
  ],
  result: (outputs, input) => ({ paymentId: canonicalId('payment', outputs['create-erp-payment'].erpPaymentId), invoiceId: input.invoiceId }),
  events(outputs, input) {
    const p = outputs['create-erp-payment'] as { erpPaymentId: string; invoice: Invoice };
    // invoice.status-changed.v1 comes from the invoice row's trigger when refresh() caches it (migration *_event_stream)
    return [
      {
        type: 'payment.recorded.v1',
        key: canonicalId('payment', p.erpPaymentId),
        payload: { paymentId: canonicalId('payment', p.erpPaymentId), invoiceId: input.invoiceId, amount: { amount: input.amount, currency: p.invoice.total.currency } },
      },
    ];
  },
  async refresh(outputs, _input, store) {
    await store.putMany('invoice', [outputs['create-erp-payment'].invoice as Invoice], 'ERP');
    await store.markStale('customer', [(outputs['create-erp-payment'].invoice as Invoice).customerId]);
  },
};

/** invoice-status: the ERP invoice's status and the customer's AR balance onto the CRM account (webhook, reconciliation). */
export const invoiceStatus: WorkflowDefinition<'invoice-status'> = {
  name: 'invoice-status',
  inputSchema: z.object({ invoiceId: z.string().trim().min(1, 'must not be empty') }),
  subject: (input) => ({ invoiceId: input.invoiceId }),
  steps: [
    {
      name: 'read-erp-invoice',
      system: 'ERP',
      async run(ctx) {
        const erpInvoiceId = await ctx.externalId('invoice', ctx.input.invoiceId, 'ERP', 'invoice');
        const invoice = await ctx.erp.getInvoice(erpInvoiceId);
        const cached = (await ctx.store.getMany('invoice', [ctx.input.invoiceId])).get(ctx.input.invoiceId);
        const erpCustomerId = await ctx.externalId('customer', invoice.customerId, 'ERP', 'customer');
        return { erpInvoiceId, erpCustomerId, from: cached?.value.status ?? null, invoice };
      },
    },
    {
      name: 'update-crm-account',
      system: 'CRM',
      async run(ctx) {
        const r = ctx.outputs['read-erp-invoice'] as { erpCustomerId: string; invoice: Invoice };
        return updateCrmAccount(ctx as StepContext<unknown>, r.invoice.customerId, r.erpCustomerId);
      },
    },
  ],
  result: (_outputs, input) => ({ invoiceId: input.invoiceId }),
  // no events of its own: refresh() caches the invoice, and its row's trigger appends
  // invoice.status-changed.v1 when the status did change (migration *_event_stream)
  async refresh(outputs, _input, store) {
    await store.putMany('invoice', [outputs['read-erp-invoice'].invoice as Invoice], 'ERP');
  },
};
