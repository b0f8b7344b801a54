import DataLoader from 'dataloader';
import type { EntityType } from '../canonical-schema';
import type { CacheEntry, CanonicalCache, ChildField, ReadResult } from './read-through';
import { SourceReadError, type SourceFailure } from './source-failure';
import type { EntityFilter, PageArgs, PagedEntity } from '../store';


/**
 * One request's view of the canonical cache. Every load goes through a
 * DataLoader memoised on the reader, so all the loads one request makes in a
 * tick become one store query and one adapter call per system.
 */
export class Reader {
  /** Source failures met while serving this request (stale data served or not). */
  readonly failures: SourceFailure[] = [];
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();

  /** @param traceparent the request's W3C traceparent: source reads it starts continue its trace */
  constructor(
    private readonly cache: CanonicalCache,
    private readonly traceparent?: string,
  ) {}

  /** The entity with this id, `null` if no system knows it; rejects with a SourceReadError when it cannot be read. */
  load<E extends EntityType>(entity: E, id: string, opts: { fresh?: boolean } = {}): Promise<CacheEntry<E> | null> {
    return this.entityLoader(entity, !!opts.fresh).load(id) as Promise<CacheEntry<E> | null>;
  }

  async loadValue<E extends EntityType>(entity: E, id: string) {
    return (await this.load(entity, id))?.value ?? null;
  }

  /**
   * A keyset page of customers or resources from the cache: fresh rows served
   * as the page read them, stale ones refreshed in one batch. Each result also
   * primes this request's loader, so later loads of the same ids read nothing.
   * Rows that vanished from their system of record are left out.
   */
  async page<E extends PagedEntity>(entity: E, args: PageArgs<E>): Promise<{ entries: CacheEntry<E>[]; hasNextPage: boolean; totalCount: number }> {
    const page = await this.cache.store.page(entity, args);
    const ids = page.rows.map((r) => r.value.id);
    const results = await this.cache.serve(entity, ids, new Map(page.rows.map((r, i) => [ids[i], r])), { onFailure: this.onFailure, traceparent: this.traceparent });
    const loader = this.entityLoader(entity, false);
    const entries: CacheEntry<E>[] = [];
    results.forEach((r, i) => {
      loader.prime(ids[i], r);
      if (r instanceof SourceReadError) throw r;
      if (r !== null) entries.push(r);
    });
    return { entries, hasNextPage: page.hasNextPage, totalCount: page.totalCount };
  }

  /** The cached children of `parentId` (e.g. a customer's projects), stale ones refreshed. */
  children<E extends EntityType>(entity: E, field: ChildField<E>, parentId: string, filter?: EntityFilter<E>): Promise<CacheEntry<E>[]> {
    const key = `children:${entity}:${String(field)}:${JSON.stringify(filter ?? {})}`;
    let loader = this.loaders.get(key) as DataLoader<string, CacheEntry<E>[]> | undefined;
    if (!loader) {
      loader = new DataLoader<string, CacheEntry<E>[]>(async (parentIds) => {
        const grouped = await this.cache.children(entity, field, parentIds, filter, { onFailure: this.onFailure, traceparent: this.traceparent });
        return parentIds.map((id) => grouped.get(id) ?? []);
      });
      this.loaders.set(key, loader as DataLoader<string, unknown>);
    }
    return loader.load(parentId);
  }

  private entityLoader<E extends EntityType>(entity: E, fresh: boolean): DataLoader<string, ReadResult<E>> {
    const key = `${fresh ? 'fresh' : 'entity'}:${entity}`;
    let loader = this.loaders.get(key) as DataLoader<string, ReadResult<E>> | undefined;
    if (!loader) {
      loader = new DataLoader<string, ReadResult<E>>((ids) => this.cache.read(entity, ids, { fresh, onFailure: this.onFailure, traceparent: this.traceparent }));
      this.loaders.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }

  private readonly onFailure = (f: SourceFailure): void => {
    this.failures.push(f);
  };
}
