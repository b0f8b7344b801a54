import { compareValues, type Literal, type ParsedQuery, parseQuery, QuerySyntaxError } from '../shared/query-parser';
import type { ErpInvoice, ErpInvoiceLine } from '../seed/world';
import { VendorError } from '../server/types';
import type { ErpStore } from './erp-store';

/** Most rows on one SuiteQL page, and most values in one `IN` list. */
export const SUITEQL_MAX_LIMIT = 1000;

type Cell = string | number | boolean | null | undefined;

/** A flat, lower-case SuiteQL table over the ERP's records. */
interface SqlTable<R> {
  columns: readonly string[];
  all(): Iterable<R>;
  cell(row: R, column: string): Cell;
  /** Indexed lookups by column (exact string values). */
  lookup?: Readonly<Record<string, (values: string[]) => R[]>>;
}

export interface SuiteQlPage {
  items: Record<string, unknown>[];
  totalResults: number;
}

function invalid(detail: string): VendorError {
  return new VendorError(400, 'INVALID_PARAMETER', `Invalid search query. Detailed unprocessed description follows. ${detail}`);
}

function table<R>(def: SqlTable<R>): SqlTable<unknown> {
  return def as SqlTable<unknown>;
}

type LineRow = { invoice: ErpInvoice; line: ErpInvoiceLine };

/** The SuiteQL tables of docs/source-systems.md, each with a `lastmodifieddate` column. */
export function suiteQlTables(store: ErpStore): Readonly<Record<string, SqlTable<unknown>>> {
  const subsidiaryName = (id: string) => store.subsidiary(id)?.name ?? id;
  return {
    customer: table({
      columns: ['id', 'entityid', 'companyname', 'externalid', 'subsidiary', 'currency', 'vatregnumber', 'email', 'isinactive', 'lastmodifieddate'],
      all: () => store.customers.all(),
      cell: (c, col) => {
        switch (col) {
          case 'entityid':
            return c.entityId;
          case 'companyname':
            return c.companyName;
          case 'externalid':
            return c.externalId;
          case 'subsidiary':
            return subsidiaryName(c.subsidiary);
          case 'vatregnumber':
            return c.vatRegNumber;
          case 'isinactive':
            return c.isInactive;
          case 'lastmodifieddate':
            return c.lastModifiedDate;
          default:
            return c[col as 'id' | 'currency' | 'email'];
        }
      },
      lookup: { id: (v) => store.customers.getMany(v), externalid: (v) => store.customers.where('externalId', v) },
    }),
    job: table({
      columns: [
        'id', 'entityid', 'companyname', 'parent', 'entitystatus', 'custentity_contract_type', 'custentity_budget_amount', 'currency',
        'startdate', 'projectedenddate', 'custentity_sf_opportunity_id', 'custentity_psa_workspace_id', 'lastmodifieddate',
      ],
      all: () => store.jobs.all(),
      cell: (j, col) => {
        switch (col) {
          case 'entityid':
            return j.entityId;
          case 'companyname':
            return j.companyName;
          case 'entitystatus':
            return j.entityStatus;
          case 'startdate':
            return j.startDate;
          case 'projectedenddate':
            return j.projectedEndDate;
          case 'lastmodifieddate':
            return j.lastModifiedDate;
          default:
            return j[col as 'id' | 'parent' | 'currency' | 'custentity_contract_type' | 'custentity_budget_amount' | 'custentity_sf_opportunity_id' | 'custentity_psa_workspace_id'];
        }
      },
      lookup: { id: (v) => store.jobs.getMany(v), parent: (v) => store.jobs.where('parent', v) },
    }),
    customrecord_change_order: table({
      columns: ['id', 'custrecord_co_job', 'custrecord_co_description', 'custrecord_co_amount', 'custrecord_co_approved_date', 'lastmodifieddate'],
      all: () => store.changeOrders.all(),
      cell: (c, col) => (col === 'lastmodifieddate' ? c.lastModifiedDate : c[col as Exclude<keyof typeof c, 'lastModifiedDate'>]),
      lookup: { id: (v) => store.changeOrders.getMany(v), custrecord_co_job: (v) => store.changeOrders.where('custrecord_co_job', v) },
    }),
    invoice: table({
      columns: ['id', 'tranid', 'entity', 'job', 'status', 'trandate', 'duedate', 'total', 'amountremaining', 'currency', 'custbody_blocked_reason', 'lastmodifieddate'],
      all: () => store.invoices.all(),
      cell: (i, col) => {
        switch (col) {
          case 'tranid':
            return i.tranId;
          case 'trandate':
            return i.tranDate;
          case 'duedate':
            return i.dueDate;
          case 'amountremaining':
            return i.amountRemaining;
          case 'lastmodifieddate':
            return i.lastModifiedDate;
          default:
            return i[col as 'id' | 'entity' | 'job' | 'status' | 'total' | 'currency' | 'custbody_blocked_reason'];
        }
      },
      lookup: { id: (v) => store.invoices.getMany(v), entity: (v) => store.invoices.where('entity', v), job: (v) => store.invoices.where('job', v) },
    }),
    invoiceline: table<LineRow>({
      columns: ['invoice', 'line', 'description', 'quantity', 'rate', 'amount', 'custcol_psa_user_id'],
      all: function* () {
        for (const invoice of store.invoices.all()) for (const line of invoice.lines) yield { invoice, line };
      },
      cell: (r, col) => (col === 'invoice' ? r.invoice.id : r.line[col as keyof ErpInvoiceLine]),
      lookup: { invoice: (v) => store.invoices.getMany(v).flatMap((invoice) => invoice.lines.map((line) => ({ invoice, line }))) },
    }),
    customerpayment: table({
      columns: ['id', 'customer', 'custbody_invoice', 'payment', 'trandate', 'currency', 'lastmodifieddate'],
      all: () => store.payments.all(),
      cell: (p, col) => (col === 'trandate' ? p.tranDate : col === 'lastmodifieddate' ? p.lastModifiedDate : p[col as 'id' | 'customer' | 'custbody_invoice' | 'payment' | 'currency']),
      lookup: {
        id: (v) => store.payments.getMany(v),
        customer: (v) => store.payments.where('customer', v),
        custbody_invoice: (v) => store.payments.where('custbody_invoice', v),
      },
    }),
  };
}

