import type { Customer, Invoice, Money, ProjectStatus } from '../../canonical-schema';
import { createLogger } from '../../lib';
import type { SystemConfig } from '../config';
import { VendorHttpClient } from '../http/http-client';
import { SourceError, inSourceContext } from '../http/source-error';
import { moneyFromVendor } from '../shared/mapping';
import type { ErpWriter, WriteOptions } from '../writes';
import { ErpAdapter, type ErpAdapterOptions } from './erp-adapter';
import {
  JOB_STATUS,
  changeOrderToRecord,
  customerBillingFromInvoices,
  customerToErpCustomer,
  invoiceToCanonical,
  jobBudgetBody,
  jobStatusBody,
  jobWorkspaceLinkBody,
  newInvoiceBody,
  newPaymentBody,
  projectToJob,
  restInvoiceToRows,
  type ErpCustomerBilling,
} from './erp-mapper';
import { customerRow, invoiceRow, jobRow, restInvoiceWire, restJobWire, restRecordWire, type RestJob } from './erp-wire';
import { NetSuiteClient, isNetSuiteId, suiteqlLiteral } from './netsuite-client';

/**
 * The columns createProject reads back. A module constant: the SuiteQL page schema is
 * memoised per row schema (lib/memo.ts), so a `pick` made per call built, compiled and
 * kept a new page schema on every conversion.
 */
const jobLookupRow = jobRow.pick({ id: true, entityid: true, entitystatus: true });

/** The invoice columns a billing position needs. */
const BILLING_COLUMNS = 'id, entity, status, trandate, duedate, total, amountremaining, currency, custbody_blocked_reason';

/**
 * The ERP system API, read and write: the read-side {@link ErpAdapter} plus the
 * {@link ErpWriter} operations. ERP is the bottleneck system (concurrency 10), so each
 * operation makes as few calls as it can; the count of each is in its doc comment.
 * Writes carry `Idempotency-Key` (`<key>:<call>` when an operation makes several) and
 * are never retried here.
 */
export class ErpSystemApi extends ErpAdapter implements ErpWriter {
  /**
   * `PATCH customer/eid:<crmAccountId>`; on NOT_FOUND `POST customer`; on DUP_RCRD (a
   * concurrent create won) PATCH again. The id comes from the POST's Location, from the
   * ERP id the customer already carries (`externalIds`, i.e. the account's
   * `ERP_Customer_Id__c`), or else from one `GET customer/eid:`. Calls: 2 (1 when the
   * customer exists and its ERP id is known).
   */
  async upsertCustomer(customer: Customer, crmAccountId: string, opts: WriteOptions): Promise<{ erpCustomerId: string }> {
    const what = `ERP customer eid:${crmAccountId} (${customer.name})`;
    const eid = `eid:${crmAccountId}`;
    const body = customerToErpCustomer(customer, { sfAccountId: crmAccountId });
    const known = customer.externalIds.find((x) => x.system === 'ERP' && isNetSuiteId(x.id))?.id ?? null;
    const key = opts.idempotencyKey;
    const patched = async (call: string): Promise<{ erpCustomerId: string }> => {
      await this.client.updateRecord('customer', eid, body, { idempotencyKey: `${key}:${call}`, signal: opts.signal });
      if (known) return { erpCustomerId: known };
      const rec = await this.client.getRecord('customer', eid, restRecordWire, opts.signal);
      return { erpCustomerId: rec.id };
    };
    return inSourceContext('ERP', what, async () => {
      try {
        return await patched('patch');
      } catch (e) {
        if (!(e instanceof SourceError && e.code === 'NOT_FOUND')) throw e;
      }
      try {
        const { id } = await this.client.createRecord('customer', body, { idempotencyKey: `${key}:create`, signal: opts.signal });
        return { erpCustomerId: id };
      } catch (e) {
        if (!(e instanceof SourceError && e.vendorCode === 'DUP_RCRD')) throw e;
      }
      return patched('patch-after-duplicate');
    });
  }

