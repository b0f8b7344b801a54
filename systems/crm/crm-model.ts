import { isIsoDate, salesforceDateTime } from '../shared/dates';
import { base62, salesforceId, salesforceId18, salesforceSeq } from '../shared/ids';
import { compareValues, type Literal, type ParsedQuery, parseQuery, QuerySyntaxError } from '../shared/query-parser';
import type { CrmAccount, CrmData, CrmOpportunity } from '../seed/world';
import { Table } from '../server/table';
import { VendorError } from '../server/types';
import { type SfField, type SObjectDescribe, type SObjectName, SOBJECTS, sobjectOf } from './crm-schema';

export type SfValue = string | number | null;
/** A stored Salesforce record: field name → value. */
export type SfRecord = { Id: string } & Record<string, SfValue>;

export const CRM_API = '/services/data/v60.0';
/** Records per SOQL page. */
export const SOQL_PAGE_SIZE = 2000;
/** Longest SOQL statement accepted. */
export const SOQL_MAX_LENGTH = 100_000;
const MAX_CURSORS = 200;

/** A SOQL answer before rendering: the object, the selected fields and the matching rows. */
export interface SoqlResult {
  object: SObjectDescribe;
  fields: readonly SfField[];
  rows: readonly SfRecord[];
}

interface QueryCursor {
  object: SObjectDescribe;
  fields: readonly SfField[];
  ids: readonly string[];
}

/** One error of a composite answer (Salesforce `{ statusCode, message, fields }`). */
export interface SfCompositeError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** The CRM's records and the Salesforce semantics over them (validation, SOQL, query cursors). */
export class CrmStore {
  private readonly tables: Record<SObjectName, Table<SfRecord, string>>;
  private readonly seq: Record<SObjectName, number>;
  private readonly cursors = new Map<string, QueryCursor>();
  private cursorSeq = 0;

  constructor(data: CrmData) {
    const accounts = data.accounts as unknown as SfRecord[];
    const opportunities = data.opportunities as unknown as SfRecord[];
    this.tables = {
      Account: new Table<SfRecord, string>((r) => r.Id, SOBJECTS.Account.indexed, accounts),
      Opportunity: new Table<SfRecord, string>((r) => r.Id, SOBJECTS.Opportunity.indexed, opportunities),
    };
    this.seq = { Account: maxSeq(accounts), Opportunity: maxSeq(opportunities) };
  }

  serialize(): CrmData {
    return {
      accounts: this.tables.Account.toArray() as unknown as CrmAccount[],
      opportunities: this.tables.Opportunity.toArray() as unknown as CrmOpportunity[],
    };
  }

  get(object: SObjectName, id: string): SfRecord | undefined {
    const id18 = salesforceId18(id);
    return id18 ? this.tables[object].get(id18) : undefined;
  }

  /** Creates a record; returns its Id. Throws a VendorError for invalid input. */
  create(object: SObjectName, input: unknown, now: Date): string {
    const describe = SOBJECTS[object];
    const patch = this.coerce(describe, input, 'create');
    const record: SfRecord = { Id: salesforceId(describe.keyPrefix, ++this.seq[object]) };
    for (const f of describe.fields) if (f.name !== 'Id') record[f.name] = null;
    Object.assign(record, patch);
    if (record.CurrencyIsoCode === null) {
      const account = typeof record.AccountId === 'string' ? this.tables.Account.get(record.AccountId) : undefined;
      record.CurrencyIsoCode = account?.CurrencyIsoCode ?? 'USD';
    }
    record.LastModifiedDate = salesforceDateTime(now);
    this.tables[object].insert(record);
    return record.Id;
  }

  /** Updates a record; throws a VendorError (404 NOT_FOUND for an unknown id). */
  update(object: SObjectName, id: string, input: unknown, now: Date): void {
    const existing = this.get(object, id);
    if (!existing) throw notFound();
    const patch = this.coerce(SOBJECTS[object], input, 'update');
    this.tables[object].update(existing.Id, (r) => {
      Object.assign(r, patch);
      r.LastModifiedDate = salesforceDateTime(now);
    });
  }

