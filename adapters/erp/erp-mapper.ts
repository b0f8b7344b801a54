import {
  Decimal,
  canonicalId,
  money,
  type ChangeOrder,
  type ContractType,
  type Customer,
  type CustomerStatus,
  type ExternalId,
  type Invoice,
  type InvoiceLine,
  type InvoiceStatus,
  type Money,
  type Payment,
  type Project,
  type ProjectStatus,
} from '../../canonical-schema';
import { badResponse } from '../http/source-error';
import { EnumTable, isoDateFromVendor, moneyFromVendor, moneyToNumber, orNull } from '../shared/mapping';
import type {
  ChangeOrderRecordBody,
  ChangeOrderRow,
  CustomerPaymentRecordBody,
  CustomerPaymentRow,
  CustomerRecordBody,
  CustomerRow,
  InvoiceLineRow,
  InvoiceRecordBody,
  InvoiceRow,
  JobRecordBody,
  JobRow,
  RestInvoice,
} from './erp-wire';

/** `job.entityStatus` refName ↔ canonical project status. */
export const JOB_STATUS = new EnumTable<string, ProjectStatus>('ERP', 'job.entitystatus', {
  Pending: 'PLANNED',
  'In Progress': 'ACTIVE',
  'On Hold': 'ON_HOLD',
  Closed: 'COMPLETED',
  Cancelled: 'CANCELLED',
});

/** `job.custentity_contract_type` ↔ canonical contract type. */
export const CONTRACT_TYPE = new EnumTable<string, ContractType>('ERP', 'job.custentity_contract_type', {
  'T&M': 'TIME_AND_MATERIALS',
  'Fixed Fee': 'FIXED_FEE',
  Retainer: 'RETAINER',
});

/** The NetSuite invoice status refNames. */
export const ERP_INVOICE_STATUSES = ['Pending Approval', 'Open', 'Paid In Full', 'Voided'] as const;
export type ErpInvoiceStatus = (typeof ERP_INVOICE_STATUSES)[number];

/**
 * Canonical invoice status → NetSuite status refName. Derived statuses (OVERDUE,
 * PARTIALLY_PAID, ISSUED) are all `Open`; a BLOCKED invoice stays `Pending Approval`
 * with its `custbody_blocked_reason` set.
 */
export const INVOICE_STATUS_TO_ERP: Readonly<Record<InvoiceStatus, ErpInvoiceStatus>> = {
  DRAFT: 'Pending Approval',
  ISSUED: 'Open',
  PARTIALLY_PAID: 'Open',
  OVERDUE: 'Open',
  PAID: 'Paid In Full',
  VOID: 'Voided',
  BLOCKED: 'Pending Approval',
};

/**
 * The canonical id of an ERP customer: anchored on its Salesforce Account Id
 * (`externalid`), or on `erp:<id>` when it has none.
 */
export function erpCustomerCanonicalId(erpCustomerId: string, externalId: string | null | undefined): string {
  return canonicalId('customer', externalId ? externalId : `erp:${erpCustomerId}`);
}

/** Resolves an ERP customer id to its canonical id. */
export type CustomerIdResolver = (erpCustomerId: string) => string;

/**
 * A resolver over looked-up customer rows (`id`, `externalid`). A customer that was
 * not found anchors on `erp:<id>`, the same as one without an externalid.
 */
export function customerResolver(rows: Iterable<Pick<CustomerRow, 'id' | 'externalid'>>): CustomerIdResolver {
  const byId = new Map<string, string | undefined>();
  for (const r of rows) byId.set(r.id, r.externalid);
  return (erpId) => erpCustomerCanonicalId(erpId, byId.get(erpId));
}

/** True for NetSuite's truthy checkbox values (`T`, `true`). */
function checkbox(v: string | undefined): boolean {
  return v !== undefined && /^(t|true|y|yes|1)$/i.test(v);
}

/** An ERP customer as a canonical customer (the ERP's view: no address, no parent). */
export function erpCustomerToCanonical(row: CustomerRow): Customer {
  if (!row.currency) throw badResponse('ERP', 'customer.currency', 'missing');
  const name = row.companyname ?? row.entityid;
  if (!name) throw badResponse('ERP', 'customer.companyname', 'missing');
  const externalIds: ExternalId[] = [];
  if (row.externalid) externalIds.push({ system: 'CRM', id: row.externalid });
  externalIds.push({ system: 'ERP', id: row.id });
  return {
    id: erpCustomerCanonicalId(row.id, row.externalid),
    name,
    legalName: orNull(row.companyname),
    legalEntity: orNull(row.subsidiary),
    taxId: orNull(row.vatregnumber),
    currency: row.currency,
    status: checkbox(row.isinactive) ? 'INACTIVE' : 'ACTIVE',
    billingAddress: null,
    parentId: null,
    externalIds,
  };
}

