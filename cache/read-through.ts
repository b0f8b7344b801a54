import {
  ANCHOR_SYSTEM,
  type EntityMap,
  type EntityType,
  type Freshness,
  type SourceSystem,
} from '../canonical-schema';
import { tracedApi, type AdapterSet } from '../adapters';
import type { CachedRow, EntityFilter, ParentField, Store } from '../store';
import type { Logger } from '../lib';
import type { FreshnessBudget } from './config';
import { classifySourceError, SourceFailure, SourceReadError } from './source-failure';

/** A canonical value with where it came from and whether it is within its freshness budget. */
export interface CacheEntry<E extends EntityType> {
  value: EntityMap[E];
  freshness: Freshness;
}

/** What one read of one id produced: a value, `null` for an unknown id, or the error that kept it from being read. */
export type ReadResult<E extends EntityType> = CacheEntry<E> | null | SourceReadError;

export interface ReadOptions {
  /** Read from the system of record even when the cached row is fresh (`consistency: FRESH`). */
  fresh?: boolean;
  /** Told of every source failure, including those covered by serving stale data. */
  onFailure?: (failure: SourceFailure) => void;
  /**
   * The W3C traceparent of the request reading: the adapter calls it starts
   * continue that trace (and send the header on to the source system). A read
   * shared with a later request stays in the trace of the one that started it.
   */
  traceparent?: string;
}

export type ChildField<E extends EntityType> = ParentField<E>;

/**
 * The canonical cache: the store first, the system of record on a miss or a
 * stale row, the answer written back. Reads of many ids become one store query
 * and one batched adapter call per system, and concurrent reads of the same id
 * share one adapter call.
 */
export class CanonicalCache {
  private readonly inflight = new Map<string, Promise<ReadResult<EntityType>>>();

  constructor(
    readonly store: Store,
    readonly adapters: AdapterSet,
    private readonly ttl: FreshnessBudget,
    private readonly logger: Logger,
  ) {}

  isStale(entity: EntityType, syncedAt: Date, now = Date.now()): boolean {
    return now - syncedAt.getTime() > this.ttl[entity] * 1000;
  }

  /** Reads `ids`, returning results in the same order. */
  async read<E extends EntityType>(entity: E, ids: readonly string[], opts: ReadOptions = {}): Promise<ReadResult<E>[]> {
    return this.serve(entity, ids, await this.store.getMany(entity, ids), opts);
  }

  /**
   * Serves `ids` from rows already read from the store (e.g. a page): fresh
   * rows as they are, missing or stale ones (or all, with `fresh`) read
   * through in one batch. Results in the order of `ids`.
   */
  async serve<E extends EntityType>(
    entity: E,
    ids: readonly string[],
    rows: ReadonlyMap<string, CachedRow<EntityMap[E]>>,
    opts: ReadOptions = {},
  ): Promise<ReadResult<E>[]> {
    const results = new Map<string, ReadResult<E> | Promise<ReadResult<E>>>();
    const toRefresh: { id: string; row?: CachedRow<EntityMap[E]> }[] = [];
    const now = Date.now();
    for (const id of new Set(ids)) {
      const row = rows.get(id);
      if (row && !opts.fresh && !this.isStale(entity, row.syncedAt, now)) results.set(id, this.entry(entity, row, false, now));
      else toRefresh.push({ id, row });
    }
    if (toRefresh.length === 0) return ids.map((id) => (results.get(id) as ReadResult<E> | undefined) ?? null);
    for (const [id, p] of this.refresh(entity, toRefresh, opts)) results.set(id, p);
    const settled = new Map<string, ReadResult<E>>();
    for (const [id, r] of results) settled.set(id, await r);
    return ids.map((id) => settled.get(id) ?? null);
  }

  /**
   * The cached children of each parent (`field` equal to one of `parentIds`,
   * optionally filtered), with stale children refreshed in one batch.
   * Children that cannot be refreshed are served stale.
   */
  async children<E extends EntityType>(
    entity: E,
    field: ChildField<E>,
    parentIds: readonly string[],
    filter: EntityFilter<E> | undefined,
    opts: ReadOptions = {},
  ): Promise<Map<string, CacheEntry<E>[]>> {
    const grouped = await this.store.childrenOf(entity, field, parentIds, filter);
    const now = Date.now();
    const stale: { id: string; row: CachedRow<EntityMap[E]> }[] = [];
    for (const rows of grouped.values()) {
      for (const row of rows) {
        if (opts.fresh || this.isStale(entity, row.syncedAt, now)) stale.push({ id: row.value.id, row });
      }
    }
    const refreshed = new Map<string, ReadResult<E>>();
    if (stale.length > 0) for (const [id, p] of this.refresh(entity, stale, opts)) refreshed.set(id, await p);
    const out = new Map<string, CacheEntry<E>[]>();
    for (const parentId of parentIds) {
      const list: CacheEntry<E>[] = [];
      for (const row of grouped.get(parentId) ?? []) {
        const r = refreshed.size === 0 ? undefined : refreshed.get(row.value.id);
        if (r === undefined) list.push(this.entry(entity, row, false, now));
        else if (r === null) continue; // gone from its system of record
        else if (r instanceof SourceReadError) list.push(this.entry(entity, row, true));
        else if ((r.value as Record<string, unknown>)[field] === parentId && matches(r.value, filter)) list.push(r);
      }
      out.set(parentId, list);
    }
    return out;
  }

