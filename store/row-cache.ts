import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';
import { ENTITY_TYPES, type EntityType } from '../canonical-schema';
import { SPECS } from './entities';

/**
 * The store's in-memory row cache and what keeps it honest.
 *
 * The database stays the source of truth. The row cache only holds what a read
 * of the database returned — rows as they are stored (value, source, syncedAt:
 * freshness is still decided by the caller from syncedAt), the membership of
 * child lists and the rows of pages — and forgets an entity's rows and lists
 * the moment anything writes to that entity's tables. So a read served from
 * memory answers exactly what the same read of the database would answer.
 *
 * Writes are seen at the driver adapter (WriteTracker.wrap), so every statement
 * of this process counts, including raw SQL and typed Prisma calls made through
 * `store.prisma` by code outside the store. The cache is therefore only correct
 * when this process is the database's only writer: the embedded PGlite (which
 * one process owns, see drivers.ts) — the default. On a shared PostgreSQL it is
 * off unless asked for (StoreConfig.rowCache).
 */

type SqlDriverAdapter = Awaited<ReturnType<SqlDriverAdapterFactory['connect']>>;
type Transaction = Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>;
type SqlQuery = Parameters<SqlDriverAdapter['queryRaw']>[0];

/** Which entities' cached values a table feeds (child tables feed their parent; the id map feeds all). */
const TABLE_ENTITIES = new Map<string, readonly EntityType[]>();
for (const e of ENTITY_TYPES) {
  TABLE_ENTITIES.set(SPECS[e].table, [e]);
  const child = SPECS[e].child;
  if (child) TABLE_ENTITIES.set(child.table, [e]);
}
TABLE_ENTITIES.set('external_ref', ENTITY_TYPES);

const TABLE_PATTERN = new RegExp(`(?<![\\w$])(${[...TABLE_ENTITIES.keys()].join('|')})(?![\\w$])`, 'gi');
const WRITE_PATTERN = /\b(insert|update|delete|merge|truncate|drop|alter|create|copy|call|do|lock|vacuum|cluster|reindex|refresh|import|grant|revoke|comment)\b/i;

/**
 * The canonical entities a statement may change: none for a statement that
 * only reads; for a writing one, those whose tables it names (every entity if
 * it names none it could be writing through, e.g. a function call).
 */
export function entitiesWrittenBy(sql: string): readonly EntityType[] {
  if (!WRITE_PATTERN.test(sql)) return [];
  const out = new Set<EntityType>();
  for (const m of sql.matchAll(TABLE_PATTERN)) for (const e of TABLE_ENTITIES.get(m[1].toLowerCase())!) out.add(e);
  if (out.size > 0) return [...out];
  // writes to tables of no entity (sync state, migrations bookkeeping) leave the cache alone
  return /\b(call|do|truncate|drop|alter|copy|import)\b/i.test(sql) && !/\b(insert|update|delete)\b/i.test(sql) ? ENTITY_TYPES : [];
}

type Invalidation = (entities: readonly EntityType[], ids?: readonly string[]) => void;

/**
 * Counts writes per entity for the row caches of one database. A read may put
 * what it read into a cache only if no write to its entity was open when it
 * started and none began or ended while it ran (`snapshot` / `unchanged`), so a
 * read that raced a write never caches what the write replaced.
 */
export class WriteTracker {
  private readonly generation = new Map<EntityType, number>();
  private readonly open = new Map<EntityType, number>();
  private readonly listeners = new Set<Invalidation>();
  /** statements whose writes the store reports itself (with the ids it writes) */
  private readonly owned = new Set<string>();

  /** Marks `sql` as a statement the store reports through `begin` itself. */
  own(sql: string): string {
    this.owned.add(sql);
    return sql;
  }

  isOwned(sql: string): boolean {
    return this.owned.has(sql);
  }