/**
 * The canonical id of a change order: change orders are not an entity type of their
 * own, so the id is derived (name-based UUID) from the job and the custom record id.
 */
export function changeOrderCanonicalId(erpJobId: string, erpChangeOrderId: string): string {
  return canonicalId('project', `${erpJobId}/change-order/${erpChangeOrderId}`);
}

/** A change order row; its amount is in the job's currency. */
export function changeOrderToCanonical(row: ChangeOrderRow, currency: string): ChangeOrder {
  return {
    id: changeOrderCanonicalId(row.custrecord_co_job, row.id),
    description: row.custrecord_co_description,
    budgetDelta: moneyFromVendor('ERP', 'customrecord_change_order.custrecord_co_amount', row.custrecord_co_amount, currency),
    approvedAt: orNull(row.custrecord_co_approved_date),
  };
}

/** A job with its change orders as a canonical project; the customer reference goes through `customerIdOf`. */
export function jobToProject(row: JobRow, changeOrders: readonly ChangeOrderRow[], customerIdOf: CustomerIdResolver): Project {
  const externalIds: ExternalId[] = [{ system: 'ERP', id: row.id }];
  if (row.custentity_psa_workspace_id) externalIds.push({ system: 'PSA', id: row.custentity_psa_workspace_id });
  return {
    id: canonicalId('project', row.id),
    code: row.entityid,
    name: row.companyname,
    customerId: customerIdOf(row.parent),
    opportunityId: row.custentity_sf_opportunity_id ? canonicalId('opportunity', row.custentity_sf_opportunity_id) : null,
    status: JOB_STATUS.toCanonical(row.entitystatus),
    contractType: CONTRACT_TYPE.toCanonical(row.custentity_contract_type),
    budget:
      row.custentity_budget_amount === undefined
        ? null
        : moneyFromVendor('ERP', 'job.custentity_budget_amount', row.custentity_budget_amount, row.currency),
    startDate: isoDateFromVendor('ERP', 'job.startdate', row.startdate),
    endDate: isoDateFromVendor('ERP', 'job.projectedenddate', row.projectedenddate),
    changeOrders: changeOrders
      .filter((co) => co.custrecord_co_job === row.id)
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((co) => changeOrderToCanonical(co, row.currency)),
    externalIds,
  };
}

/**
 * The canonical status of an invoice: `Voided` → VOID and `Paid In Full` → PAID
 * (terminal states win over a stale blocked reason); then a blocked reason → BLOCKED;
 * `Pending Approval` → DRAFT; an `Open` invoice is OVERDUE when past due with money
 * remaining, else PARTIALLY_PAID when partly paid, else ISSUED.
 */
export function invoiceStatus(
  row: Pick<InvoiceRow, 'status' | 'custbody_blocked_reason' | 'duedate'>,
  total: Money,
  balance: Money,
  today: string,
): InvoiceStatus {
  if (row.status === 'Voided') return 'VOID';
  if (row.status === 'Paid In Full') return 'PAID';
  if (row.custbody_blocked_reason && ERP_INVOICE_STATUSES.includes(row.status as ErpInvoiceStatus)) return 'BLOCKED';
  switch (row.status) {
    case 'Pending Approval':
      return 'DRAFT';
    case 'Voided':
      return 'VOID';
    case 'Paid In Full':
      return 'PAID';
    case 'Open': {
      const remaining = new Decimal(balance.amount);
      const due = isoDateFromVendor('ERP', 'invoice.duedate', row.duedate);
      if (due !== null && due < today && remaining.gt(0)) return 'OVERDUE';
      if (remaining.gt(0) && remaining.lt(total.amount)) return 'PARTIALLY_PAID';
      return 'ISSUED';
    }
    default:
      throw badResponse('ERP', 'invoice.status', `unknown value ${JSON.stringify(row.status)} (expected one of ${ERP_INVOICE_STATUSES.map((s) => JSON.stringify(s)).join(', ')})`);
  }
}

function numberFromVendor(field: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isFinite(n)) throw badResponse('ERP', field, `not a number: ${JSON.stringify(v)}`);
  return n;
}

