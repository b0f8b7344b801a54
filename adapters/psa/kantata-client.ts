import { SourceError } from '../http/source-error';
import type { VendorHttpClient } from '../http/http-client';
import {
  KANTATA_API,
  envelopeWire,
  type KantataObject,
  type KantataRecord,
  type RawEnvelope,
  type WorkspaceWire,
} from './psa-wire';

/** The most ids one `only=` accepts. */
export const KANTATA_ONLY_LIMIT = 1000;
/** The largest page Kantata serves. */
export const KANTATA_MAX_PER_PAGE = 2000;

/** Query parameters of a Kantata list call. */
export interface KantataListParams {
  /** `only=1,2,3`: at most {@link KANTATA_ONLY_LIMIT} ids. */
  only?: readonly string[];
  /** Filters such as `workspace_id` or `user_id` (values joined with commas). */
  filters?: Readonly<Record<string, string | readonly string[]>>;
  /** Side-loads, e.g. `['workspace']`. */
  include?: readonly string[];
  /** Page number, from 1. */
  page?: number;
  /** Page size, at most {@link KANTATA_MAX_PER_PAGE}. @default 200 (vendor default) */
  perPage?: number;
  signal?: AbortSignal;
}

/** One page of a Kantata list, records in the vendor's result order. */
export interface KantataPage<O extends KantataObject> {
  records: KantataRecord<O>[];
  /** Side-loaded workspaces by id (with `include=workspace`). */
  workspaces: Record<string, WorkspaceWire>;
  count: number;
  pageCount: number;
  pageNumber: number;
}

/** Options of a Kantata write. */
export interface KantataWriteOptions {
  /** Sent as `Idempotency-Key`: a repeated key returns the first answer and creates nothing new. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** A Kantata id (a numeric string); anything else cannot name a record. */
export function isKantataId(id: string): boolean {
  return /^\d{1,18}$/.test(id);
}

/**
 * The Kantata OX vendor client: list with `only=`, filters, `include` and paging;
 * get, create and update. Speaks vendor field names only.
 */
export class KantataClient {
  constructor(readonly http: VendorHttpClient) {}

  /** `GET /{object}` — one page. */
  async list<O extends KantataObject>(object: O, params: KantataListParams = {}): Promise<KantataPage<O>> {
    if (params.only && params.only.length > KANTATA_ONLY_LIMIT) throw new RangeError(`at most ${KANTATA_ONLY_LIMIT} ids per only=`);
    const q: string[] = [];
    if (params.only) q.push(`only=${params.only.map(encodeURIComponent).join(',')}`);
    for (const [k, v] of Object.entries(params.filters ?? {})) {
      q.push(`${encodeURIComponent(k)}=${(typeof v === 'string' ? [v] : v).map(encodeURIComponent).join(',')}`);
    }
    if (params.include?.length) q.push(`include=${params.include.map(encodeURIComponent).join(',')}`);
    if (params.page !== undefined) q.push(`page=${params.page}`);
    if (params.perPage !== undefined) q.push(`per_page=${params.perPage}`);
    const { data } = await this.http.json(
      { method: 'GET', path: `${KANTATA_API}/${object}${q.length ? `?${q.join('&')}` : ''}`, endpoint: `GET ${KANTATA_API}/${object}`, signal: params.signal },
      envelopeWire(object),
    );
    return this.page(object, data);
  }

  /** Every record matching `params`, following `meta.page_count` (largest pages by default). */
  async listAll<O extends KantataObject>(
    object: O,
    params: Omit<KantataListParams, 'page'> = {},
  ): Promise<{ records: KantataRecord<O>[]; workspaces: Record<string, WorkspaceWire> }> {
    const perPage = params.perPage ?? KANTATA_MAX_PER_PAGE;
    const records: KantataRecord<O>[] = [];
    const workspaces: Record<string, WorkspaceWire> = {};
    for (let page = 1; ; page++) {
      const p = await this.list(object, { ...params, perPage, page });
      records.push(...p.records);
      Object.assign(workspaces, p.workspaces);
      if (page >= p.pageCount || p.records.length === 0) return { records, workspaces };
    }
  }

  /** `GET /{object}/{id}`; an unknown id rejects with NOT_FOUND. */
  async get<O extends KantataObject>(
    object: O,
    id: string,
    opts: { include?: readonly string[]; signal?: AbortSignal } = {},
  ): Promise<{ record: KantataRecord<O>; workspaces: Record<string, WorkspaceWire> }> {
    const include = opts.include?.length ? `?include=${opts.include.map(encodeURIComponent).join(',')}` : '';
    const { data } = await this.http.json(
      { method: 'GET', path: `${KANTATA_API}/${object}/${encodeURIComponent(id)}${include}`, endpoint: `GET ${KANTATA_API}/${object}/:id`, signal: opts.signal },
      envelopeWire(object),
    );
    const page = this.page(object, data);
    const record = page.records[0];
    if (!record) throw new SourceError('NOT_FOUND', 'PSA', `${object} ${id} not in the answer`);
    return { record, workspaces: page.workspaces };
  }

  /** `POST /{object}` with `{ <object>: [...] }` → the created records. */
  async create<O extends KantataObject>(object: O, records: readonly object[], opts: KantataWriteOptions = {}): Promise<KantataRecord<O>[]> {
    const { data } = await this.http.json(
      { method: 'POST', path: `${KANTATA_API}/${object}`, endpoint: `POST ${KANTATA_API}/${object}`, body: { [object]: records }, ...opts },
      envelopeWire(object),
    );
    return this.page(object, data).records;
  }

  /** `PUT /{object}/{id}` with `{ <object>: {...} }` → the updated record. */
  async update<O extends KantataObject>(object: O, id: string, fields: object, opts: KantataWriteOptions = {}): Promise<KantataRecord<O>> {
    const { data } = await this.http.json(
      { method: 'PUT', path: `${KANTATA_API}/${object}/${encodeURIComponent(id)}`, endpoint: `PUT ${KANTATA_API}/${object}/:id`, body: { [object]: fields }, ...opts },
      envelopeWire(object),
    );
    const record = this.page(object, data).records[0];
    if (!record) throw new SourceError('BAD_RESPONSE', 'PSA', `${object} ${id}: update answered without the record`);
    return record;
  }

  /** Picks the records out of an envelope in `results` order. */
  private page<O extends KantataObject>(object: O, env: RawEnvelope): KantataPage<O> {
    const map = (env[object] ?? {}) as Record<string, KantataRecord<O>>;
    const records: KantataRecord<O>[] = [];
    for (const r of env.results) {
      if (r.key !== object) continue;
      const rec = map[r.id];
      if (!rec) throw new SourceError('BAD_RESPONSE', 'PSA', `${object}: result ${r.id} missing from the envelope`);
      records.push(rec);
    }
    return {
      records,
      workspaces: env.workspaces ?? {},
      count: env.meta?.count ?? env.count ?? records.length,
      pageCount: env.meta?.page_count ?? 1,
      pageNumber: env.meta?.page_number ?? 1,
    };
  }
}
