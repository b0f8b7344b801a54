import type { EntityMap, EntityType } from '../canonical-schema';

/**
 * How each canonical entity maps onto its table: one column per canonical field
 * (money as amount + currency columns, the billing address as four columns),
 * child collections as child tables. store/store.ts builds all of its SQL from
 * these descriptions, so a field is added in one place (plus schema.prisma and
 * a migration).
 */

export type Col =
  | { kind: 'text' | 'float' | 'bool' | 'date' | 'int' | 'textArray' | 'timestamp'; field: string; column: string }
  | { kind: 'enum'; field: string; column: string; pgType: string }
  | { kind: 'money'; field: string; column: string; currencyColumn: string }
  | { kind: 'address'; field: string; prefix: string };

export interface ChildSpec {
  /** canonical field holding the list, e.g. `changeOrders` */
  field: string;
  table: string;
  /** column referencing the parent's id */
  parentColumn: string;
  /** column holding the item's 0-based position in the list */
  positionColumn: string;
  /** the child table's conflict key */
  key: readonly string[];
  cols: readonly Col[];
}

export interface EntitySpec {
  entity: EntityType;
  table: string;
  cols: readonly Col[];
  child?: ChildSpec;
  /** ORDER BY for lists of this entity (childrenOf), on alias `t` */
  orderBy: string;
}

const text = (field: string, column = snake(field)): Col => ({ kind: 'text', field, column });
const float = (field: string, column = snake(field)): Col => ({ kind: 'float', field, column });
const date = (field: string, column = snake(field)): Col => ({ kind: 'date', field, column });
const enumCol = (field: string, pgType: string, column = snake(field)): Col => ({ kind: 'enum', field, column, pgType });
const money = (field: string, column = snake(field)): Col => ({
  kind: 'money',
  field,
  column,
  currencyColumn: `${column}_currency`,
});

export const SPECS: { readonly [E in EntityType]: EntitySpec } = {
  customer: {
    entity: 'customer',
    table: 'customer',
    cols: [
      text('id'),
      text('name'),
      text('legalName'),
      text('legalEntity'),
      text('taxId'),
      text('currency'),
      enumCol('status', 'customer_status'),
      { kind: 'address', field: 'billingAddress', prefix: 'billing' },
      text('parentId'),
    ],
    orderBy: 't.name, t.id',
  },
  opportunity: {
    entity: 'opportunity',
    table: 'opportunity',
    cols: [
      text('id'),
      text('name'),
      text('customerId'),
      enumCol('stage', 'opportunity_stage'),
      money('amount'),
      date('closeDate'),
      text('serviceLine'),
      text('projectId'),
    ],
    orderBy: 't.close_date NULLS LAST, t.name, t.id',
  },
  project: {
    entity: 'project',
    table: 'project',
    cols: [
      text('id'),
      text('code'),
      text('name'),
      text('customerId'),
      text('opportunityId'),
      enumCol('status', 'project_status'),
      enumCol('contractType', 'contract_type'),
      money('budget'),
      date('startDate'),
      date('endDate'),
    ],
    child: {
      field: 'changeOrders',
      table: 'change_order',
      parentColumn: 'project_id',
      positionColumn: 'position',
      key: ['id'],
      cols: [text('id'), text('description'), money('budgetDelta'), { kind: 'timestamp', field: 'approvedAt', column: 'approved_at' }],
    },
    orderBy: 't.code, t.id',
  },
  resource: {
    entity: 'resource',
    table: 'resource',
    cols: [
      text('id'),
      text('name'),
      text('email'),
      text('title'),
      { kind: 'textArray', field: 'skills', column: 'skills' },
      money('billRate'),
      money('costRate'),
    ],
    orderBy: 't.name, t.id',
  },
  assignment: {
    entity: 'assignment',
    table: 'assignment',
    cols: [
      text('id'),
      text('projectId'),
      text('resourceId'),
      text('role'),
      float('plannedHours'),
      money('billRate'),
      enumCol('status', 'assignment_status'),
    ],
    orderBy: 't.id',
  },
  timeEntry: {
    entity: 'timeEntry',
    table: 'time_entry',
    cols: [
      text('id'),
      text('resourceId'),
      text('projectId'),
      date('date'),
      float('hours'),
      { kind: 'bool', field: 'billable', column: 'billable' },
      enumCol('status', 'time_entry_status'),
      text('notes'),
      text('invoiceId'),
    ],
    orderBy: 't.date, t.id',
  },
  invoice: {
    entity: 'invoice',
    table: 'invoice',
    cols: [
      text('id'),
      text('number'),
      text('customerId'),
      text('projectId'),
      enumCol('status', 'invoice_status'),
      date('issueDate'),
      date('dueDate'),
      money('total'),
      money('balance'),
      text('blockedReason'),
    ],
    child: {
      field: 'lines',
      table: 'invoice_line',
      parentColumn: 'invoice_id',
      positionColumn: 'line_no',
      key: ['invoice_id', 'line_no'],
      cols: [text('description'), text('resourceId'), float('hours'), money('rate'), money('amount')],
    },
    orderBy: 't.issue_date NULLS LAST, t.number, t.id',
  },
  payment: {
    entity: 'payment',
    table: 'payment',
    cols: [text('id'), text('invoiceId'), text('customerId'), money('amount'), date('date')],
    orderBy: 't.date, t.id',
  },
};