/** An invoice line; rate and amount are in the invoice's currency. */
export function invoiceLineToCanonical(row: InvoiceLineRow, currency: string): InvoiceLine {
  return {
    description: row.description ?? '',
    resourceId: row.custcol_psa_user_id ? canonicalId('resource', row.custcol_psa_user_id) : null,
    hours: numberFromVendor('invoiceline.quantity', row.quantity),
    rate: row.rate === undefined ? null : moneyFromVendor('ERP', 'invoiceline.rate', row.rate, currency),
    amount: moneyFromVendor('ERP', 'invoiceline.amount', row.amount, currency),
  };
}

/** An invoice with its lines as a canonical invoice; `today` (`YYYY-MM-DD`) decides OVERDUE. */
export function invoiceToCanonical(
  row: InvoiceRow,
  lines: readonly InvoiceLineRow[],
  customerIdOf: CustomerIdResolver,
  today: string,
): Invoice {
  const total = moneyFromVendor('ERP', 'invoice.total', row.total, row.currency);
  const balance = moneyFromVendor('ERP', 'invoice.amountremaining', row.amountremaining ?? '0', row.currency);
  return {
    id: canonicalId('invoice', row.id),
    number: orNull(row.tranid),
    customerId: customerIdOf(row.entity),
    projectId: row.job ? canonicalId('project', row.job) : null,
    status: invoiceStatus(row, total, balance, today),
    issueDate: isoDateFromVendor('ERP', 'invoice.trandate', row.trandate),
    dueDate: isoDateFromVendor('ERP', 'invoice.duedate', row.duedate),
    total,
    balance,
    lines: lines
      .filter((l) => l.invoice === row.id)
      .sort((a, b) => Number(a.line ?? 0) - Number(b.line ?? 0))
      .map((l) => invoiceLineToCanonical(l, row.currency)),
    blockedReason: orNull(row.custbody_blocked_reason),
    externalIds: [{ system: 'ERP', id: row.id }],
  };
}

/** A customer payment as a canonical payment. */
export function paymentToCanonical(row: CustomerPaymentRow, customerIdOf: CustomerIdResolver): Payment {
  const date = isoDateFromVendor('ERP', 'customerpayment.trandate', row.trandate);
  if (date === null) throw badResponse('ERP', 'customerpayment.trandate', 'missing');
  return {
    id: canonicalId('payment', row.id),
    invoiceId: canonicalId('invoice', row.custbody_invoice),
    customerId: customerIdOf(row.customer),
    amount: moneyFromVendor('ERP', 'customerpayment.payment', row.payment, row.currency),
    date,
    externalIds: [{ system: 'ERP', id: row.id }],
  };
}

// ---- canonical → NetSuite (record bodies for the sync engine's writes) ----

/** The canonical customer data an ERP customer write carries. */
export type ErpCustomerData = Pick<Customer, 'name' | 'legalName' | 'legalEntity' | 'taxId' | 'currency'> & {
  status?: CustomerStatus;
};

/**
 * Canonical customer → `customer` record body. The company name is the legal name
 * when there is one; `sfAccountId` becomes `externalId`.
 */
export function customerToErpCustomer(c: ErpCustomerData, refs: { sfAccountId?: string | null } = {}): CustomerRecordBody {
  const body: CustomerRecordBody = {
    companyName: c.legalName ?? c.name,
    subsidiary: c.legalEntity ? { refName: c.legalEntity } : null,
    currency: { refName: c.currency },
    vatRegNumber: c.taxId ?? null,
  };
  if (refs.sfAccountId !== undefined) body.externalId = refs.sfAccountId;
  if (c.status !== undefined) body.isInactive = c.status === 'INACTIVE';
  return body;
}

/** The canonical project data a job write carries; without a `code` the ERP assigns the next `PRJ-NNNN`. */
export type JobData = Pick<Project, 'name' | 'status' | 'contractType' | 'budget' | 'startDate' | 'endDate'> & { code?: string | null };

/** Vendor ids a job refers to. */
export interface JobRefs {
  /** The NetSuite customer id (the job's parent). */
  erpCustomerId: string;
  sfOpportunityId?: string | null;
  psaWorkspaceId?: string | null;
  /** The job's currency when it has no budget. */
  currency?: string;
}

/** Canonical project → `job` record body. */
export function projectToJob(p: JobData, refs: JobRefs): JobRecordBody {
  const body: JobRecordBody = {
    companyName: p.name,
    parent: { id: refs.erpCustomerId },
    entityStatus: { refName: JOB_STATUS.toVendor(p.status) },
    custentity_contract_type: CONTRACT_TYPE.toVendor(p.contractType),
    custentity_budget_amount: p.budget ? moneyToNumber(p.budget) : null,
    startDate: p.startDate,
    projectedEndDate: p.endDate,
  };
  if (p.code) body.entityId = p.code;
  const currency = p.budget?.currency ?? refs.currency;
  if (currency) body.currency = { refName: currency };
  if (refs.sfOpportunityId !== undefined) body.custentity_sf_opportunity_id = refs.sfOpportunityId;
  if (refs.psaWorkspaceId !== undefined) body.custentity_psa_workspace_id = refs.psaWorkspaceId;
  return body;
}

