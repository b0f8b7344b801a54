import { ConfigError, envString, type Logger } from '../lib';

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
  logger?: Logger;
}

/** Reads DATABASE_URL and TANDEM_DATA_DIR. */
export function storeConfigFromEnv(): StoreConfig {
  const databaseUrl = envString('DATABASE_URL');
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be a postgres:// or postgresql:// URL, got "${redactUrl(databaseUrl)}"`);
  }
  return { databaseUrl, dataDir: envString('TANDEM_DATA_DIR', '.data') };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password masked, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/(:\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