  /**
   * Starts the system-of-record reads for `wanted`, sharing any read of the same
   * id already under way; returns one promise per id.
   */
  private refresh<E extends EntityType>(
    entity: E,
    wanted: readonly { id: string; row?: CachedRow<EntityMap[E]> }[],
    opts: ReadOptions,
  ): Map<string, Promise<ReadResult<E>>> {
    const out = new Map<string, Promise<ReadResult<E>>>();
    const batch: { id: string; row?: CachedRow<EntityMap[E]> }[] = [];
    for (const w of wanted) {
      const shared = opts.fresh ? undefined : this.inflight.get(`${entity}:${w.id}`);
      if (shared) out.set(w.id, shared as Promise<ReadResult<E>>);
      else batch.push(w);
    }
    if (batch.length === 0) return out;
    const run = this.fetchBatch(entity, batch, opts);
    for (const w of batch) {
      const key = `${entity}:${w.id}`;
      const p = run.then((m) => m.get(w.id) ?? null);
      out.set(w.id, p);
      this.inflight.set(key, p as Promise<ReadResult<EntityType>>);
      // both branches: `p.finally()` would hand a failed read on as a second, unhandled rejection
      const forget = () => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
      };
      p.then(forget, forget);
    }
    return out;
  }

  private async fetchBatch<E extends EntityType>(
    entity: E,
    batch: readonly { id: string; row?: CachedRow<EntityMap[E]> }[],
    opts: ReadOptions,
  ): Promise<Map<string, ReadResult<E>>> {
    const system: SourceSystem = ANCHOR_SYSTEM[entity];
    const out = new Map<string, ReadResult<E>>();
    const externalOf = new Map<string, string>();
    const unmapped: string[] = [];
    for (const { id, row } of batch) {
      const ext = row?.value.externalIds.find((e) => e.system === system)?.id;
      if (ext) externalOf.set(id, ext);
      else unmapped.push(id);
    }
    if (unmapped.length > 0) {
      const refs = await this.store.externalIds(entity, unmapped);
      for (const id of unmapped) {
        const ext = refs.get(id)?.find((e) => e.system === system)?.id;
        if (ext) externalOf.set(id, ext);
        else out.set(id, null); // never seen in any system: an unknown id
      }
    }
    if (externalOf.size === 0) return out;

    let values: EntityMap[E][];
    try {
      values = await tracedApi(this.adapters[system], opts.traceparent).fetchMany(entity, [...externalOf.values()]);
    } catch (err) {
      const failure = classifySourceError(err, system);
      let servedStale = false;
      for (const { id, row } of batch) {
        if (!externalOf.has(id)) continue;
        if (row) {
          out.set(id, this.entry(entity, row, true));
          servedStale = true;
        } else out.set(id, failure);
      }
      this.logger.warn({ entity, system, code: failure.code, ids: externalOf.size, servedStale, err: failure.message }, 'read-through failed');
      opts.onFailure?.({ code: failure.code, system, message: failure.message, servedStale });
      return out;
    }

    const syncedAt = new Date();
    if (values.length > 0) await this.store.putMany(entity, values, system, syncedAt);
    const byId = new Map(values.map((v) => [v.id, v]));
    const gone: string[] = [];
    for (const id of externalOf.keys()) {
      const value = byId.get(id);
      if (value) out.set(id, { value, freshness: { source: system, syncedAt, stale: false } });
      else {
        out.set(id, null);
        gone.push(id);
      }
    }
    if (gone.length > 0) await this.store.evict(entity, gone);
    return out;
  }

  private entry<E extends EntityType>(entity: E, row: CachedRow<EntityMap[E]>, failed: boolean, now = Date.now()): CacheEntry<E> {
    return {
      value: row.value,
      freshness: { source: row.source, syncedAt: row.syncedAt, stale: failed || this.isStale(entity, row.syncedAt, now) },
    };
  }
}

function matches(value: object, filter: object | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([k, v]) => ((value as Record<string, unknown>)[k] ?? null) === v);
}
