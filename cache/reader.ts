import DataLoader from 'dataloader';
import type { EntityType } from '../canonical-schema';
import type { CacheEntry, CanonicalCache, ChildField, ReadResult } from './read-through';
import type { SourceFailure } from './source-failure';
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

  constructor(private readonly cache: CanonicalCache) {}

  /** The entity with this id, `null` if no system knows it; rejects with a SourceReadError when it cannot be read. */
  load<E extends EntityType>(entity: E, id: string, opts: { fresh?: boolean } = {}): Promise<CacheEntry<E> | null> {
    return this.entityLoader(entity, !!opts.fresh).load(id) as Promise<CacheEntry<E> | null>;
  }

  async loadValue<E extends EntityType>(entity: E, id: string) {
    return (await this.load(entity, id))?.value ?? null;
  }

  /**
   * A keyset page of customers or resources from the cache, each row then read
   * through the loaders (so stale rows are refreshed in one batch). Rows that
   * vanished from their system of record are left out.
   */
  async page<E extends PagedEntity>(entity: E, args: PageArgs<E>): Promise<{ entries: CacheEntry<E>[]; hasNextPage: boolean; totalCount: number }> {
    const page = await this.cache.store.page(entity, args);
    const loaded = await Promise.all(page.rows.map((r) => this.load(entity, r.value.id)));
    return { entries: loaded.filter((e): e is CacheEntry<E> => e !== null), hasNextPage: page.hasNextPage, totalCount: page.totalCount };
  }

  /** The cached children of `parentId` (e.g. a customer's projects), stale ones refreshed. */
  children<E extends EntityType>(entity: E, field: ChildField<E>, parentId: string, filter?: EntityFilter<E>): Promise<CacheEntry<E>[]> {
    const key = `children:${entity}:${String(field)}:${JSON.stringify(filter ?? {})}`;
    let loader = this.loaders.get(key) as DataLoader<string, CacheEntry<E>[]> | undefined;
    if (!loader) {
      loader = new DataLoader<string, CacheEntry<E>[]>(async (parentIds) => {
        const grouped = await this.cache.children(entity, field, parentIds, filter, { onFailure: this.onFailure });
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
      loader = new DataLoader<string, ReadResult<E>>((ids) => this.cache.read(entity, ids, { fresh, onFailure: this.onFailure }));
      this.loaders.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }

  private readonly onFailure = (f: SourceFailure): void => {
    this.failures.push(f);
  };
}