  /**
   * Returns the job that already carries the opportunity id (one SuiteQL call; a
   * Cancelled one, left by a compensated conversion that is now replayed, is reopened
   * with one PATCH), else creates it (`POST job`, status Pending before its start date
   * and In Progress from it) and reads back its code (`GET job`). Calls: 1 when it
   * exists (2 to reopen it), 3 when created.
   */
  async createProject(
    project: Parameters<ErpWriter['createProject']>[0],
    opts: WriteOptions,
  ): Promise<{ erpJobId: string; code: string }> {
    const what = `ERP job for CRM Opportunity ${project.crmOpportunityId} (${project.name})`;
    return inSourceContext('ERP', what, async () => {
      const existing = await this.client.suiteqlAll(
        `SELECT id, entityid, entitystatus FROM job WHERE custentity_sf_opportunity_id = ${suiteqlLiteral(project.crmOpportunityId)}`,
        jobLookupRow,
        opts.signal,
      );
      const status: ProjectStatus = project.startDate === null || project.startDate > this.today() ? 'PLANNED' : 'ACTIVE';
      // Prefer a live job; a Cancelled one (a compensated conversion being replayed) is reopened, not duplicated.
      const first = [...existing].sort((a, b) => Number(a.entitystatus === 'Cancelled') - Number(b.entitystatus === 'Cancelled') || Number(a.id) - Number(b.id))[0];
      if (first) {
        if (first.entitystatus === 'Cancelled') {
          await this.client.updateRecord('job', first.id, jobStatusBody(status), { idempotencyKey: `${opts.idempotencyKey}:reopen`, signal: opts.signal });
        }
        return { erpJobId: first.id, code: first.entityid };
      }
      const body = projectToJob(
        { name: project.name, status, contractType: project.contractType, budget: project.budget, startDate: project.startDate, endDate: project.endDate },
        { erpCustomerId: project.erpCustomerId, sfOpportunityId: project.crmOpportunityId },
      );
      const { id } = await this.client.createRecord('job', body, { idempotencyKey: `${opts.idempotencyKey}:create`, signal: opts.signal });
      const job = await this.client.getRecord('job', id, restJobWire, opts.signal);
      return { erpJobId: id, code: job.entityId };
    });
  }

  /** `PATCH job` (`custentity_psa_workspace_id`). Calls: 1. */
  async linkProjectWorkspace(erpJobId: string, psaWorkspaceId: string, opts: WriteOptions): Promise<void> {
    await this.patchJob(erpJobId, jobWorkspaceLinkBody(psaWorkspaceId), opts);
  }

  /**
   * `PATCH job` to status Cancelled (NetSuite's closed-without-completion status; the
   * canonical project reads CANCELLED, not COMPLETED). Calls: 1.
   */
  async cancelProject(erpJobId: string, reason: string, opts: WriteOptions): Promise<void> {
    this.log.info({ erpJobId, reason }, 'cancelling ERP job (compensation)');
    await this.patchJob(erpJobId, jobStatusBody('CANCELLED'), opts);
  }

  /** `GET job`: the budget and the canonical status. Calls: 1. */
  async getProjectBudget(erpJobId: string, signal?: AbortSignal): Promise<{ budget: Money | null; status: ProjectStatus }> {
    const job = await this.getJob(erpJobId, signal);
    return { budget: jobBudget(job), status: JOB_STATUS.toCanonical(job.entityStatus.refName) };
  }

