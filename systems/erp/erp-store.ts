import { addDaysIso } from '../shared/dates';
import {
  ERP_CONTRACT_TYPES,
  ERP_CURRENCIES,
  ERP_JOB_STATUSES,
  type ErpChangeOrder,
  type ErpContractType,
  type ErpCustomer,
  type ErpCustomerPayment,
  type ErpData,
  type ErpInvoice,
  type ErpInvoiceLine,
  type ErpInvoiceStatus,
  type ErpJob,
  type ErpJobStatus,
  SUBSIDIARIES,
  type Subsidiary,
} from '../seed/world';
import { Table } from '../server/table';
import { VendorError } from '../server/types';
import { nsError, RecordInput, type RefInput } from './erp-input';

/** NetSuite REST record types the ERP serves. */
export const ERP_RECORD_TYPES = ['customer', 'job', 'invoice', 'customerPayment', 'customrecord_change_order'] as const;
export type ErpRecordType = (typeof ERP_RECORD_TYPES)[number];

export const JOB_STATUS_IDS: Readonly<Record<ErpJobStatus, string>> = {
  Pending: '1',
  'In Progress': '2',
  'On Hold': '3',
  Closed: '4',
  Cancelled: '5',
};
export const INVOICE_STATUS_IDS: Readonly<Record<ErpInvoiceStatus, string>> = {
  Open: 'A',
  'Paid In Full': 'B',
  'Pending Approval': 'D',
  Voided: 'V',
};

export function nonexistent(): VendorError {
  return new VendorError(404, 'NONEXISTENT_ID', 'The record instance does not exist. Provide a valid record instance ID.');
}

const cents = (n: number) => Math.round(n * 100);
const money = (c: number) => Math.round(c) / 100;

/** The ERP's records and the NetSuite rules over them (references, defaults, invoice arithmetic). */
export class ErpStore {
  readonly customers: Table<ErpCustomer>;
  readonly jobs: Table<ErpJob>;
  readonly changeOrders: Table<ErpChangeOrder>;
  readonly invoices: Table<ErpInvoice>;
  readonly payments: Table<ErpCustomerPayment>;
  private entitySeq: number;
  private transactionSeq: number;
  private changeOrderSeq: number;

  constructor(data: ErpData) {
    const byId = <T extends { id: string }>(r: T) => r.id;
    this.customers = new Table<ErpCustomer>(byId, ['externalId', 'entityId'], data.customers);
    this.jobs = new Table<ErpJob>(byId, ['parent', 'entityId'], data.jobs);
    this.changeOrders = new Table<ErpChangeOrder>(byId, ['custrecord_co_job'], data.changeOrders);
    this.invoices = new Table<ErpInvoice>(byId, ['entity', 'job', 'tranId'], data.invoices);
    this.payments = new Table<ErpCustomerPayment>(byId, ['customer', 'custbody_invoice'], data.payments);
    this.entitySeq = Math.max(1000, maxId(data.customers), maxId(data.jobs));
    this.transactionSeq = Math.max(20000, maxId(data.invoices), maxId(data.payments));
    this.changeOrderSeq = Math.max(100, maxId(data.changeOrders));
  }

  serialize(): ErpData {
    return {
      customers: this.customers.toArray(),
      jobs: this.jobs.toArray(),
      changeOrders: this.changeOrders.toArray(),
      invoices: this.invoices.toArray(),
      payments: this.payments.toArray(),
    };
  }

  /** A customer by internal id, or by external id written `eid:<externalId>`. */
  customer(id: string): ErpCustomer | undefined {
    if (id.startsWith('eid:')) return this.customers.where('externalId', [id.slice(4)])[0];
    return this.customers.get(id);
  }

  subsidiary(id: string): Subsidiary | undefined {
    return SUBSIDIARIES.find((s) => s.id === id);
  }

  // ---- customer -----------------------------------------------------------