/** `job` PATCH body linking the PSA workspace. */
export function jobWorkspaceLinkBody(psaWorkspaceId: string): JobRecordBody {
  return { custentity_psa_workspace_id: psaWorkspaceId };
}

/** `job` PATCH body setting the status. */
export function jobStatusBody(status: ProjectStatus): JobRecordBody {
  return { entityStatus: { refName: JOB_STATUS.toVendor(status) } };
}

/** `job` PATCH body setting the budget (absolute; the currency is the job's). */
export function jobBudgetBody(budget: Money): JobRecordBody {
  return { custentity_budget_amount: moneyToNumber(budget) };
}

/** Canonical change order → `customrecord_change_order` body. */
export function changeOrderToRecord(co: Pick<ChangeOrder, 'description' | 'budgetDelta' | 'approvedAt'>, refs: { erpJobId: string }): ChangeOrderRecordBody {
  return {
    custrecord_co_job: { id: refs.erpJobId },
    custrecord_co_description: co.description,
    custrecord_co_amount: moneyToNumber(co.budgetDelta),
    custrecord_co_approved_date: co.approvedAt,
  };
}

/** The canonical invoice data an invoice write carries. */
export type InvoiceData = Pick<Invoice, 'status' | 'issueDate' | 'dueDate' | 'total' | 'lines' | 'blockedReason'> & {
  /** The invoice number; absent or null lets the ERP assign one. */
  number?: string | null;
};

/** Vendor ids an invoice refers to. */
export interface InvoiceRefs {
  erpCustomerId: string;
  erpJobId?: string | null;
  /** The PSA user id of a line's canonical resource id. */
  psaUserIdOf?: (resourceId: string) => string | null | undefined;
}

/**
 * Canonical invoice → `invoice` record body with its `item` sublist. Total and amount
 * remaining are the ERP's to compute (from the lines and the payments), so they are
 * not written; `total` only supplies the currency.
 */
export function invoiceToRecord(inv: InvoiceData, refs: InvoiceRefs): InvoiceRecordBody {
  const currency = inv.total.currency;
  const body: InvoiceRecordBody = {
    entity: { id: refs.erpCustomerId },
    job: refs.erpJobId ? { id: refs.erpJobId } : null,
    status: { refName: INVOICE_STATUS_TO_ERP[inv.status] },
    tranDate: inv.issueDate,
    dueDate: inv.dueDate,
    currency: { refName: currency },
    custbody_blocked_reason: inv.blockedReason,
    item: {
      items: inv.lines.map((l) => ({
        description: l.description,
        quantity: l.hours,
        rate: l.rate ? moneyToNumber(l.rate) : null,
        amount: moneyToNumber(l.amount),
        custcol_psa_user_id: l.resourceId ? (refs.psaUserIdOf?.(l.resourceId) ?? null) : null,
      })),
    },
  };
  if (inv.number) body.tranId = inv.number;
  return body;
}

/**
 * A new invoice from billable lines (one per resource and rate): status Open, each
 * line's amount = hours × rate in decimal arithmetic (rounded half-up to cents), the
 * PSA user in `custcol_psa_user_id`. Customer, job and currency are the ERP's ids/codes.
 */
export function newInvoiceBody(inv: {
  erpCustomerId: string;
  erpJobId: string | null;
  currency: string;
  tranDate: string | null;
  lines: readonly { description: string; psaUserId: string | null; hours: number; rate: Money }[];
}): InvoiceRecordBody {
  const body: InvoiceRecordBody = {
    entity: { id: inv.erpCustomerId },
    currency: { refName: inv.currency },
    status: { refName: 'Open' },
    item: {
      items: inv.lines.map((l) => ({
        description: l.description,
        quantity: l.hours,
        rate: moneyToNumber(l.rate),
        amount: moneyToNumber(money(new Decimal(l.rate.amount).times(l.hours), l.rate.currency)),
        custcol_psa_user_id: l.psaUserId,
      })),
    },
  };
  if (inv.tranDate) body.tranDate = inv.tranDate;
  if (inv.erpJobId) body.job = { id: inv.erpJobId };
  return body;
}