  /** `POST customrecord_change_order`. Calls: 1. */
  async createChangeOrder(
    erpJobId: string,
    change: { description: string; amount: Money; approvedAt: string },
    opts: WriteOptions,
  ): Promise<{ erpChangeOrderId: string }> {
    return inSourceContext('ERP', `ERP change order on job ${erpJobId} (${change.description})`, async () => {
      const body = changeOrderToRecord({ description: change.description, budgetDelta: change.amount, approvedAt: change.approvedAt }, { erpJobId });
      const { id } = await this.client.createRecord('customrecord_change_order', body, { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
      return { erpChangeOrderId: id };
    });
  }

  /**
   * `GET job` (the budget must be in the job's currency: a mismatch is REJECTED before
   * anything is written), then `PATCH job` (`custentity_budget_amount`). Calls: 2.
   */
  async setProjectBudget(erpJobId: string, budget: Money, opts: WriteOptions): Promise<void> {
    const job = await this.getJob(erpJobId, opts.signal);
    const currency = job.currency.refName;
    if (currency !== budget.currency) {
      throw new SourceError(
        'REJECTED',
        'ERP',
        `ERP job ${erpJobId} (${job.entityId}): the budget is in ${budget.currency} but the job's currency is ${currency}; custentity_budget_amount is not changed`,
      );
    }
    await this.patchJob(erpJobId, jobBudgetBody(budget), opts);
  }

  /**
   * `POST invoice` (status Open, dated today, one line per resource and rate, amount =
   * hours × rate in decimal), then the invoice as created. Calls: 3.
   */
  async createInvoice(
    invoice: { erpCustomerId: string; erpJobId: string | null; lines: { description: string; psaUserId: string | null; hours: number; rate: Money }[] },
    opts: WriteOptions,
  ): Promise<{ erpInvoiceId: string; invoice: Invoice }> {
    const what = `ERP invoice for customer ${invoice.erpCustomerId}${invoice.erpJobId ? ` job ${invoice.erpJobId}` : ''}`;
    if (invoice.lines.length === 0) throw new SourceError('REJECTED', 'ERP', `${what}: an invoice needs at least one line (item)`);
    const currencies = [...new Set(invoice.lines.map((l) => l.rate.currency))];
    if (currencies.length > 1) throw new SourceError('REJECTED', 'ERP', `${what}: the lines mix currencies (${currencies.join(', ')}); an invoice has one currency`);
    const body = newInvoiceBody({ ...invoice, currency: currencies[0], tranDate: this.today() });
    return inSourceContext('ERP', what, async () => {
      const { id } = await this.client.createRecord('invoice', body, { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
      return { erpInvoiceId: id, invoice: await this.readInvoice(id, opts.signal) };
    });
  }

  /** `POST customerPayment` (customer and currency default to the invoice's), then the invoice. Calls: 3. */
  async recordPayment(payment: { erpInvoiceId: string; amount: Money }, opts: WriteOptions): Promise<{ erpPaymentId: string; invoice: Invoice }> {
    const what = `ERP payment of ${payment.amount.amount} ${payment.amount.currency} on invoice ${payment.erpInvoiceId}`;
    return inSourceContext('ERP', what, async () => {
      const { id } = await this.client.createRecord(
        'customerPayment',
        newPaymentBody({ ...payment, tranDate: this.today() }),
        { idempotencyKey: opts.idempotencyKey, signal: opts.signal },
      );
      return { erpPaymentId: id, invoice: await this.readInvoice(payment.erpInvoiceId, opts.signal) };
    });
  }

  /** `GET invoice` and its customer's external id. Calls: 2. */
  async getInvoice(erpInvoiceId: string, signal?: AbortSignal): Promise<Invoice> {
    return inSourceContext('ERP', `ERP invoice ${erpInvoiceId}`, () => this.readInvoice(erpInvoiceId, signal));
  }

  /** One SuiteQL call for the customer's invoices (a second for its currency when it has none). */
  async customerBilling(erpCustomerId: string, signal?: AbortSignal): Promise<ErpCustomerBilling> {
    return inSourceContext('ERP', `ERP customer ${erpCustomerId} billing`, async () => {
      if (!isNetSuiteId(erpCustomerId)) throw new SourceError('NOT_FOUND', 'ERP', 'not a NetSuite customer id');
      const rows = await this.client.suiteqlAll(`SELECT ${BILLING_COLUMNS} FROM invoice WHERE entity = ${erpCustomerId}`, invoiceRow, signal);
      let currency = rows[0]?.currency;
      if (currency === undefined) {
        const [c] = await this.client.suiteqlAll(`SELECT id, currency FROM customer WHERE id = ${erpCustomerId}`, customerRow, signal);
        if (!c) throw new SourceError('NOT_FOUND', 'ERP', 'no such customer');
        if (!c.currency) throw new SourceError('BAD_RESPONSE', 'ERP', 'customer.currency: missing');
        currency = c.currency;
      }
      return customerBillingFromInvoices(rows, currency, this.today());
    });
  }

  /** Every customer's billing position: two SuiteQL queries (all invoices, all customers' currencies), paged. */
  async listCustomerBilling(signal?: AbortSignal): Promise<({ erpCustomerId: string } & ErpCustomerBilling)[]> {
    return inSourceContext('ERP', 'ERP billing positions', async () => {
      const [invoices, customers] = await Promise.all([
        this.client.suiteqlAll(`SELECT ${BILLING_COLUMNS} FROM invoice`, invoiceRow, signal),
        this.client.suiteqlAll('SELECT id, currency FROM customer', customerRow, signal),
      ]);
      const byCustomer = new Map<string, typeof invoices>();
      for (const i of invoices) {
        const list = byCustomer.get(i.entity);
        if (list) list.push(i);
        else byCustomer.set(i.entity, [i]);
      }
      const today = this.today();
      return customers
        .filter((c) => c.currency)
        .map((c) => ({ erpCustomerId: c.id, ...customerBillingFromInvoices(byCustomer.get(c.id) ?? [], c.currency!, today) }));
    });
  }

  private async readInvoice(erpInvoiceId: string, signal?: AbortSignal): Promise<Invoice> {
    if (!isNetSuiteId(erpInvoiceId)) throw new SourceError('NOT_FOUND', 'ERP', `not a NetSuite invoice id: ${erpInvoiceId}`);
    const rec = await this.client.getRecord('invoice', erpInvoiceId, restInvoiceWire, signal);
    const { row, lines } = restInvoiceToRows(rec);
    const customerIdOf = await this.customers([row.entity]);
    return invoiceToCanonical(row, lines, customerIdOf, this.today());
  }

  private async getJob(erpJobId: string, signal?: AbortSignal): Promise<RestJob> {
    return inSourceContext('ERP', `ERP job ${erpJobId}`, async () => {
      if (!isNetSuiteId(erpJobId)) throw new SourceError('NOT_FOUND', 'ERP', 'not a NetSuite job id');
      return this.client.getRecord('job', erpJobId, restJobWire, signal);
    });
  }

  private async patchJob(erpJobId: string, body: object, opts: WriteOptions): Promise<void> {
    await inSourceContext('ERP', `ERP job ${erpJobId}`, async () => {
      if (!isNetSuiteId(erpJobId)) throw new SourceError('NOT_FOUND', 'ERP', 'not a NetSuite job id');
      await this.client.updateRecord('job', erpJobId, body, { idempotencyKey: opts.idempotencyKey, signal: opts.signal });
    });
  }

}

function jobBudget(job: RestJob): Money | null {
  const amount = job.custentity_budget_amount;
  if (amount === null || amount === undefined) return null;
  const currency = job.currency.refName;
  if (!currency) throw new SourceError('BAD_RESPONSE', 'ERP', `job ${job.id}: currency.refName missing`);
  return moneyFromVendor('ERP', 'job.custentity_budget_amount', amount, currency);
}

/** The ERP system API (reads and writes) over its own HTTP client. */
export function createErpAdapter(config: SystemConfig, options: ErpAdapterOptions = {}): ErpSystemApi {
  const logger = options.logger ?? createLogger('adapter-erp');
  return new ErpSystemApi(new NetSuiteClient(new VendorHttpClient('ERP', config, logger)), { ...options, logger });
}