  createCustomer(body: unknown, now: Date): string {
    const input = new RecordInput('customer', body);
    const companyName = input.string('companyName', 250);
    if (!companyName) throw nsError('USER_ERROR', 'Please enter value(s) for: Company Name');
    const externalId = input.string('externalId', 255) ?? null;
    const currencyRef = input.ref('currency');
    const subsidiaryRef = input.ref('subsidiary');
    const currencyIso = currencyRef ? this.currency(currencyRef, 'currency') : undefined;
    const subsidiary = subsidiaryRef
      ? this.subsidiaryOf(subsidiaryRef)
      : (SUBSIDIARIES.find((s) => s.currency === currencyIso) ?? SUBSIDIARIES[0]);
    const record: ErpCustomer = {
      id: '',
      entityId: input.string('entityId', 83) ?? '',
      companyName,
      externalId,
      subsidiary: subsidiary.id,
      currency: currencyIso ?? subsidiary.currency,
      vatRegNumber: input.string('vatRegNumber', 40) ?? null,
      email: input.string('email', 254) ?? null,
      isInactive: input.boolean('isInactive') ?? false,
      lastModifiedDate: now.toISOString(),
    };
    input.done();
    this.assertUnique('customer', record.externalId, record.entityId);
    record.id = String(++this.entitySeq);
    if (!record.entityId) record.entityId = `CUST-${String(this.entitySeq - 1000).padStart(5, '0')}`;
    this.customers.insert(record);
    return record.id;
  }

  updateCustomer(id: string, body: unknown, now: Date): void {
    const existing = this.customer(id);
    if (!existing) throw nonexistent();
    const input = new RecordInput('customer', body);
    const patch: Partial<ErpCustomer> = {};
    const companyName = input.string('companyName', 250);
    if (companyName === null) throw nsError('USER_ERROR', 'Please enter value(s) for: Company Name');
    if (companyName !== undefined) patch.companyName = companyName;
    const externalId = input.string('externalId', 255);
    if (externalId !== undefined && externalId !== existing.externalId) {
      this.assertUnique('customer', externalId, undefined);
      patch.externalId = externalId;
    }
    const entityId = input.string('entityId', 83);
    if (entityId !== undefined && entityId !== null && entityId !== existing.entityId) {
      this.assertUnique('customer', null, entityId);
      patch.entityId = entityId;
    }
    const subsidiaryRef = input.ref('subsidiary');
    if (subsidiaryRef) patch.subsidiary = this.subsidiaryOf(subsidiaryRef).id;
    const currencyRef = input.ref('currency');
    if (currencyRef) patch.currency = this.currency(currencyRef, 'currency');
    const vat = input.string('vatRegNumber', 40);
    if (vat !== undefined) patch.vatRegNumber = vat;
    const email = input.string('email', 254);
    if (email !== undefined) patch.email = email;
    const inactive = input.boolean('isInactive');
    if (inactive !== undefined) patch.isInactive = inactive;
    input.done();
    this.customers.update(existing.id, (r) => Object.assign(r, patch, { lastModifiedDate: now.toISOString() }));
  }

  // ---- job ----------------------------------------------------------------

  createJob(body: unknown, now: Date): string {
    const input = new RecordInput('job', body);
    const companyName = input.string('companyName', 250);
    const parentRef = input.ref('parent');
    const missing = [!companyName && 'Project Name', !parentRef && 'Customer'].filter(Boolean);
    if (missing.length) throw nsError('USER_ERROR', `Please enter value(s) for: ${missing.join(', ')}`);
    const parent = this.refCustomer(parentRef!, 'parent');
    const statusRef = input.ref('entityStatus');
    const currencyRef = input.ref('currency');
    const record: ErpJob = {
      id: '',
      entityId: input.string('entityId', 83) ?? '',
      companyName: companyName!,
      parent: parent.id,
      entityStatus: statusRef ? this.jobStatus(statusRef) : 'Pending',
      custentity_contract_type: this.contractType(input.string('custentity_contract_type')),
      custentity_budget_amount: roundMoney(input.number('custentity_budget_amount')) ?? null,
      currency: currencyRef ? this.currency(currencyRef, 'currency') : parent.currency,
      startDate: input.date('startDate') ?? null,
      projectedEndDate: input.date('projectedEndDate') ?? null,
      custentity_sf_opportunity_id: input.string('custentity_sf_opportunity_id', 40) ?? null,
      custentity_psa_workspace_id: input.string('custentity_psa_workspace_id', 40) ?? null,
      lastModifiedDate: now.toISOString(),
    };
    input.done();
    if (record.entityId && this.jobs.where('entityId', [record.entityId]).length) {
      throw nsError('DUP_RCRD', `A project with ID ${record.entityId} already exists.`);
    }
    record.id = String(++this.entitySeq);
    if (!record.entityId) record.entityId = this.nextCode('PRJ-', 4, this.jobs.all(), (j) => j.entityId);
    this.jobs.insert(record);
    return record.id;
  }