/** NetSuite style: every value a string, booleans `T`/`F`, empty values omitted. */
function format(cell: Cell): string | undefined {
  if (cell === null || cell === undefined || cell === '') return undefined;
  if (typeof cell === 'boolean') return cell ? 'T' : 'F';
  return String(cell);
}

function equals(cell: Cell, literal: Literal): boolean {
  const v = format(cell);
  if (v === undefined || literal.kind === 'null' || literal.kind === 'boolean') return false;
  if (v === literal.value) return true;
  return literal.kind === 'number' && /^-?\d+(\.\d+)?$/.test(v) && Number(v) === Number(literal.value);
}

/** Runs a SuiteQL statement of the supported subset and returns one page of rows. */
export function runSuiteQl(tables: Readonly<Record<string, SqlTable<unknown>>>, q: string, limit: number, offset: number): SuiteQlPage {
  let parsed: ParsedQuery;
  try {
    parsed = parseQuery(q, { star: true, limit: false, keywordLiterals: false, dateLiterals: false });
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw invalid(`Search error occurred: ${e.message}`);
    throw e;
  }
  const name = parsed.from.toLowerCase();
  const t = Object.prototype.hasOwnProperty.call(tables, name) ? tables[name] : undefined;
  if (!t) throw invalid(`Search error occurred: Record '${parsed.from}' was not found.`);
  const column = (c: string) => {
    const lc = c.toLowerCase();
    if (!t.columns.includes(lc)) throw invalid(`Search error occurred: Field '${c}' for record '${name}' was not found.`);
    return lc;
  };
  const columns = parsed.fields === '*' ? t.columns : parsed.fields.map(column);

  let rows: unknown[];
  if (parsed.where) {
    const col = column(parsed.where.field);
    const values = parsed.where.values;
    if (values.length > SUITEQL_MAX_LIMIT) throw invalid(`Search error occurred: an IN list may hold at most ${SUITEQL_MAX_LIMIT} values.`);
    const lookup = t.lookup?.[col];
    if (lookup && values.every((v) => v.kind === 'string' || (v.kind === 'number' && /^\d+$/.test(v.value)))) {
      rows = lookup(values.map((v) => (v as { value: string }).value));
    } else {
      rows = [];
      for (const r of t.all()) if (values.some((v) => equals(t.cell(r, col), v))) rows.push(r);
    }
  } else rows = [...t.all()];

  if (parsed.orderBy) {
    const col = column(parsed.orderBy.field);
    const dir = parsed.orderBy.descending ? -1 : 1;
    rows = rows
      .map((r, i) => ({ r, i, v: t.cell(r, col) }))
      .sort((a, b) => compareValues(a.v, b.v) * dir || a.i - b.i)
      .map((x) => x.r);
  }

  const items = rows.slice(offset, offset + limit).map((r) => {
    const item: Record<string, unknown> = { links: [] };
    for (const c of columns) {
      const v = format(t.cell(r, c));
      if (v !== undefined) item[c] = v;
    }
    return item;
  });
  return { items, totalResults: rows.length };
}
