import { memoByKey } from '../../lib';
import { z } from 'zod';

/**
 * NetSuite wire shapes (REST record API and SuiteQL), as docs/source-systems.md
 * describes them. SuiteQL rows are flat, lower-case, every value a string, empty
 * values omitted; reference columns hold the referenced id, `currency` the ISO
 * code, `entitystatus`/`status` the refName. Lenient: unknown fields pass through.
 */

export const NS_RECORD_API = '/services/rest/record/v1';
export const NS_SUITEQL = '/services/rest/query/v1/suiteql';

/** A SuiteQL string column; NetSuite writes numbers as strings, but a number is tolerated. */
const col = z.union([z.string(), z.number()]).transform((v) => String(v));
const opt = col.optional();

/** `customer` table. */
export const customerRow = z.looseObject({
  id: col,
  entityid: opt,
  companyname: opt,
  externalid: opt,
  subsidiary: opt,
  currency: opt,
  vatregnumber: opt,
  email: opt,
  isinactive: opt,
});
export type CustomerRow = z.output<typeof customerRow>;

/** `job` table (projects). */
export const jobRow = z.looseObject({
  id: col,
  entityid: col,
  companyname: col,
  parent: col,
  entitystatus: col,
  custentity_contract_type: col,
  custentity_budget_amount: opt,
  currency: col,
  startdate: opt,
  projectedenddate: opt,
  custentity_sf_opportunity_id: opt,
  custentity_psa_workspace_id: opt,
});
export type JobRow = z.output<typeof jobRow>;

/** `customrecord_change_order` table. */
export const changeOrderRow = z.looseObject({
  id: col,
  custrecord_co_job: col,
  custrecord_co_description: col,
  custrecord_co_amount: col,
  custrecord_co_approved_date: opt,
});
export type ChangeOrderRow = z.output<typeof changeOrderRow>;

/** `invoice` table. */
export const invoiceRow = z.looseObject({
  id: col,
  tranid: opt,
  entity: col,
  job: opt,
  status: col,
  trandate: opt,
  duedate: opt,
  total: col,
  amountremaining: opt,
  currency: col,
  custbody_blocked_reason: opt,
});
export type InvoiceRow = z.output<typeof invoiceRow>;

/** `invoiceline` table. */
export const invoiceLineRow = z.looseObject({
  invoice: col,
  line: opt,
  description: opt,
  quantity: opt,
  rate: opt,
  amount: col,
  custcol_psa_user_id: opt,
});
export type InvoiceLineRow = z.output<typeof invoiceLineRow>;

/** `customerpayment` table. */
export const customerPaymentRow = z.looseObject({
  id: col,
  customer: col,
  custbody_invoice: col,
  payment: col,
  trandate: col,
  currency: col,
});
export type CustomerPaymentRow = z.output<typeof customerPaymentRow>;

/** `POST /suiteql` answer. */
export function suiteqlPageWire<S extends z.ZodType>(row: S) {
  return suiteqlPageWires(row) as ReturnType<typeof buildSuiteqlPageWire<S>>;
}
function buildSuiteqlPageWire<S extends z.ZodType>(row: S) {
  return z.looseObject({
    count: z.number(),
    hasMore: z.boolean(),
    offset: z.number().optional(),
    totalResults: z.number().optional(),
    items: z.array(row),
  });
}
const suiteqlPageWires = memoByKey((row: z.ZodType) => buildSuiteqlPageWire(row));
export interface SuiteqlPage<T> {
  count: number;
  hasMore: boolean;
  offset?: number;
  totalResults?: number;
  items: T[];
}

/** A NetSuite record reference `{ id, refName }` (writes may carry either). */
export interface RecordRef {
  id?: string;
  refName?: string;
}
export const recordRefWire = z.looseObject({ id: col.optional(), refName: z.string().optional() });

/** A REST record as `GET /record/v1/{type}/{id}` returns it (only `id` is checked). */
export const restRecordWire = z.looseObject({ id: col });
export type RestRecord = z.output<typeof restRecordWire>;

/** Record types of the REST record API the adapter uses. */
export type ErpRecordType = 'customer' | 'job' | 'invoice' | 'customerPayment' | 'customrecord_change_order';

/** Body of a `customer` record write. */
export interface CustomerRecordBody {
  companyName?: string;
  externalId?: string | null;
  subsidiary?: RecordRef | null;
  currency?: RecordRef;
  vatRegNumber?: string | null;
  email?: string | null;
  isInactive?: boolean;
}

/** Body of a `job` record write. */
export interface JobRecordBody {
  entityId?: string;
  companyName?: string;
  parent?: RecordRef;
  entityStatus?: RecordRef;
  custentity_contract_type?: string;
  custentity_budget_amount?: number | null;
  currency?: RecordRef;
  startDate?: string | null;
  projectedEndDate?: string | null;
  custentity_sf_opportunity_id?: string | null;
  custentity_psa_workspace_id?: string | null;
}

/** Body of a `customrecord_change_order` write. */
export interface ChangeOrderRecordBody {
  custrecord_co_job: RecordRef;
  custrecord_co_description: string;
  custrecord_co_amount: number;
  custrecord_co_approved_date: string | null;
}

/** One line of an invoice's `item` sublist. */
export interface InvoiceItemBody {
  description: string;
  quantity: number | null;
  rate: number | null;
  amount: number;
  custcol_psa_user_id: string | null;
}

/** Body of an `invoice` record write. */
export interface InvoiceRecordBody {
  tranId?: string;
  entity: RecordRef;
  job?: RecordRef | null;
  status?: RecordRef;
  tranDate?: string | null;
  dueDate?: string | null;
  currency: RecordRef;
  custbody_blocked_reason?: string | null;
  item?: { items: InvoiceItemBody[] };
}

/** Body of a `customerPayment` record write. */
export interface CustomerPaymentRecordBody {
  customer: RecordRef;
  custbody_invoice: RecordRef;
  payment: number;
  tranDate: string;
  currency: RecordRef;
}

const refWire = z.looseObject({ id: col.optional(), refName: z.string().optional() });
const num = z.union([z.number(), z.string()]).transform((v) => String(v));

/** A `job` REST record, as far as the writers read it. */
export const restJobWire = z.looseObject({
  id: col,
  entityId: z.string(),
  entityStatus: refWire,
  custentity_budget_amount: num.nullish(),
  currency: refWire,
});
export type RestJob = z.output<typeof restJobWire>;

/** An `invoice` REST record with its `item` sublist. */
export const restInvoiceWire = z.looseObject({
  id: col,
  tranId: z.string().nullish(),
  entity: refWire,
  job: refWire.nullish(),
  status: refWire,
  tranDate: z.string().nullish(),
  dueDate: z.string().nullish(),
  total: num,
  amountRemaining: num.nullish(),
  currency: refWire,
  custbody_blocked_reason: z.string().nullish(),
  item: z
    .looseObject({
      items: z.array(
        z.looseObject({
          line: num.nullish(),
          description: z.string().nullish(),
          quantity: num.nullish(),
          rate: num.nullish(),
          amount: num,
          custcol_psa_user_id: z.string().nullish(),
        }),
      ),
    })
    .nullish(),
});
export type RestInvoice = z.output<typeof restInvoiceWire>;