/**
 * The fields `childrenOf` can group by: each entity's references to a parent.
 */
export const PARENT_FIELDS = {
  customer: ['parentId'],
  opportunity: ['customerId', 'projectId'],
  project: ['customerId', 'opportunityId'],
  resource: [],
  assignment: ['projectId', 'resourceId'],
  timeEntry: ['projectId', 'resourceId', 'invoiceId'],
  invoice: ['customerId', 'projectId'],
  payment: ['invoiceId', 'customerId'],
} as const satisfies { [E in EntityType]: readonly (keyof EntityMap[E] & string)[] };

export type ParentField<E extends EntityType> = (typeof PARENT_FIELDS)[E][number];

type ScalarKeys<T> = {
  [K in keyof T]-?: [NonNullable<T[K]>] extends [string | boolean] ? K : never;
}[keyof T];

/** Equality filters on an entity's scalar (text, enum, boolean, date) fields; `null` matches NULL. */
export type EntityFilter<E extends EntityType> = {
  [K in ScalarKeys<EntityMap[E]>]?: EntityMap[E][K] | null;
};

export function snake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A database column of an entity or child table, as jsonb_to_recordset needs it. */
export interface FlatColumn {
  name: string;
  pgType: string;
}

export function flatColumns(cols: readonly Col[]): FlatColumn[] {
  const out: FlatColumn[] = [];
  for (const c of cols) {
    switch (c.kind) {
      case 'text':
        out.push({ name: c.column, pgType: 'text' });
        break;
      case 'enum':
        out.push({ name: c.column, pgType: c.pgType });
        break;
      case 'float':
        out.push({ name: c.column, pgType: 'double precision' });
        break;
      case 'int':
        out.push({ name: c.column, pgType: 'integer' });
        break;
      case 'bool':
        out.push({ name: c.column, pgType: 'boolean' });
        break;
      case 'date':
        out.push({ name: c.column, pgType: 'date' });
        break;
      case 'timestamp':
        out.push({ name: c.column, pgType: 'timestamptz' });
        break;
      case 'textArray':
        out.push({ name: c.column, pgType: 'text[]' });
        break;
      case 'money':
        out.push({ name: c.column, pgType: 'numeric' }, { name: c.currencyColumn, pgType: 'text' });
        break;
      case 'address':
        for (const part of ADDRESS_PARTS) out.push({ name: `${c.prefix}_${snake(part)}`, pgType: 'text' });
        break;
    }
  }
  return out;
}

const ADDRESS_PARTS = ['line1', 'city', 'postalCode', 'country'] as const;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Flattens a canonical value into `{ column: value }` for jsonb_to_recordset. */
export function toRow(cols: readonly Col[], value: Record<string, unknown>, out: Record<string, Json> = {}): Record<string, Json> {
  for (const c of cols) {
    const v = value[c.field];
    switch (c.kind) {
      case 'money': {
        const m = v as { amount: string; currency: string } | null | undefined;
        out[c.column] = m ? String(m.amount) : null;
        out[c.currencyColumn] = m ? m.currency : null;
        break;
      }
      case 'address': {
        const a = v as Record<string, string | null | undefined> | null | undefined;
        for (const part of ADDRESS_PARTS) out[`${c.prefix}_${snake(part)}`] = a ? (a[part] ?? null) : null;
        break;
      }
      case 'textArray':
        out[c.column] = ((v as string[] | null | undefined) ?? []) as Json;
        break;
      default:
        out[c.column] = (v ?? null) as Json;
    }
  }
  return out;
}

/** `'field', <expr>` pairs for json_build_object, reading the canonical fields of the row aliased `a`. */
export function jsonPairsSql(cols: readonly Col[], a: string): string[] {
  return cols.map((c) => `'${c.field}', ${readSql(c, a)}`);
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export function isoTimestampSql(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', ${ISO_MS})`;
}

function readSql(c: Col, a: string): string {
  switch (c.kind) {
    case 'date':
      return `to_char(${a}.${c.column}, 'YYYY-MM-DD')`;
    case 'timestamp':
      return isoTimestampSql(`${a}.${c.column}`);
    case 'textArray':
      return `coalesce(${a}.${c.column}, '{}')`;
    case 'money':
      return `CASE WHEN ${a}.${c.column} IS NULL THEN NULL ELSE json_build_object('amount', ${a}.${c.column}::text, 'currency', ${a}.${c.currencyColumn}) END`;
    case 'address': {
      const col = (part: string) => `${a}.${c.prefix}_${snake(part)}`;
      return `CASE WHEN ${col('line1')} IS NULL THEN NULL ELSE json_build_object(${ADDRESS_PARTS.map((p) => `'${p}', ${col(p)}`).join(', ')}) END`;
    }
    default:
      return `${a}.${c.column}`;
  }
}

/** The column of a scalar field, with the cast a parameter compared to it needs. */
export function scalarColumn(spec: EntitySpec, field: string): { column: string; cast: string } | undefined {
  const c = spec.cols.find((x) => x.field === field);
  if (!c) return undefined;
  switch (c.kind) {
    case 'text':
      return { column: c.column, cast: 'text' };
    case 'enum':
      return { column: c.column, cast: c.pgType };
    case 'bool':
      return { column: c.column, cast: 'boolean' };
    case 'date':
      return { column: c.column, cast: 'date' };
    default:
      return undefined;
  }
}