  /** Validates a composite create without applying it; returns the errors (empty when valid). */
  check(object: SObjectName, input: unknown, mode: 'create' | 'update', id?: string): SfCompositeError[] {
    try {
      if (mode === 'update' && (id === undefined || !this.get(object, id))) {
        throw new VendorError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id: ${id ?? '(none)'}`);
      }
      this.coerce(SOBJECTS[object], input, mode);
      return [];
    } catch (e) {
      return [compositeError(e)];
    }
  }

  /** Runs a SOQL statement of the supported subset; throws a VendorError otherwise. */
  query(soql: string): SoqlResult {
    if (soql.length > SOQL_MAX_LENGTH) {
      throw new VendorError(400, 'MALFORMED_QUERY', `SOQL statements cannot be longer than ${SOQL_MAX_LENGTH} characters`);
    }
    let parsed: ParsedQuery;
    try {
      parsed = parseQuery(soql, { star: false, limit: true, keywordLiterals: true, dateLiterals: true });
    } catch (e) {
      if (e instanceof QuerySyntaxError) throw new VendorError(400, 'MALFORMED_QUERY', e.message);
      throw e;
    }
    const object = sobjectOf(parsed.from);
    if (!object) {
      throw new VendorError(400, 'INVALID_TYPE', `sObject type '${parsed.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
    }
    const field = (name: string) => {
      const f = object.byLowerName.get(name.toLowerCase());
      if (!f) {
        throw new VendorError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
      }
      return f;
    };
    const fields: SfField[] = [];
    for (const name of parsed.fields as string[]) {
      const f = field(name);
      if (fields.includes(f)) throw new VendorError(400, 'MALFORMED_QUERY', `duplicate field selected: ${f.name}`);
      fields.push(f);
    }
    const table = this.tables[object.name];
    let rows: SfRecord[];
    if (parsed.where) {
      const f = field(parsed.where.field);
      const values = parsed.where.values;
      const exact = (f.type === 'id' || f.type === 'reference') && values.every((v) => v.kind === 'string');
      if (exact) {
        const ids = values.map((v) => salesforceId18((v as { value: string }).value) ?? '');
        rows = f.type === 'id' ? table.getMany(ids) : table.where(f.name, ids);
      } else {
        rows = [];
        for (const r of table.all()) if (values.some((v) => matches(f, r[f.name], v))) rows.push(r);
      }
    } else rows = table.toArray();
    if (parsed.orderBy) {
      const f = field(parsed.orderBy.field);
      const dir = parsed.orderBy.descending ? -1 : 1;
      rows = rows
        .map((r, i) => ({ r, i }))
        .sort((a, b) => compareText(f, a.r[f.name], b.r[f.name]) * dir || a.i - b.i)
        .map((x) => x.r);
    }
    if (parsed.limit !== undefined) rows = rows.slice(0, parsed.limit);
    return { object, fields, rows };
  }

  /** Keeps the ids of a result past its first page; returns the locator of the next page. */
  openCursor(result: SoqlResult): string {
    const locator = `01g${base62(++this.cursorSeq, 12)}`;
    this.cursors.set(locator, { object: result.object, fields: result.fields, ids: result.rows.map((r) => r.Id) });
    if (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
    return locator;
  }

  /** The rows of a cursor from `offset`; undefined when the locator is unknown or expired. */
  readCursor(locator: string): { result: SoqlResult; total: number } | undefined {
    const c = this.cursors.get(locator);
    if (!c) return undefined;
    const table = this.tables[c.object.name];
    return { result: { object: c.object, fields: c.fields, rows: c.ids.map((id) => table.get(id)!) }, total: c.ids.length };
  }

  /** A record on the wire: `attributes` then the fields (all, or the ones given). */
  render(object: SObjectDescribe, record: SfRecord, fields: readonly SfField[] = object.fields): Record<string, unknown> {
    const out: Record<string, unknown> = {
      attributes: { type: object.name, url: `${CRM_API}/sobjects/${object.name}/${record.Id}` },
    };
    for (const f of fields) out[f.name] = record[f.name] ?? null;
    return out;
  }

  /** Resolves `fields=A,B` (case-insensitive); throws INVALID_FIELD for an unknown name. */
  resolveFields(object: SObjectDescribe, list: string | null): readonly SfField[] {
    if (list === null || list.trim() === '') return object.fields;
    return list.split(',').map((raw) => {
      const f = object.byLowerName.get(raw.trim().toLowerCase());
      if (!f) throw new VendorError(400, 'INVALID_FIELD', `No such column '${raw.trim()}' on sobject of type ${object.name}`);
      return f;
    });
  }

  // ---- write validation ---------------------------------------------------

  private coerce(object: SObjectDescribe, input: unknown, mode: 'create' | 'update'): Record<string, SfValue> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new VendorError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${object.name} from ${Array.isArray(input) ? 'START_ARRAY' : 'VALUE'}`);
    }
    const patch: Record<string, SfValue> = {};
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
      if (key === 'attributes') continue;
      const f = object.byLowerName.get(key.toLowerCase());
      if (!f) throw new VendorError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${object.name}`, { fields: [key] });
      if (mode === 'create' ? !f.createable : !f.updateable) {
        readOnly.push(f.name);
        continue;
      }
      patch[f.name] = this.coerceValue(object, f, raw);
    }
    if (readOnly.length) {
      throw new VendorError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to ${mode} fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        { fields: readOnly },
      );
    }
    const missing = object.fields.filter((f) => f.required && (mode === 'create' ? patch[f.name] === undefined || patch[f.name] === null : patch[f.name] === null));
    if (missing.length) {
      const names = missing.map((f) => f.name);
      throw new VendorError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${names.join(', ')}]`, { fields: names });
    }
    return patch;
  }

  private coerceValue(object: SObjectDescribe, f: SfField, raw: unknown): SfValue {
    const fields = { fields: [f.name] };
    const badType = (type: string) =>
      new VendorError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${type} from ${JSON.stringify(raw)} for field ${f.name}`, fields);
    if (raw === null || raw === undefined || raw === '') return null;
    switch (f.type) {
      case 'string': {
        if (typeof raw !== 'string') throw badType('string');
        if (f.maxLength && raw.length > f.maxLength) {
          throw new VendorError(400, 'STRING_TOO_LONG', `${f.name}: data value too large: ${raw.slice(0, 40)} (max length=${f.maxLength})`, fields);
        }
        return raw;
      }
      case 'picklist':
        if (typeof raw !== 'string' || !f.picklist!.includes(raw)) {
          throw new VendorError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.name}: bad value for restricted picklist field: ${String(raw)}`, fields);
        }
        return raw;
      case 'currencyCode':
        if (typeof raw !== 'string' || !/^[A-Z]{3}$/.test(raw)) {
          throw new VendorError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `Currency ISO Code: bad value for restricted picklist field: ${String(raw)}`, fields);
        }
        return raw;
      case 'countryCode':
        if (typeof raw !== 'string' || !/^[A-Z]{2}$/.test(raw)) {
          throw new VendorError(400, 'FIELD_INTEGRITY_EXCEPTION', `${f.name}: a country/territory must be selected from the list of available countries`, fields);
        }
        return raw;
      case 'currency': {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
        if (!Number.isFinite(n)) throw badType('double');
        return Math.round(n * 100) / 100;
      }
      case 'date':
        if (!isIsoDate(raw)) throw badType('date');
        return raw;
      case 'reference': {
        const id = typeof raw === 'string' ? salesforceId18(raw) : undefined;
        const target = SOBJECTS[f.referenceTo!];
        if (!id || !id.startsWith(target.keyPrefix)) {
          throw new VendorError(400, 'MALFORMED_ID', `${target.name} ID: id value of incorrect type: ${String(raw)}`, fields);
        }
        if (!this.tables[target.name].has(id)) {
          throw new VendorError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id: ${String(raw)}`, fields);
        }
        return id;
      }
      default:
        throw new VendorError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `${object.name}.${f.name} is not writeable`, fields);
    }
  }
}

