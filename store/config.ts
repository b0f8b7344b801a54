import { ConfigError, envInt, envString, type Logger } from '../lib';

export interface StoreConfig {
  /**
   * `postgres://…` (or `postgresql://…`) switches the store to PostgreSQL. A
   * `?schema=<name>` parameter puts every table in that schema (created on
   * first start), as Prisma's URLs do.
   * @default undefined (embedded PGlite)
   */
  databaseUrl?: string;
  /** @default '.data' — PGlite keeps its files in `<dataDir>/pglite` */
  dataDir?: string;
  /** in-memory PGlite for tests (ignored when databaseUrl is set) */
  memory?: boolean;
  /**
   * The in-memory row cache in front of the database (store/row-cache.ts): the
   * number of entries it may hold (a row or a list member counts one), or
   * false / 0 for none. It is only correct while this process is the
   * database's only writer, so it defaults to on for the embedded PGlite
   * (which one process owns) and off for PostgreSQL.
   * @default 50000 on PGlite, off on PostgreSQL
   */
  rowCache?: boolean | number;
  /**
   * Run the embedded PGlite on its own worker thread (docs/decisions/store-pglite-thread.md), so
   * the database's CPU is not taken from the gateway, subgraphs and workers of
   * this process. Ignored on PostgreSQL.
   * @default true
   */
  thread?: boolean;
  /**
   * Seconds between the embedded database's maintenance passes (VACUUM and
   * ANALYZE of the tables that need it, store/maintenance.ts): PGlite runs no
   * autovacuum of its own. 0 turns it off. Ignored on PostgreSQL, whose
   * autovacuum does this.
   * @default 300
   */
  vacuumSeconds?: number;
  logger?: Logger;
}

export const DEFAULT_VACUUM_SECONDS = 300;

export const DEFAULT_ROW_CACHE_ENTRIES = 50_000;

/**
 * Reads DATABASE_URL, TANDEM_DATA_DIR, TANDEM_STORE_ROW_CACHE (entries; 0 = off),
 * TANDEM_PGLITE_THREAD (on/off) and TANDEM_PGLITE_VACUUM_SECONDS (0 = off).
 */
export function storeConfigFromEnv(): StoreConfig {
  const databaseUrl = envString('DATABASE_URL');
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be a postgres:// or postgresql:// URL, got "${redactUrl(databaseUrl)}"`);
  }
  const config: StoreConfig = { databaseUrl, dataDir: envString('TANDEM_DATA_DIR', '.data') };
  if (envString('TANDEM_STORE_ROW_CACHE') !== undefined) config.rowCache = envInt('TANDEM_STORE_ROW_CACHE', 0, 0);
  const thread = envString('TANDEM_PGLITE_THREAD');
  if (thread !== undefined) {
    if (!['0', '1', 'true', 'false', 'on', 'off'].includes(thread)) throw new ConfigError(`TANDEM_PGLITE_THREAD must be on or off, got "${thread}"`);
    config.thread = ['1', 'true', 'on'].includes(thread);
  }
  if (envString('TANDEM_PGLITE_VACUUM_SECONDS') !== undefined) config.vacuumSeconds = envInt('TANDEM_PGLITE_VACUUM_SECONDS', DEFAULT_VACUUM_SECONDS, 0, 86_400);
  return config;
}

/** The row cache's size for a store of `kind` under `config` (0 = none). */
export function rowCacheEntries(config: StoreConfig, kind: 'pglite' | 'postgres'): number {
  const v = config.rowCache;
  if (v === undefined) return kind === 'pglite' ? DEFAULT_ROW_CACHE_ENTRIES : 0;
  if (v === true) return DEFAULT_ROW_CACHE_ENTRIES;
  if (v === false) return 0;
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`rowCache must be a non-negative integer, got ${v}`);
  return v;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password masked, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/(:\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