  /**
   * A write to `entities` (optionally only to rows `ids`) starts: caches forget
   * them now and again when the returned `end` is called (after commit or
   * rollback).
   */
  begin(entities: readonly EntityType[], ids?: readonly string[]): () => void {
    for (const e of entities) {
      this.generation.set(e, (this.generation.get(e) ?? 0) + 1);
      this.open.set(e, (this.open.get(e) ?? 0) + 1);
    }
    this.notify(entities, ids);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      for (const e of entities) {
        this.generation.set(e, (this.generation.get(e) ?? 0) + 1);
        this.open.set(e, (this.open.get(e) ?? 1) - 1);
      }
      this.notify(entities, ids);
    };
  }

  /** A token for a read of `entity` about to start, or undefined when a write to it is open. */
  snapshot(entity: EntityType): number | undefined {
    if ((this.open.get(entity) ?? 0) > 0) return undefined;
    return this.generation.get(entity) ?? 0;
  }

  /** Whether nothing wrote to `entity` since `snapshot` gave `token`. */
  unchanged(entity: EntityType, token: number | undefined): boolean {
    return token !== undefined && (this.open.get(entity) ?? 0) === 0 && (this.generation.get(entity) ?? 0) === token;
  }

  subscribe(listener: Invalidation): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(entities: readonly EntityType[], ids?: readonly string[]): void {
    if (entities.length === 0) return;
    for (const l of this.listeners) l(entities, ids);
  }

  /**
   * Wraps a driver adapter factory so that every statement not owned by the
   * store that may write a canonical table is reported: from when it is sent
   * until it completes, or inside a transaction until commit or rollback.
   */
  wrap(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
    const tracker = this;
    return {
      provider: factory.provider,
      adapterName: factory.adapterName,
      async connect(): Promise<SqlDriverAdapter> {
        return tracker.wrapAdapter(await factory.connect());
      },
    };
  }

  private async around<T>(sql: string, run: () => Promise<T>, tx?: TxWrites): Promise<T> {
    const entities = this.isOwned(sql) ? [] : entitiesWrittenBy(sql);
    if (entities.length === 0) return run();
    if (tx) {
      tx.add(entities);
      return run();
    }
    const end = this.begin(entities);
    try {
      return await run();
    } finally {
      end();
    }
  }

  private wrapAdapter(inner: SqlDriverAdapter): SqlDriverAdapter {
    const adapter: SqlDriverAdapter = {
      provider: inner.provider,
      adapterName: inner.adapterName,
      queryRaw: (q: SqlQuery) => this.around(q.sql, () => inner.queryRaw(q)),
      executeRaw: (q: SqlQuery) => this.around(q.sql, () => inner.executeRaw(q)),
      executeScript: async (script: string) => {
        const end = this.begin(ENTITY_TYPES);
        try {
          return await inner.executeScript(script);
        } finally {
          end();
        }
      },
      startTransaction: async (isolationLevel) => this.wrapTransaction(await inner.startTransaction(isolationLevel)),
      dispose: () => inner.dispose(),
    };
    if (inner.getConnectionInfo) adapter.getConnectionInfo = () => inner.getConnectionInfo!();
    return adapter;
  }

  private wrapTransaction(inner: Transaction): Transaction {
    const writes = new TxWrites(this);
    const tx: Transaction = {
      provider: inner.provider,
      adapterName: inner.adapterName,
      options: inner.options,
      queryRaw: (q: SqlQuery) => this.around(q.sql, () => inner.queryRaw(q), writes),
      executeRaw: (q: SqlQuery) => this.around(q.sql, () => inner.executeRaw(q), writes),
      commit: async () => {
        try {
          return await inner.commit();
        } finally {
          writes.end();
        }
      },
      rollback: async () => {
        try {
          return await inner.rollback();
        } finally {
          writes.end();
        }
      },
    };
    if (inner.createSavepoint) tx.createSavepoint = (name) => inner.createSavepoint!(name);
    if (inner.rollbackToSavepoint) tx.rollbackToSavepoint = (name) => inner.rollbackToSavepoint!(name);
    if (inner.releaseSavepoint) tx.releaseSavepoint = (name) => inner.releaseSavepoint!(name);
    return tx;
  }
}

/** The entities an open transaction has written so far; released at commit or rollback. */
class TxWrites {
  private readonly ends: (() => void)[] = [];
  private readonly seen = new Set<EntityType>();
  constructor(private readonly tracker: WriteTracker) {}
  add(entities: readonly EntityType[]): void {
    const fresh = entities.filter((e) => !this.seen.has(e));
    if (fresh.length === 0) return;
    for (const e of fresh) this.seen.add(e);
    this.ends.push(this.tracker.begin(fresh));
  }
  end(): void {
    for (const end of this.ends.splice(0)) end();
  }
}

// ---------------------------------------------------------------------------

/** The rows of one child list (in store order) or one page. */
interface ListEntry {
  ids: readonly string[];
  hasNextPage?: boolean;
  totalCount?: number;
}

/** A cached list: its entry and, once every row has been seen cached, the rows themselves. */
interface CachedList<Row> extends ListEntry {
  rows?: readonly Row[];
}