export function notFound(): VendorError {
  return new VendorError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

export function compositeError(e: unknown): SfCompositeError {
  if (e instanceof VendorError) {
    const fields = Array.isArray(e.extra.fields) ? (e.extra.fields as string[]) : [];
    return { statusCode: e.code, message: e.message, fields };
  }
  throw e;
}

function maxSeq(rows: readonly SfRecord[]): number {
  let max = 0;
  for (const r of rows) {
    const s = salesforceSeq(r.Id);
    if (s > max) max = s;
  }
  return max;
}

function matches(f: SfField, value: SfValue | undefined, literal: Literal): boolean {
  if (literal.kind === 'null') return value === null || value === undefined;
  if (value === null || value === undefined) return false;
  switch (f.type) {
    case 'currency':
      return literal.kind === 'number' || literal.kind === 'string' ? Number(literal.value) === value : false;
    case 'datetime':
      return Date.parse(String(value).replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) === Date.parse(literal.kind === 'boolean' ? '' : literal.value);
    case 'id':
    case 'reference':
      return literal.kind === 'string' && salesforceId18(literal.value) === value;
    default:
      return String(value).toLowerCase() === String(literal.value).toLowerCase();
  }
}

function compareText(f: SfField, a: SfValue | undefined, b: SfValue | undefined): number {
  if (f.type === 'string' || f.type === 'picklist') {
    return compareValues(typeof a === 'string' ? a.toLowerCase() : a, typeof b === 'string' ? b.toLowerCase() : b);
  }
  return compareValues(a, b);
}
