import type { EntityMap, EntityType, ExternalId, SourceSystem } from '../canonical-schema';
import { ENTITY_TYPES, SOURCE_SYSTEMS } from '../canonical-schema';
import { createGroupCommit, createLogger, type GroupCommit } from '../lib';
import { rowCacheEntries, type StoreConfig } from './config';
import { openDriver, type Driver } from './drivers';
import {
  flatColumns,
  isoTimestampSql,
  jsonPairsSql,
  PARENT_FIELDS,
  scalarColumn,
  SPECS,
  toRow,
  type EntityFilter,
  type ChildSpec,
  type EntitySpec,
  type ParentField,
} from './entities';
import { PrismaClient } from './generated/prisma/client';
import { countRoundTrips, RoundTripCounter } from './round-trips';
import { RowCache, type WriteTracker } from './row-cache';

/** A cached canonical value and where and when it came from. */
export interface CachedRow<T> {
  value: T;
  source: SourceSystem;
  syncedAt: Date;
}

/** A keyset cursor: the (name, id) of the last row of the previous page. */
export interface PageCursor {
  name: string;
  id: string;
}

export interface PageFilters {
  customer: {
    status?: EntityMap['customer']['status'];
    currency?: string;
    /** case-insensitive substring of the name */
    nameContains?: string;
  };
  resource: {
    /** exact skill name the resource must have */
    skill?: string;
  };
}

export type PagedEntity = keyof PageFilters;

export interface PageArgs<E extends PagedEntity> {
  first: number;
  after?: PageCursor | null;
  filter?: PageFilters[E] | null;
}

export interface Page<T> {
  rows: CachedRow<T>[];
  hasNextPage: boolean;
  /** rows matching the filter, regardless of the cursor */
  totalCount: number;
}

/** One entry of the cross-system id map. */
export interface ExternalLink {
  canonicalId: string;
  system: SourceSystem;
  externalId: string;
}

/**
 * The canonical store. Every method is a constant number of database round
 * trips, whatever the number of ids or rows (see each method); a read served
 * from the row cache (store/row-cache.ts) costs none. Rows (and child lists)
 * that reads return are shared and frozen: copy before changing.
 */