  updateJob(id: string, body: unknown, now: Date): void {
    const existing = this.jobs.get(id);
    if (!existing) throw nonexistent();
    const input = new RecordInput('job', body);
    const patch: Partial<ErpJob> = {};
    const companyName = input.string('companyName', 250);
    if (companyName === null) throw nsError('USER_ERROR', 'Please enter value(s) for: Project Name');
    if (companyName !== undefined) patch.companyName = companyName;
    const entityId = input.string('entityId', 83);
    if (entityId && entityId !== existing.entityId) {
      if (this.jobs.where('entityId', [entityId]).length) throw nsError('DUP_RCRD', `A project with ID ${entityId} already exists.`);
      patch.entityId = entityId;
    }
    const parentRef = input.ref('parent');
    if (parentRef) patch.parent = this.refCustomer(parentRef, 'parent').id;
    const statusRef = input.ref('entityStatus');
    if (statusRef) patch.entityStatus = this.jobStatus(statusRef);
    if (input.has('custentity_contract_type')) patch.custentity_contract_type = this.contractType(input.string('custentity_contract_type'));
    const budget = input.number('custentity_budget_amount');
    if (budget !== undefined) patch.custentity_budget_amount = roundMoney(budget);
    const currencyRef = input.ref('currency');
    if (currencyRef) patch.currency = this.currency(currencyRef, 'currency');
    for (const f of ['startDate', 'projectedEndDate'] as const) {
      const v = input.date(f);
      if (v !== undefined) patch[f] = v;
    }
    for (const f of ['custentity_sf_opportunity_id', 'custentity_psa_workspace_id'] as const) {
      const v = input.string(f, 40);
      if (v !== undefined) patch[f] = v;
    }
    input.done();
    this.jobs.update(id, (r) => Object.assign(r, patch, { lastModifiedDate: now.toISOString() }));
  }

  // ---- change order -------------------------------------------------------

  createChangeOrder(body: unknown, now: Date): string {
    const input = new RecordInput('customrecord_change_order', body);
    const jobRef = input.ref('custrecord_co_job');
    const description = input.string('custrecord_co_description', 4000);
    const amount = input.number('custrecord_co_amount');
    const missing = [!jobRef && 'Project', !description && 'Description', (amount === undefined || amount === null) && 'Amount'].filter(Boolean);
    if (missing.length) throw nsError('USER_ERROR', `Please enter value(s) for: ${missing.join(', ')}`);
    const job = this.refJob(jobRef!, 'custrecord_co_job');
    const record: ErpChangeOrder = {
      id: '',
      custrecord_co_job: job.id,
      custrecord_co_description: description!,
      custrecord_co_amount: roundMoney(amount!)!,
      custrecord_co_approved_date: input.dateTime('custrecord_co_approved_date') ?? null,
      lastModifiedDate: now.toISOString(),
    };
    input.done();
    record.id = String(++this.changeOrderSeq);
    this.changeOrders.insert(record);
    return record.id;
  }

  updateChangeOrder(id: string, body: unknown, now: Date): void {
    if (!this.changeOrders.has(id)) throw nonexistent();
    const input = new RecordInput('customrecord_change_order', body);
    const patch: Partial<ErpChangeOrder> = {};
    const jobRef = input.ref('custrecord_co_job');
    if (jobRef) patch.custrecord_co_job = this.refJob(jobRef, 'custrecord_co_job').id;
    const description = input.string('custrecord_co_description', 4000);
    if (description === null) throw nsError('USER_ERROR', 'Please enter value(s) for: Description');
    if (description !== undefined) patch.custrecord_co_description = description;
    const amount = input.number('custrecord_co_amount');
    if (amount === null) throw nsError('USER_ERROR', 'Please enter value(s) for: Amount');
    if (amount !== undefined) patch.custrecord_co_amount = roundMoney(amount)!;
    const approved = input.dateTime('custrecord_co_approved_date');
    if (approved !== undefined) patch.custrecord_co_approved_date = approved;
    input.done();
    this.changeOrders.update(id, (r) => Object.assign(r, patch, { lastModifiedDate: now.toISOString() }));
  }

  // ---- invoice ------------------------------------------------------------

