import type { z } from 'zod';
import { SourceError } from '../http/source-error';
import type { VendorHttpClient } from '../http/http-client';
import { NS_RECORD_API, NS_SUITEQL, suiteqlPageWire, type ErpRecordType, type SuiteqlPage } from './erp-wire';

/** Rows per SuiteQL page, and the most values the adapter puts in one `IN (...)`. */
export const SUITEQL_PAGE_LIMIT = 1000;

/** Options of a NetSuite write. */
export interface NsWriteOptions {
  /** Sent as `Idempotency-Key`: a repeated key returns the first answer and creates nothing new. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** A NetSuite internal id (a numeric string); anything else cannot name a record. */
export function isNetSuiteId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

/** A SuiteQL literal: internal ids bare, anything else single-quoted. */
export function suiteqlLiteral(value: string): string {
  return isNetSuiteId(value) ? value : `'${value.replace(/'/g, "''")}'`;
}

/** `col IN (1, 2, 'x')`. */
export function suiteqlIn(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(suiteqlLiteral).join(', ')})`;
}

/**
 * The NetSuite vendor client: SuiteQL with limit/offset paging and the REST
 * record API (get/create/update). Speaks vendor field names only.
 */
export class NetSuiteClient {
  constructor(readonly http: VendorHttpClient) {}

  /** One page of a SuiteQL query (a read: retried like a GET). */
  async suiteql<S extends z.ZodType>(
    q: string,
    row: S,
    page: { limit?: number; offset?: number } = {},
    signal?: AbortSignal,
  ): Promise<SuiteqlPage<z.output<S>>> {
    const limit = page.limit ?? SUITEQL_PAGE_LIMIT;
    const offset = page.offset ?? 0;
    const { data } = await this.http.json(
      {
        method: 'POST',
        path: `${NS_SUITEQL}?limit=${limit}&offset=${offset}`,
        endpoint: `POST ${NS_SUITEQL}`,
        headers: { prefer: 'transient' },
        body: { q },
        kind: 'read',
        signal,
      },
      suiteqlPageWire(row),
    );
    return data as SuiteqlPage<z.output<S>>;
  }

  /** Every row of a SuiteQL query, paging by offset while `hasMore`. */
  async suiteqlAll<S extends z.ZodType>(q: string, row: S, signal?: AbortSignal): Promise<z.output<S>[]> {
    const out: z.output<S>[] = [];
    for (let offset = 0; ; ) {
      const page = await this.suiteql(q, row, { limit: SUITEQL_PAGE_LIMIT, offset }, signal);
      out.push(...page.items);
      if (!page.hasMore) return out;
      if (page.items.length === 0) throw new SourceError('BAD_RESPONSE', 'ERP', 'suiteql: hasMore on an empty page');
      offset += page.items.length;
    }
  }

  /** `GET /record/v1/{type}/{id}`; an unknown id rejects with NOT_FOUND. */
  async getRecord<S extends z.ZodType>(type: ErpRecordType, id: string, record: S, signal?: AbortSignal): Promise<z.output<S>> {
    const { data } = await this.http.json(
      { method: 'GET', path: `${NS_RECORD_API}/${type}/${encodeURIComponent(id)}`, endpoint: `GET ${NS_RECORD_API}/${type}/:id`, signal },
      record,
    );
    return data;
  }

  /** `POST /record/v1/{type}` (204) → the new id, read from the `Location` header. */
  async createRecord(type: ErpRecordType, body: object, opts: NsWriteOptions = {}): Promise<{ id: string }> {
    const res = await this.http.send({ method: 'POST', path: `${NS_RECORD_API}/${type}`, endpoint: `POST ${NS_RECORD_API}/${type}`, body, ...opts });
    const location = res.headers.get('location') ?? '';
    const id = /\/(\d+)\/?$/.exec(location)?.[1];
    if (!id) throw new SourceError('BAD_RESPONSE', 'ERP', `Location: no record id in ${JSON.stringify(location)}`, { status: res.status });
    return { id };
  }

  /** `PATCH /record/v1/{type}/{id}` (204). */
  async updateRecord(type: ErpRecordType, id: string, body: object, opts: NsWriteOptions = {}): Promise<void> {
    await this.http.send({
      method: 'PATCH',
      path: `${NS_RECORD_API}/${type}/${encodeURIComponent(id)}`,
      endpoint: `PATCH ${NS_RECORD_API}/${type}/:id`,
      body,
      ...opts,
    });
  }
}