/** A new payment on an invoice; the ERP takes customer and currency from the invoice (and checks the currency). */
export function newPaymentBody(p: { erpInvoiceId: string; amount: Money; tranDate: string | null }): Omit<CustomerPaymentRecordBody, 'customer' | 'tranDate'> & { tranDate?: string } {
  const body: Omit<CustomerPaymentRecordBody, 'customer' | 'tranDate'> & { tranDate?: string } = {
    custbody_invoice: { id: p.erpInvoiceId },
    payment: moneyToNumber(p.amount),
    currency: { refName: p.amount.currency },
  };
  if (p.tranDate) body.tranDate = p.tranDate;
  return body;
}

/** Canonical payment → `customerPayment` record body. */
export function paymentToRecord(p: Pick<Payment, 'amount' | 'date'>, refs: { erpCustomerId: string; erpInvoiceId: string }): CustomerPaymentRecordBody {
  return {
    customer: { id: refs.erpCustomerId },
    custbody_invoice: { id: refs.erpInvoiceId },
    payment: moneyToNumber(p.amount),
    tranDate: p.date,
    currency: { refName: p.amount.currency },
  };
}

// ---- REST records and billing positions (the sync engine's reads) ----

/** A REST `invoice` record as the SuiteQL rows the invoice mapper reads (so both paths map alike). */
export function restInvoiceToRows(r: RestInvoice): { row: InvoiceRow; lines: InvoiceLineRow[] } {
  const ref = (field: string, v: { id?: string; refName?: string } | null | undefined, key: 'id' | 'refName'): string => {
    const out = v?.[key];
    if (out === undefined || out === '') throw badResponse('ERP', field, `missing ${key}`);
    return out;
  };
  const row: InvoiceRow = {
    id: r.id,
    tranid: r.tranId ?? undefined,
    entity: ref('invoice.entity', r.entity, 'id'),
    job: r.job?.id ?? undefined,
    status: ref('invoice.status', r.status, 'refName'),
    trandate: r.tranDate ?? undefined,
    duedate: r.dueDate ?? undefined,
    total: r.total,
    amountremaining: r.amountRemaining ?? undefined,
    currency: ref('invoice.currency', r.currency, 'refName'),
    custbody_blocked_reason: r.custbody_blocked_reason ?? undefined,
  };
  const lines: InvoiceLineRow[] = (r.item?.items ?? []).map((l, i) => ({
    invoice: r.id,
    line: l.line ?? String(i + 1),
    description: l.description ?? undefined,
    quantity: l.quantity ?? undefined,
    rate: l.rate ?? undefined,
    amount: l.amount,
    custcol_psa_user_id: l.custcol_psa_user_id ?? undefined,
  }));
  return { row, lines };
}

/** A customer's billing position as the ERP shows it. */
export interface ErpCustomerBilling {
  arBalance: Money;
  latestInvoiceStatus: InvoiceStatus | null;
  latestErpInvoiceId: string | null;
}

/**
 * The billing position of one customer from its invoice rows: the open balance is the
 * sum of `amountremaining` of its `Open` and `Pending Approval` invoices (every invoice
 * not paid or voided: the rule the seed uses for the CRM's `AR_Balance__c`, so a fresh
 * world shows no drift); the latest invoice is the one with
 * the highest `trandate`, then the highest id; its status is canonical (OVERDUE etc.,
 * by {@link invoiceStatus} against `today`). Amounts are in `currency` (the customer's;
 * the ERP only takes invoices in the customer's currency).
 */
export function customerBillingFromInvoices(rows: readonly InvoiceRow[], currency: string, today: string): ErpCustomerBilling {
  let open = new Decimal(0);
  let latest: InvoiceRow | null = null;
  for (const r of rows) {
    if (r.status === 'Open' || r.status === 'Pending Approval') open = open.plus(moneyFromVendor('ERP', 'invoice.amountremaining', r.amountremaining ?? '0', r.currency).amount);
    if (latest === null || newer(r, latest)) latest = r;
  }
  if (latest === null) return { arBalance: money(open, currency), latestInvoiceStatus: null, latestErpInvoiceId: null };
  const total = moneyFromVendor('ERP', 'invoice.total', latest.total, latest.currency);
  const balance = moneyFromVendor('ERP', 'invoice.amountremaining', latest.amountremaining ?? '0', latest.currency);
  return { arBalance: money(open, currency), latestInvoiceStatus: invoiceStatus(latest, total, balance, today), latestErpInvoiceId: latest.id };
}

function newer(a: InvoiceRow, b: InvoiceRow): boolean {
  const da = a.trandate ?? '';
  const db = b.trandate ?? '';
  if (da !== db) return da > db;
  return Number(a.id) > Number(b.id);
}