  createInvoice(body: unknown, now: Date): string {
    const input = new RecordInput('invoice', body);
    const entityRef = input.ref('entity');
    if (!entityRef) throw nsError('USER_ERROR', 'Please enter value(s) for: Customer');
    const customer = this.refCustomer(entityRef, 'entity');
    const jobRef = input.ref('job');
    const job = jobRef ? this.refJob(jobRef, 'job') : undefined;
    if (job && job.parent !== customer.id) throw nsError('USER_ERROR', `Project ${job.entityId} does not belong to customer ${customer.entityId}.`);
    const currencyRef = input.ref('currency');
    const currency = currencyRef ? this.currency(currencyRef, 'currency') : customer.currency;
    if (currency !== customer.currency) throw nsError('USER_ERROR', `Currency ${currency} is not a currency of customer ${customer.entityId} (${customer.currency}).`);
    const statusRef = input.ref('status');
    const status = statusRef ? this.invoiceStatus(statusRef) : 'Open';
    if (status !== 'Open' && status !== 'Pending Approval') throw nsError('USER_ERROR', `A new invoice cannot have status ${status}.`);
    const today = now.toISOString().slice(0, 10);
    const tranDate = input.date('tranDate') ?? today;
    const items = input.sublist('item');
    if (!items || items.length === 0) throw nsError('USER_ERROR', 'You must enter at least one line item for this transaction.');
    const lines = this.invoiceLines(items);
    const total = money(lines.reduce((s, l) => s + cents(l.amount), 0));
    const record: ErpInvoice = {
      id: '',
      tranId: input.string('tranId', 45) ?? '',
      entity: customer.id,
      job: job?.id ?? null,
      status,
      tranDate,
      dueDate: input.date('dueDate') ?? addDaysIso(tranDate, 30),
      total,
      amountRemaining: total,
      currency,
      custbody_blocked_reason: input.string('custbody_blocked_reason', 300) ?? null,
      lines,
      lastModifiedDate: now.toISOString(),
    };
    input.done();
    if (record.tranId && this.invoices.where('tranId', [record.tranId]).length) {
      throw nsError('DUP_RCRD', `An invoice with number ${record.tranId} already exists.`);
    }
    record.id = String(++this.transactionSeq);
    if (!record.tranId) record.tranId = this.nextCode('INV-', 5, this.invoices.all(), (i) => i.tranId);
    this.invoices.insert(record);
    return record.id;
  }

  updateInvoice(id: string, body: unknown, now: Date): void {
    const existing = this.invoices.get(id);
    if (!existing) throw nonexistent();
    const input = new RecordInput('invoice', body);
    if (existing.status === 'Voided') throw nsError('USER_ERROR', `Invoice ${existing.tranId} is voided and cannot be changed.`);
    const paidCents = cents(existing.total) - cents(existing.amountRemaining);
    const patch: Partial<ErpInvoice> = {};
    const statusRef = input.ref('status');
    if (statusRef) {
      const status = this.invoiceStatus(statusRef);
      if (status === 'Paid In Full' && status !== existing.status) {
        throw nsError('USER_ERROR', 'An invoice becomes Paid In Full by applying customer payments to it.');
      }
      if (status === 'Voided' && paidCents > 0) throw nsError('USER_ERROR', `Invoice ${existing.tranId} has payments applied and cannot be voided.`);
      if ((status === 'Open' || status === 'Pending Approval') && existing.status === 'Paid In Full') {
        throw nsError('USER_ERROR', `Invoice ${existing.tranId} is paid in full.`);
      }
      patch.status = status;
      if (status === 'Voided') patch.amountRemaining = 0;
    }
    const tranId = input.string('tranId', 45);
    if (tranId && tranId !== existing.tranId) {
      if (this.invoices.where('tranId', [tranId]).length) throw nsError('DUP_RCRD', `An invoice with number ${tranId} already exists.`);
      patch.tranId = tranId;
    }
    const jobRef = input.ref('job');
    if (jobRef !== undefined) {
      const job = jobRef ? this.refJob(jobRef, 'job') : undefined;
      if (job && job.parent !== existing.entity) throw nsError('USER_ERROR', `Project ${job.entityId} does not belong to the invoice's customer.`);
      patch.job = job?.id ?? null;
    }
    const tranDate = input.date('tranDate');
    if (tranDate) patch.tranDate = tranDate;
    const dueDate = input.date('dueDate');
    if (dueDate !== undefined) patch.dueDate = dueDate;
    const blocked = input.string('custbody_blocked_reason', 300);
    if (blocked !== undefined) patch.custbody_blocked_reason = blocked;
    const items = input.sublist('item');
    if (items) {
      if (items.length === 0) throw nsError('USER_ERROR', 'You must enter at least one line item for this transaction.');
      patch.lines = this.invoiceLines(items);
      const totalCents = patch.lines.reduce((s, l) => s + cents(l.amount), 0);
      if (totalCents < paidCents) throw nsError('USER_ERROR', 'The invoice total cannot be less than the payments applied to it.');
      patch.total = money(totalCents);
      if (patch.status !== 'Voided') patch.amountRemaining = money(totalCents - paidCents);
    }
    input.done();
    this.invoices.update(id, (r) => Object.assign(r, patch, { lastModifiedDate: now.toISOString() }));
  }