export interface Store {
  readonly kind: 'pglite' | 'postgres';
  /** the typed Prisma client, for tables beyond the canonical cache */
  readonly prisma: PrismaClient;
  /**
   * One statement run on the driver directly, without Prisma (on PGlite about
   * 1 ms of CPU less per statement; the sync engine's hot path uses it). Only for
   * tables no row cache holds (sync_*, domain_event): a write through it is not
   * reported to the row caches. Rows as the driver parses them (int4 and float8
   * as numbers, text as strings): return JSON as `::text`. One round trip.
   */
  raw<T>(text: string, ...params: unknown[]): Promise<T[]>;
  /**
   * `raw` for background work that no request waits for (the event relay and the
   * event stream's reads): not counted in roundTrips(), which measures what
   * requests cost.
   */
  rawBackground<T>(text: string, ...params: unknown[]): Promise<T[]>;
  /**
   * Calls `onNotify` with the payload of every `NOTIFY` on `channel` (LISTEN), from
   * any process on this database, once the notifying transaction commits. Resolves
   * once listening, to a function that stops. On PostgreSQL one dedicated
   * connection per store listens and reconnects after a failure; `onNotify(null)`
   * then says that notifications may have been missed meanwhile. Channel names are
   * plain identifiers.
   */
  listen(channel: string, onNotify: (payload: string | null) => void): Promise<() => Promise<void>>;
  /** database round trips (statements sent to the driver) since open or the last reset */
  roundTrips(): number;
  resetRoundTrips(): void;
  /**
   * Cached rows by canonical id; ids not cached are absent from the map. The
   * value carries its child lists and all external ids known for it.
   * One round trip at most (none for an empty list or when the row cache has
   * every id); reads of one entity made while another is in flight share the
   * next statement (docs/decisions/group-commit.md).
   */
  getMany<E extends EntityType>(entity: E, ids: readonly string[]): Promise<Map<string, CachedRow<EntityMap[E]>>>;
  /**
   * Bulk upsert: rows inserted or updated, their external ids added to the id
   * map, and for project and invoice their child rows (change orders, invoice
   * lines) replaced by the value's lists. A row already cached with a later
   * `syncedAt` is left as it is, children included (an older read never
   * overwrites a newer one; markStale makes every row older than any write).
   * Later duplicates of an id in `values` win (the external ids of every listing are recorded).
   * Round trips: 1 (one statement); for project and invoice 4 (BEGIN, rows,
   * children, COMMIT); none for an empty list. Calls without `syncedAt` for the
   * same entity and source that come while one is being written are written
   * together, in the order they came, in the next statement (a group commit,
   * docs/decisions/group-commit.md), with the earliest call's time as syncedAt.
   * @param syncedAt @default the time of the call
   */
  putMany<E extends EntityType>(
    entity: E,
    values: readonly EntityMap[E][],
    source: SourceSystem,
    syncedAt?: Date,
  ): Promise<void>;
  /**
   * Cached rows whose `field` is one of `parentIds`, grouped by it (every
   * requested parent id is a key; no match gives []), optionally narrowed by
   * equality filters (`{ status: 'APPROVED' }`, `{ invoiceId: null }`).
   * One round trip (none for an empty list).
   */
  childrenOf<E extends EntityType>(
    entity: E,
    field: ParentField<E>,
    parentIds: readonly string[],
    filter?: EntityFilter<E>,
  ): Promise<Map<string, CachedRow<EntityMap[E]>[]>>;
  /** A keyset page ordered by (name, id) with the filter's total count. One round trip. */
  page<E extends PagedEntity>(entity: E, args: PageArgs<E>): Promise<Page<EntityMap[E]>>;
  /** canonical id → its external ids, for the ids that have any. One round trip. */
  externalIds(entity: EntityType, canonicalIds: readonly string[]): Promise<Map<string, ExternalId[]>>;
  /** external id (in `system`) → canonical id, for the ids known. One round trip. */
  canonicalIds(entity: EntityType, system: SourceSystem, externalIds: readonly string[]): Promise<Map<string, string>>;
  /** Records id-map entries without caching a row (an external id points at one canonical id; the last link wins). One round trip. */
  linkExternalIds(entity: EntityType, links: readonly ExternalLink[]): Promise<void>;
  /** cached rows of an entity. One round trip. */
  count(entity: EntityType): Promise<number>;
  /**
   * Marks cached rows stale (syncedAt = epoch) — of one entity (optionally only
   * `ids`) or of every entity. One round trip.
   */
  markStale(entity?: EntityType, ids?: readonly string[]): Promise<void>;
  /**
   * Deletes cached rows (all of the entity, or `ids`) with their child rows.
   * The id map is kept: identity is durable, the cache is evictable. One round trip.
   */
  evict(entity: EntityType, ids?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Opens the store (PGlite or PostgreSQL per `config`), applies pending migrations, and returns it. */
export async function openStore(config: StoreConfig = {}): Promise<Store> {
  const log = config.logger ?? createLogger('store');
  const driver = await openDriver(config, log);
  const counter = new RoundTripCounter();
  const prisma = new PrismaClient({ adapter: countRoundTrips(driver.writes.wrap(driver.adapter), counter) });
  const entries = rowCacheEntries(config, driver.kind);
  const rowCache = entries > 0 ? new RowCache<CachedRow<unknown>>(entries) : undefined;
  const unsubscribe = rowCache ? driver.writes.subscribe((entities, ids) => rowCache.invalidate(entities, ids)) : () => undefined;
  log.info(
    { kind: driver.kind, location: driver.location, applied: driver.migration.applied, rowCache: entries },
    `canonical store open (${driver.kind})`,
  );
  let closing: Promise<void> | undefined;
  return new SqlStore(driver.kind, prisma, counter, driver.writes, rowCache, () => {
    unsubscribe();
    rowCache?.clear();
    closing ??= (async () => {
      try {
        await prisma.$disconnect();
      } finally {
        await driver.close();
        log.debug({ kind: driver.kind }, 'canonical store closed');
      }
    })();
    return closing;
  }, (sql, params, options) => driver.query(sql, params, options), (channel, onNotify) => driver.listen(channel, onNotify), driver.transaction?.bind(driver));
}

// ---------------------------------------------------------------------------

const EPOCH = '1970-01-01T00:00:00.000Z';

interface Envelope {
  v: unknown;
  s: SourceSystem;
  at: string;
}

function cachedRow<T>(e: Envelope): CachedRow<T> {
  return { value: e.v as T, source: e.s, syncedAt: new Date(e.at) };
}

function specOf(entity: EntityType): EntitySpec {
  const spec = (SPECS as Record<string, EntitySpec | undefined>)[entity];
  if (!spec || !Object.hasOwn(SPECS, entity)) {
    throw new TypeError(`unknown entity type "${String(entity)}" (expected one of ${ENTITY_TYPES.join(', ')})`);
  }
  return spec;
}

function checkSystem(system: SourceSystem): void {
  if (!SOURCE_SYSTEMS.includes(system)) {
    throw new TypeError(`unknown source system "${String(system)}" (expected one of ${SOURCE_SYSTEMS.join(', ')})`);
  }
}

/** The SQL for one row as `{ v: canonical value, s: source, at: syncedAt }` (json), from alias `t`. */
function envelopeSql(spec: EntitySpec): string {
  const pairs = jsonPairsSql(spec.cols, 't');
  const child = spec.child;
  if (child) {
    const childPairs = jsonPairsSql(child.cols, 'c');
    pairs.push(
      `'${child.field}', coalesce((SELECT json_agg(json_build_object(${childPairs.join(', ')}) ORDER BY c.${child.positionColumn}) ` +
        `FROM ${child.table} c WHERE c.${child.parentColumn} = t.id), '[]'::json)`,
    );
  }
  pairs.push(
    `'externalIds', coalesce((SELECT json_agg(json_build_object('system', r.system, 'id', r.external_id) ORDER BY r.system, r.external_id) ` +
      `FROM external_ref r WHERE r.entity_type = '${spec.entity}' AND r.canonical_id = t.id), '[]'::json)`,
  );
  return `json_build_object('v', json_build_object(${pairs.join(', ')}), 's', t.source, 'at', ${isoTimestampSql('t.synced_at')})`;
}

/**
 * putMany's row statement: upserts the rows (unless a later syncedAt is cached)
 * and the external ids; returns the ids actually written.
 * $1 rows, $2 source, $3 syncedAt, $4 entity type, $5 refs.
 */
function putRowsSql(spec: EntitySpec): string {
  return `${putRowsCtes(spec)}\n${PUT_ROWS_RESULT}`;
}

/** putRowsSql's CTEs: the input rows, their upsert (`up`, the ids written) and the id map (`refs`). */
function putRowsCtes(spec: EntitySpec): string {
  const cols = flatColumns(spec.cols);
  const names = cols.map((c) => c.name);
  const recordDef = cols.map((c) => `${c.name} ${c.pgType}`).join(', ');
  const updates = [...names.filter((n) => n !== 'id'), 'source', 'synced_at'].map((n) => `${n} = excluded.${n}`).join(', ');
  return (
    `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${recordDef})),\n` +
    `up AS (INSERT INTO ${spec.table} AS t (${names.join(', ')}, source, synced_at) ` +
    `SELECT ${names.join(', ')}, $2::source_system, $3::timestamptz FROM input ORDER BY id ` +
    `ON CONFLICT (id) DO UPDATE SET ${updates} WHERE t.synced_at <= excluded.synced_at RETURNING t.id),\n` +
    `refs AS (${upsertRefsSql('$4', '$5')} RETURNING 1)`
  );
}

/** What putRowsSql answers: the ids it wrote (a row older than the stored one is not written). */
const PUT_ROWS_RESULT = `SELECT coalesce(json_agg(id), '[]'::json)::text AS ids FROM up`;

function upsertRefsSql(entityParam: string, refsParam: string): string {
  return (
    `INSERT INTO external_ref AS r (entity_type, system, external_id, canonical_id) ` +
    `SELECT ${entityParam}, x.system, x.external_id, x.canonical_id ` +
    `FROM jsonb_to_recordset(${refsParam}::jsonb) AS x(system source_system, external_id text, canonical_id text) ORDER BY 2, 3 ` +
    `ON CONFLICT (entity_type, system, external_id) DO UPDATE SET canonical_id = excluded.canonical_id ` +
    `WHERE r.canonical_id <> excluded.canonical_id`
  );
}

/**
 * putMany's child statement: replaces the child lists of the written parents.
 * Runs after putRowsSql in the same transaction, so the parents are locked and
 * this statement's snapshot sees every committed child row.
 * $1 written parent ids, $2 child rows.
 */
function putChildrenSql(child: ChildSpec): string {
  const { ctes, upsert } = childListSql(child, '$1::text[]', '$2');
  return `WITH ${ctes}\n${upsert}`;
}

/**
 * putRowsSql and the child list in one statement (the child CTEs take the parent
 * ids from `up`), for the embedded store only: PGlite has one connection and runs
 * one statement or transaction at a time, so no other writer can slip a child row
 * in between, which on PostgreSQL only the two statements of one transaction rule
 * out (the second one's snapshot is taken with the parents locked). One round trip
 * instead of BEGIN, two statements and COMMIT. $1..$5 as putRowsSql, $6 child rows.
 */
function putRowsAndChildrenSql(spec: EntitySpec, child: ChildSpec): string {
  const { ctes, upsert } = childListSql(child, 'ARRAY(SELECT id FROM up)', '$6');
  return `${putRowsCtes(spec)},\n${ctes},\nchild_up AS (${upsert} RETURNING 1)\n${PUT_ROWS_RESULT}`;
}

/**
 * The child-list replacement of the parents `parents` (a text[] expression) from
 * the rows in `rowsParam` (jsonb): CTEs (the input, the deletion of rows the new
 * lists no longer hold) and the upsert of the rest.
 */
function childListSql(child: ChildSpec, parents: string, rowsParam: string): { ctes: string; upsert: string } {
  const ccols = [
    { name: child.parentColumn, pgType: 'text' },
    { name: child.positionColumn, pgType: 'integer' },
    ...flatColumns(child.cols),
  ];
  const cnames = ccols.map((c) => c.name);
  const keyMatch = child.key.map((k) => `i.${k} = c.${k}`).join(' AND ');
  const cupdates = cnames.filter((n) => !child.key.includes(n)).map((n) => `${n} = excluded.${n}`).join(', ');
  return {
    ctes:
      `child_in AS (SELECT * FROM jsonb_to_recordset(${rowsParam}::jsonb) AS x(${ccols.map((c) => `${c.name} ${c.pgType}`).join(', ')}) ` +
      `WHERE x.${child.parentColumn} = ANY(${parents})),\n` +
      // rows the new lists no longer hold: disjoint from the rows upserted below
      `child_del AS (DELETE FROM ${child.table} c WHERE c.${child.parentColumn} = ANY(${parents}) ` +
      `AND NOT EXISTS (SELECT 1 FROM child_in i WHERE ${keyMatch}))`,
    upsert:
      `INSERT INTO ${child.table} AS c (${cnames.join(', ')}) ` +
      `SELECT ${cnames.join(', ')} FROM child_in ORDER BY ${child.key.join(', ')} ` +
      `ON CONFLICT (${child.key.join(', ')}) DO UPDATE SET ${cupdates}`,
  };
}

function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A list of the row cache: a parent's children under one filter, or one page. */
function filterKey(filter: object | null | undefined): string {
  if (!filter) return '';
  return JSON.stringify(
    Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

class SqlStore implements Store {
  private readonly sql = new Map<string, string>();
  /** getMany's reads from the database, grouped per entity (see readGroup) */
  private readonly readGroups = new Map<EntityType, GroupCommit<readonly string[], ReadonlyMap<string, CachedRow<unknown>>>>();
  /** externalIds' reads, grouped per entity (see refGroup) */
  private readonly refGroups = new Map<EntityType, GroupCommit<readonly string[], ReadonlyMap<string, readonly ExternalId[]>>>();
  /** putMany calls without an explicit syncedAt, grouped per entity and source (see Store.putMany) */
  private readonly putGroups = new Map<string, GroupCommit<{ values: readonly Record<string, unknown>[]; at: Date }, void>>();

  constructor(
    readonly kind: 'pglite' | 'postgres',
    readonly prisma: PrismaClient,
    private readonly counter: RoundTripCounter,
    private readonly writes: WriteTracker,
    private readonly rowCache: RowCache<CachedRow<unknown>> | undefined,
    private readonly closeFn: () => Promise<void>,
    private readonly driverQuery: <T>(sql: string, params: readonly unknown[], options?: { plan?: boolean }) => Promise<T[]>,
    private readonly driverListen: Driver['listen'],
    private readonly driverTransaction?: Driver['transaction'],
  ) {}

  listen(channel: string, onNotify: (payload: string | null) => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new TypeError(`channel must be a plain lower-case identifier, got "${channel}"`);
    return this.driverListen(channel, onNotify);
  }

  raw<T>(text: string, ...params: unknown[]): Promise<T[]> {
    this.counter.add();
    return this.driverQuery<T>(text, params);
  }

  rawBackground<T>(text: string, ...params: unknown[]): Promise<T[]> {
    return this.driverQuery<T>(text, params);
  }

  /** Runs a write of the store's own to `entities` (rows `ids`, or all), telling the row caches before and after. */
  private async writing<T>(entities: readonly EntityType[], ids: readonly string[] | undefined, run: () => Promise<T>): Promise<T> {
    const end = this.writes.begin(entities, ids);
    try {
      return await run();
    } finally {
      end();
    }
  }

  /** The store's own write statement `sql`, reported through `writing` rather than by the adapter wrapper. */
  private owned(sql: string): string {
    return this.writes.own(sql);
  }

  roundTrips(): number {
    return this.counter.value;
  }

  resetRoundTrips(): void {
    this.counter.reset();
  }

  private envelope(spec: EntitySpec): string {
    return this.cached(`envelope:${spec.entity}`, () => envelopeSql(spec));
  }

  private cached(key: string, build: () => string): string {
    let sql = this.sql.get(key);
    if (sql === undefined) this.sql.set(key, (sql = build()));
    return sql;
  }

  // Single statements go straight to the driver: Prisma's raw-query path costs about
  // 1.4 ms of CPU per statement on top of the database's own work (decision 0006).
  // Multi-statement writes (putMany of projects and invoices) keep Prisma's $transaction.
  // The store's own statements are few and run again and again: the driver keeps their
  // plans (store/session-plans.ts, docs/decisions/store-session-plans.md).
  private query<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    this.counter.add();
    return this.driverQuery<T>(sql, params, { plan: true });
  }

  private async exec(sql: string, ...params: unknown[]): Promise<void> {
    this.counter.add();
    await this.driverQuery(sql, params, { plan: true });
  }

  async getMany<E extends EntityType>(entity: E, ids: readonly string[]): Promise<Map<string, CachedRow<EntityMap[E]>>> {
    specOf(entity);
    const out = new Map<string, CachedRow<EntityMap[E]>>();
    if (ids.length === 0) return out;
    const cache = this.rowCache;
    let missing: string[] = [...new Set(ids)];
    if (cache) {
      missing = [];
      for (const id of new Set(ids)) {
        const row = cache.row(entity, id) as CachedRow<EntityMap[E]> | undefined;
        if (row) out.set(id, row);
        else missing.push(id);
      }
      if (missing.length === 0) return out;
    }
    const read = await this.readGroup(entity).submit(missing);
    for (const id of missing) {
      const row = read.get(id);
      if (row) out.set(id, row as CachedRow<EntityMap[E]>);
    }
    return out;
  }

  /**
   * getMany's database reads of one entity, grouped: a read sent while another of
   * the same entity is in flight waits and goes with the others that came
   * meanwhile, as one statement for all their ids (each caller takes its own).
   */
  private readGroup(entity: EntityType): GroupCommit<readonly string[], ReadonlyMap<string, CachedRow<unknown>>> {
    let group = this.readGroups.get(entity);
    if (!group) this.readGroups.set(entity, (group = this.groupedReads((ids) => this.readRows(entity, ids))));
    return group;
  }

  /**
   * Reads by id, grouped (getMany's and externalIds'): a read sent while another
   * is in flight waits and goes with the others that came meanwhile, as one read
   * of all their ids; each caller takes its own from the batch's map. PostgreSQL
   * runs up to four side by side on its pool; PGlite one at a time anyway.
   */
  private groupedReads<V>(read: (ids: readonly string[]) => Promise<ReadonlyMap<string, V>>): GroupCommit<readonly string[], ReadonlyMap<string, V>> {
    return createGroupCommit<readonly string[], ReadonlyMap<string, V>>({
      one: read,
      many: async (lists) => {
        const all = await read([...new Set(lists.flat())]);
        return lists.map(() => all);
      },
      maxInFlight: this.kind === 'postgres' ? 4 : 1,
    });
  }

  /** One statement: the rows of `ids`, kept in the row cache unless a write to the entity overlapped the read. */
  private async readRows(entity: EntityType, ids: readonly string[]): Promise<Map<string, CachedRow<unknown>>> {
    const spec = specOf(entity);
    const token = this.writes.snapshot(entity);
    const rows = await this.query<{ e: string }>(`SELECT ${this.envelope(spec)}::text AS e FROM ${spec.table} t WHERE t.id = ANY($1::text[])`, ids);
    const read = new Map<string, CachedRow<unknown>>();
    for (const r of rows) {
      const row = cachedRow<unknown>(JSON.parse(r.e) as Envelope);
      read.set((row.value as { id: string }).id, row);
    }
    const cache = this.rowCache;
    if (cache && this.writes.unchanged(entity, token)) cache.putRows(entity, read);
    return read;
  }

  async putMany<E extends EntityType>(entity: E, values: readonly EntityMap[E][], source: SourceSystem, syncedAt?: Date): Promise<void> {
    specOf(entity);
    checkSystem(source);
    if (values.length === 0) return;
    if (syncedAt !== undefined && (!(syncedAt instanceof Date) || Number.isNaN(syncedAt.getTime()))) throw new TypeError('syncedAt must be a valid Date');
    for (const v of values as readonly Record<string, unknown>[]) {
      if (typeof v?.id !== 'string' || v.id === '') throw new TypeError(`every ${entity} needs a string id`);
      for (const x of (v.externalIds as ExternalId[] | undefined) ?? []) checkSystem(x.system);
    }
    if (syncedAt) return this.putRows(entity, values as readonly Record<string, unknown>[], source, syncedAt);
    const key = `${entity}\u0000${source}`;
    let group = this.putGroups.get(key);
    if (!group) {
      group = createGroupCommit<{ values: readonly Record<string, unknown>[]; at: Date }, void>({
        one: (item) => this.putRows(entity, item.values, source, item.at),
        many: async (items) => {
          const at = new Date(Math.min(...items.map((i) => i.at.getTime())));
          await this.putRows(entity, items.flatMap((i) => i.values), source, at);
          return items.map(() => undefined);
        },
      });
      this.putGroups.set(key, group);
    }
    return group.submit({ values: values as readonly Record<string, unknown>[], at: new Date() });
  }

  /** putMany's write: the values checked, in one statement (two and the transaction for parents with child lists on PostgreSQL). */
  private async putRows(entity: EntityType, values: readonly Record<string, unknown>[], source: SourceSystem, syncedAt: Date): Promise<void> {
    const spec = specOf(entity);
    const byId = new Map<string, Record<string, unknown>>();
    for (const v of values) {
      byId.delete(v.id as string); // keep the last occurrence, in its position
      byId.set(v.id as string, v);
    }
    const rows = [...byId.values()].map((v) => toRow(spec.cols, v));
    const refs = new Map<string, { system: SourceSystem; external_id: string; canonical_id: string }>();
    for (const v of values as readonly Record<string, unknown>[]) {
      // every listing's external ids are identity facts, duplicates included
      for (const x of (v.externalIds as ExternalId[] | undefined) ?? []) {
        refs.set(`${x.system}\u0000${x.id}`, { system: x.system, external_id: x.id, canonical_id: v.id as string });
      }
    }
    const params: unknown[] = [JSON.stringify(rows), source, syncedAt.toISOString(), entity, JSON.stringify([...refs.values()])];
    const rowsSql = this.cached(`put:${entity}`, () => putRowsSql(spec));
    const child = spec.child;
    const putIds = [...byId.keys()];
    this.owned(rowsSql);
    if (!child) {
      await this.writing([entity], putIds, () => this.query(rowsSql, ...params));
      return;
    }
    const childRows = new Map<string, Record<string, unknown>>();
    for (const v of byId.values()) {
      const items = (v[child.field] as Record<string, unknown>[] | undefined) ?? [];
      items.forEach((item, i) => {
        const row = toRow(child.cols, item, { [child.parentColumn]: v.id as string, [child.positionColumn]: i });
        const key = child.key.map((k) => String(row[k])).join('\u0000');
        childRows.delete(key); // a child id listed twice: the last listing wins
        childRows.set(key, row);
      });
    }
    const childJson = JSON.stringify([...childRows.values()]);
    if (this.kind === 'pglite') {
      const oneSql = this.owned(this.cached(`put+children:${entity}`, () => putRowsAndChildrenSql(spec, child)));
      await this.writing([entity], putIds, () => this.query(oneSql, ...params, childJson));
      return;
    }
    const childSql = this.owned(this.cached(`children:${entity}`, () => putChildrenSql(child)));
    const transaction = this.driverTransaction;
    if (transaction) {
      // BEGIN, rows, children, COMMIT on one pooled connection, without Prisma's per-statement cost
      this.counter.add(4);
      await this.writing([entity], putIds, () =>
        transaction(async (q) => {
          const [r] = await q<{ ids: string }>(rowsSql, params);
          const written = JSON.parse(r.ids) as string[];
          if (written.length > 0) await q(childSql, [written, childJson]);
        }),
      );
      return;
    }
    await this.writing([entity], putIds, () => this.prisma.$transaction(
      async (tx) => {
        const [r] = await tx.$queryRawUnsafe<{ ids: string }[]>(rowsSql, ...params);
        const written = JSON.parse(r.ids) as string[];
        if (written.length > 0) await tx.$executeRawUnsafe(childSql, written, childJson);
      },
      { maxWait: 10_000, timeout: 60_000 },
    ));
  }

  async childrenOf<E extends EntityType>(
    entity: E,
    field: ParentField<E>,
    parentIds: readonly string[],
    filter?: EntityFilter<E>,
  ): Promise<Map<string, CachedRow<EntityMap[E]>[]>> {
    const spec = specOf(entity);
    const allowed = PARENT_FIELDS[entity] as readonly string[];
    if (!allowed.includes(field)) {
      throw new TypeError(
        `childrenOf(${entity}) groups by ${allowed.length ? allowed.join(' or ') : 'nothing'}, not "${String(field)}"`,
      );
    }
    const key = scalarColumn(spec, field)!;
    const out = new Map<string, CachedRow<EntityMap[E]>[]>();
    let ids = [...new Set(parentIds)];
    for (const id of ids) out.set(id, []);
    if (ids.length === 0) return out;
    const cache = this.rowCache;
    const listPrefix = `${field}\u0000${filterKey(filter)}\u0000`;
    if (cache) {
      const missing: string[] = [];
      for (const id of ids) {
        const hit = cache.list(entity, listPrefix + id);
        if (hit) out.set(id, hit.rows as CachedRow<EntityMap[E]>[]);
        else missing.push(id);
      }
      if (missing.length === 0) return out;
      ids = missing;
    }
    const token = this.writes.snapshot(entity);
    const params: unknown[] = [ids];
    const where = [`t.${key.column} = ANY($1::text[])`];
    for (const [f, v] of Object.entries(filter ?? {})) {
      if (v === undefined) continue;
      const col = scalarColumn(spec, f);
      if (!col) throw new TypeError(`cannot filter ${entity} by "${f}"`);
      if (v === null) {
        where.push(`t.${col.column} IS NULL`);
      } else {
        params.push(v);
        where.push(`t.${col.column} = $${params.length}::${col.cast}`);
      }
    }
    const rows = await this.query<{ e: string }>(
      `SELECT ${this.envelope(spec)}::text AS e FROM ${spec.table} t WHERE ${where.join(' AND ')} ORDER BY ${spec.orderBy}`,
      ...params,
    );
    const read = new Map<string, CachedRow<unknown>>();
    for (const r of rows) {
      const row = cachedRow<EntityMap[E]>(JSON.parse(r.e) as Envelope);
      out.get((row.value as unknown as Record<string, string>)[field])?.push(row);
      read.set((row.value as { id: string }).id, row);
    }
    if (cache && this.writes.unchanged(entity, token)) {
      cache.putRows(entity, read);
      for (const id of ids) cache.putList(entity, listPrefix + id, { ids: out.get(id)!.map((r) => (r.value as { id: string }).id) });
    }
    return out;
  }

  async page<E extends PagedEntity>(entity: E, args: PageArgs<E>): Promise<Page<EntityMap[E]>> {
    const spec = specOf(entity);
    if (entity !== 'customer' && entity !== 'resource') throw new TypeError(`cannot page ${entity}`);
    const first = args.first;
    if (!Number.isInteger(first) || first < 0) throw new RangeError(`first must be a non-negative integer, got ${first}`);
    const params: unknown[] = [];
    const where: string[] = [];
    const filter = (args.filter ?? {}) as PageFilters['customer'] & PageFilters['resource'];
    if (entity === 'customer') {
      if (filter.status != null) where.push(`t.status = $${params.push(filter.status)}::customer_status`);
      if (filter.currency != null) where.push(`t.currency = $${params.push(filter.currency)}`);
      if (filter.nameContains != null && filter.nameContains !== '') {
        where.push(`t.name ILIKE $${params.push(likePattern(filter.nameContains))}`);
      }
    } else if (filter.skill != null) {
      where.push(`t.skills @> ARRAY[$${params.push(filter.skill)}::text]`);
    }
    const cache = this.rowCache;
    const listKey = `page\u0000${first}\u0000${args.after ? `${args.after.name}\u0000${args.after.id}` : ''}\u0000${filterKey(filter)}`;
    if (cache) {
      const hit = cache.list(entity, listKey);
      if (hit) return { rows: hit.rows as CachedRow<EntityMap[E]>[], hasNextPage: hit.entry.hasNextPage!, totalCount: hit.entry.totalCount! };
    }
    const token = this.writes.snapshot(entity);
    const filtered = where.length ? where.join(' AND ') : 'true';
    let keyset = filtered;
    if (args.after) {
      keyset += ` AND (t.name, t.id) > ($${params.push(args.after.name)}::text, $${params.push(args.after.id)}::text)`;
    }
    const limit = `$${params.push(first + 1)}::int`;
    const [r] = await this.query<{ total: number; rows: string }>(
      `SELECT (SELECT count(*) FROM ${spec.table} t WHERE ${filtered})::int AS total, ` +
        `coalesce((SELECT json_agg(p.e ORDER BY p.name, p.id) FROM (SELECT ${this.envelope(spec)} AS e, t.name, t.id ` +
        `FROM ${spec.table} t WHERE ${keyset} ORDER BY t.name, t.id LIMIT ${limit}) p), '[]'::json)::text AS rows`,
      ...params,
    );
    const all = (JSON.parse(r.rows) as Envelope[]).map((e) => cachedRow<EntityMap[E]>(e));
    const page = { rows: all.slice(0, first), hasNextPage: all.length > first, totalCount: Number(r.total) };
    if (cache && this.writes.unchanged(entity, token)) {
      const ids = page.rows.map((row) => (row.value as { id: string }).id);
      cache.putRows(entity, page.rows.map((row, i) => [ids[i], row]));
      cache.putList(entity, listKey, { ids, hasNextPage: page.hasNextPage, totalCount: page.totalCount });
    }
    return page;
  }

  async externalIds(entity: EntityType, canonicalIds: readonly string[]): Promise<Map<string, ExternalId[]>> {
    specOf(entity);
    const out = new Map<string, ExternalId[]>();
    if (canonicalIds.length === 0) return out;
    const read = await this.refGroup(entity).submit([...new Set(canonicalIds)]);
    for (const id of canonicalIds) {
      const list = read.get(id);
      // each caller gets lists of its own
      if (list && !out.has(id)) out.set(id, list.map((x) => ({ ...x })));
    }
    return out;
  }

  /** externalIds' database reads of one entity, grouped (a sync worker looks up one id per transaction it starts, many at a time) */
  private refGroup(entity: EntityType): GroupCommit<readonly string[], ReadonlyMap<string, readonly ExternalId[]>> {
    let group = this.refGroups.get(entity);
    if (!group) this.refGroups.set(entity, (group = this.groupedReads((ids) => this.readRefs(entity, ids))));
    return group;
  }

  /** One statement: the id-map entries of `ids`, each list in (system, external id) order. */
  private async readRefs(entity: EntityType, ids: readonly string[]): Promise<Map<string, ExternalId[]>> {
    const rows = await this.query<{ canonical_id: string; system: SourceSystem; external_id: string }>(
      `SELECT canonical_id, system::text AS system, external_id FROM external_ref ` +
        `WHERE entity_type = $1 AND canonical_id = ANY($2::text[]) ORDER BY canonical_id, system, external_id`,
      entity,
      ids,
    );
    const out = new Map<string, ExternalId[]>();
    for (const r of rows) {
      let list = out.get(r.canonical_id);
      if (!list) out.set(r.canonical_id, (list = []));
      list.push({ system: r.system, id: r.external_id });
    }
    return out;
  }

  async canonicalIds(entity: EntityType, system: SourceSystem, externalIds: readonly string[]): Promise<Map<string, string>> {
    specOf(entity);
    checkSystem(system);
    const out = new Map<string, string>();
    if (externalIds.length === 0) return out;
    const rows = await this.query<{ external_id: string; canonical_id: string }>(
      `SELECT external_id, canonical_id FROM external_ref ` +
        `WHERE entity_type = $1 AND system = $2::source_system AND external_id = ANY($3::text[])`,
      entity,
      system,
      [...new Set(externalIds)],
    );
    for (const r of rows) out.set(r.external_id, r.canonical_id);
    return out;
  }

  async linkExternalIds(entity: EntityType, links: readonly ExternalLink[]): Promise<void> {
    specOf(entity);
    if (links.length === 0) return;
    const refs = new Map<string, { system: SourceSystem; external_id: string; canonical_id: string }>();
    for (const l of links) {
      checkSystem(l.system);
      refs.set(`${l.system}\u0000${l.externalId}`, { system: l.system, external_id: l.externalId, canonical_id: l.canonicalId });
    }
    const sql = this.owned(this.cached('link', () => upsertRefsSql('$1', '$2')));
    const ids = [...new Set(links.map((l) => l.canonicalId))];
    await this.writing([entity], ids, () => this.exec(sql, entity, JSON.stringify([...refs.values()])));
  }

  async count(entity: EntityType): Promise<number> {
    const spec = specOf(entity);
    const [r] = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${spec.table}`);
    return Number(r.n);
  }

  async markStale(entity?: EntityType, ids?: readonly string[]): Promise<void> {
    if (entity === undefined) {
      const ctes = ENTITY_TYPES.map((e, i) => `s${i} AS (UPDATE ${SPECS[e].table} SET synced_at = '${EPOCH}'::timestamptz)`);
      const sql = this.owned(`WITH ${ctes.join(', ')} SELECT 1`);
      await this.writing(ENTITY_TYPES, undefined, () => this.exec(sql));
      return;
    }
    const spec = specOf(entity);
    if (ids === undefined) {
      const sql = this.owned(`UPDATE ${spec.table} SET synced_at = '${EPOCH}'::timestamptz`);
      await this.writing([entity], undefined, () => this.exec(sql));
    } else if (ids.length > 0) {
      const unique = [...new Set(ids)];
      const sql = this.owned(`UPDATE ${spec.table} SET synced_at = '${EPOCH}'::timestamptz WHERE id = ANY($1::text[])`);
      await this.writing([entity], unique, () => this.exec(sql, unique));
    }
  }

  async evict(entity: EntityType, ids?: readonly string[]): Promise<void> {
    const spec = specOf(entity);
    if (ids === undefined) {
      const sql = this.owned(`DELETE FROM ${spec.table}`);
      await this.writing([entity], undefined, () => this.exec(sql));
    } else if (ids.length > 0) {
      const unique = [...new Set(ids)];
      const sql = this.owned(`DELETE FROM ${spec.table} WHERE id = ANY($1::text[])`);
      await this.writing([entity], unique, () => this.exec(sql, unique));
    }
  }

  close(): Promise<void> {
    return this.closeFn();
  }
}