export interface RowCacheStats {
  entries: number;
  hits: number;
  misses: number;
}

/**
 * Rows and lists by entity, bounded by `maxEntries` (a row or a list id counts
 * one); past the bound the oldest entries of the largest entity go first.
 * Values are frozen: they are shared by every reader.
 */
export class RowCache<Row extends { value: unknown }> {
  private readonly rows = new Map<EntityType, Map<string, Row>>();
  private readonly lists = new Map<EntityType, Map<string, CachedList<Row>>>();
  private size = 0;
  private hits = 0;
  private misses = 0;

  constructor(readonly maxEntries: number) {
    for (const e of ENTITY_TYPES) {
      this.rows.set(e, new Map());
      this.lists.set(e, new Map());
    }
  }

  stats(): RowCacheStats {
    return { entries: this.size, hits: this.hits, misses: this.misses };
  }

  row(entity: EntityType, id: string): Row | undefined {
    const r = this.rows.get(entity)!.get(id);
    if (r) this.hits++;
    else this.misses++;
    return r;
  }

  /**
   * The rows of a cached list (a shared, frozen array), or undefined when the
   * list or any of its rows is not cached.
   */
  list(entity: EntityType, key: string): { rows: readonly Row[]; entry: ListEntry } | undefined {
    const entry = this.lists.get(entity)!.get(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    // a list's rows may have been dropped by the bound (or re-read): check each is still the cached one
    const byId = this.rows.get(entity)!;
    const known = entry.rows;
    let same = known !== undefined;
    for (let i = 0; same && i < entry.ids.length; i++) same = byId.get(entry.ids[i]) === known![i];
    if (!same) {
      const rows: Row[] = new Array(entry.ids.length);
      for (let i = 0; i < entry.ids.length; i++) {
        const r = byId.get(entry.ids[i]);
        if (!r) {
          this.misses++;
          return undefined;
        }
        rows[i] = r;
      }
      entry.rows = Object.freeze(rows);
    }
    this.hits++;
    return { rows: entry.rows!, entry };
  }

  putRows(entity: EntityType, rows: Iterable<[string, Row]>): void {
    const byId = this.rows.get(entity)!;
    for (const [id, row] of rows) {
      deepFreeze(row);
      if (!byId.has(id)) this.size++;
      byId.set(id, row);
    }
    this.trim();
  }

  putList(entity: EntityType, key: string, entry: ListEntry): void {
    const lists = this.lists.get(entity)!;
    const old = lists.get(key);
    if (old) this.size -= 1 + old.ids.length;
    lists.set(key, { ...entry });
    this.size += 1 + entry.ids.length;
    this.trim();
  }

  /** Forgets the lists of `entities` and their rows (only `ids` when given). */
  invalidate(entities: readonly EntityType[], ids?: readonly string[]): void {
    for (const e of entities) {
      const lists = this.lists.get(e)!;
      for (const l of lists.values()) this.size -= 1 + l.ids.length;
      lists.clear();
      const byId = this.rows.get(e)!;
      if (ids) {
        for (const id of ids) if (byId.delete(id)) this.size--;
      } else {
        this.size -= byId.size;
        byId.clear();
      }
    }
  }

  clear(): void {
    this.invalidate(ENTITY_TYPES);
  }

  private trim(): void {
    while (this.size > this.maxEntries) {
      let largest: EntityType = ENTITY_TYPES[0];
      let n = -1;
      for (const e of ENTITY_TYPES) {
        const k = this.rows.get(e)!.size + this.lists.get(e)!.size;
        if (k > n) [largest, n] = [e, k];
      }
      const lists = this.lists.get(largest)!;
      // lists go first: they are cheap to rebuild only with their rows, which stay
      if (lists.size > 0) {
        for (const [k, l] of lists) {
          lists.delete(k);
          this.size -= 1 + l.ids.length;
          if (this.size <= this.maxEntries) return;
        }
        continue;
      }
      const byId = this.rows.get(largest)!;
      const drop = Math.max(1, Math.min(byId.size, this.size - this.maxEntries, Math.ceil(byId.size / 8)));
      let i = 0;
      for (const id of byId.keys()) {
        if (i++ >= drop) break;
        byId.delete(id);
        this.size--;
      }
      if (byId.size === 0 && lists.size === 0 && n <= 0) return;
    }
  }
}

function deepFreeze(o: unknown): void {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
}