  private invoiceLines(items: Record<string, unknown>[]): ErpInvoiceLine[] {
    return items.map((raw, i) => {
      const line = new RecordInput('invoice.item', raw);
      const quantity = line.number('quantity') ?? 1;
      const rate = line.number('rate');
      const given = line.number('amount');
      if ((rate === undefined || rate === null) && (given === undefined || given === null)) {
        throw nsError('USER_ERROR', `Line ${i + 1}: please enter value(s) for: Rate or Amount`);
      }
      const amount = given ?? money(cents((rate ?? 0) * quantity));
      const out: ErpInvoiceLine = {
        line: i + 1,
        description: line.string('description', 4000) ?? '',
        quantity,
        rate: rate ?? (quantity ? money(cents(amount / quantity)) : amount),
        amount: roundMoney(amount)!,
        custcol_psa_user_id: line.string('custcol_psa_user_id', 40) ?? null,
      };
      line.has('line');
      line.done();
      return out;
    });
  }

  // ---- customer payment ---------------------------------------------------

  createPayment(body: unknown, now: Date): string {
    const input = new RecordInput('customerPayment', body);
    const invoiceRef = input.ref('custbody_invoice');
    const amount = input.number('payment');
    const missing = [!invoiceRef && 'Invoice', (amount === undefined || amount === null) && 'Payment Amount'].filter(Boolean);
    if (missing.length) throw nsError('USER_ERROR', `Please enter value(s) for: ${missing.join(', ')}`);
    const invoice = this.refInvoice(invoiceRef!, 'custbody_invoice');
    const customerRef = input.ref('customer');
    const customer = customerRef ? this.refCustomer(customerRef, 'customer') : this.customers.get(invoice.entity)!;
    if (customer.id !== invoice.entity) throw nsError('USER_ERROR', `Invoice ${invoice.tranId} does not belong to customer ${customer.entityId}.`);
    const currencyRef = input.ref('currency');
    const currency = currencyRef ? this.currency(currencyRef, 'currency') : invoice.currency;
    if (currency !== invoice.currency) throw nsError('USER_ERROR', `The payment currency ${currency} differs from the invoice currency ${invoice.currency}.`);
    const tranDate = input.date('tranDate') ?? now.toISOString().slice(0, 10);
    input.done();
    const paid = cents(amount!);
    if (paid <= 0) throw nsError('USER_ERROR', 'The payment amount must be greater than zero.');
    if (invoice.status !== 'Open') throw nsError('USER_ERROR', `Invoice ${invoice.tranId} is ${invoice.status} and cannot take payments.`);
    const remaining = cents(invoice.amountRemaining);
    if (paid > remaining) {
      throw nsError('USER_ERROR', `The payment amount ${money(paid)} exceeds the amount remaining ${money(remaining)} on invoice ${invoice.tranId}.`);
    }
    const record: ErpCustomerPayment = {
      id: String(++this.transactionSeq),
      customer: customer.id,
      custbody_invoice: invoice.id,
      payment: money(paid),
      tranDate,
      currency,
      lastModifiedDate: now.toISOString(),
    };
    this.payments.insert(record);
    this.invoices.update(invoice.id, (r) => {
      r.amountRemaining = money(remaining - paid);
      if (remaining === paid) r.status = 'Paid In Full';
      r.lastModifiedDate = now.toISOString();
    });
    return record.id;
  }

  updatePayment(id: string, body: unknown, now: Date): void {
    if (!this.payments.has(id)) throw nonexistent();
    const input = new RecordInput('customerPayment', body);
    const tranDate = input.date('tranDate');
    if (input.has('payment') || input.has('custbody_invoice') || input.has('customer') || input.has('currency')) {
      throw nsError('USER_ERROR', 'An applied payment can only have its date changed; record a new payment instead.');
    }
    input.done();
    this.payments.update(id, (r) => {
      if (tranDate) r.tranDate = tranDate;
      r.lastModifiedDate = now.toISOString();
    });
  }

  // ---- references ---------------------------------------------------------

  private badRef(field: string, ref: RefInput): VendorError {
    return nsError('INVALID_KEY_OR_REF', `Invalid ${field} reference key ${ref.id ?? ref.refName}.`);
  }

  private refCustomer(ref: RefInput, field: string): ErpCustomer {
    const c = ref.id !== undefined ? this.customer(ref.id) : [...this.customers.all()].find((x) => x.companyName === ref.refName);
    if (!c) throw this.badRef(field, ref);
    return c;
  }

  private refJob(ref: RefInput, field: string): ErpJob {
    const j = ref.id !== undefined ? this.jobs.get(ref.id) : [...this.jobs.all()].find((x) => x.companyName === ref.refName);
    if (!j) throw this.badRef(field, ref);
    return j;
  }

  private refInvoice(ref: RefInput, field: string): ErpInvoice {
    const i = ref.id !== undefined ? this.invoices.get(ref.id) : this.invoices.where('tranId', [ref.refName!])[0];
    if (!i) throw this.badRef(field, ref);
    return i;
  }

  private subsidiaryOf(ref: RefInput): Subsidiary {
    const s = SUBSIDIARIES.find((x) => (ref.id !== undefined ? x.id === ref.id : x.name === ref.refName));
    if (!s) throw this.badRef('subsidiary', ref);
    return s;
  }

  private currency(ref: RefInput, field: string): string {
    const iso =
      ref.id !== undefined
        ? Object.keys(ERP_CURRENCIES).find((k) => ERP_CURRENCIES[k] === ref.id || k === ref.id)
        : Object.keys(ERP_CURRENCIES).find((k) => k === ref.refName);
    if (!iso) throw this.badRef(field, ref);
    return iso;
  }

  private jobStatus(ref: RefInput): ErpJobStatus {
    const s = ERP_JOB_STATUSES.find((x) => (ref.id !== undefined ? JOB_STATUS_IDS[x] === ref.id : x === ref.refName));
    if (!s) throw this.badRef('entityStatus', ref);
    return s;
  }

  private invoiceStatus(ref: RefInput): ErpInvoiceStatus {
    const s = (Object.keys(INVOICE_STATUS_IDS) as ErpInvoiceStatus[]).find((x) =>
      ref.id !== undefined ? INVOICE_STATUS_IDS[x] === ref.id : x === ref.refName,
    );
    if (!s) throw this.badRef('status', ref);
    return s;
  }

  private contractType(value: string | null | undefined): ErpContractType | null {
    if (value === undefined || value === null) return null;
    if (!(ERP_CONTRACT_TYPES as readonly string[]).includes(value)) {
      throw nsError('INVALID_CONTENT', `Invalid value for field custentity_contract_type: ${value} (expected one of ${ERP_CONTRACT_TYPES.join(', ')}).`);
    }
    return value as ErpContractType;
  }

  private assertUnique(type: string, externalId: string | null | undefined, entityId: string | undefined): void {
    if (externalId && this.customers.where('externalId', [externalId]).length) {
      throw nsError('DUP_RCRD', `A ${type} record with external ID ${externalId} already exists.`);
    }
    if (entityId && this.customers.where('entityId', [entityId]).length) {
      throw nsError('DUP_RCRD', `A ${type} record with ID ${entityId} already exists.`);
    }
  }

  private nextCode<T>(prefix: string, width: number, rows: Iterable<T>, code: (r: T) => string): string {
    let max = 0;
    for (const r of rows) {
      const c = code(r);
      if (c.startsWith(prefix)) {
        const n = Number(c.slice(prefix.length));
        if (Number.isInteger(n) && n > max) max = n;
      }
    }
    return `${prefix}${String(max + 1).padStart(width, '0')}`;
  }
}

function maxId(rows: readonly { id: string }[]): number {
  let max = 0;
  for (const r of rows) {
    const n = Number(r.id);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max;
}

function roundMoney(n: number | null | undefined): number | null | undefined {
  return n === null || n === undefined ? n : Math.round(n * 100) / 100;
}
