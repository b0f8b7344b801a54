import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type { ClientBase } from 'pg';
import { createLogger, type Logger } from '../lib';

/**
 * The store's migrator. Migrations are committed SQL files,
 * `prisma/migrations/<yyyymmddhhmmss>_<name>/migration.sql`, applied in name
 * order, each in its own transaction together with its row in
 * `_tandem_migrations` (name, sha256 checksum, time). An applied migration is
 * immutable: if its file no longer matches the recorded checksum, migrating
 * fails and names it. On PostgreSQL the whole run holds a session advisory
 * lock (one per schema), so any number of processes may start at once: one
 * applies, the others wait and then find nothing to do.
 *
 * Statements that cannot run inside a transaction (CREATE INDEX CONCURRENTLY)
 * are not supported in migrations.
 */

export const MIGRATIONS_TABLE = '_tandem_migrations';
const NAME_PATTERN = /^\d{14}_[A-Za-z0-9_-]+$/;

export interface Migration {
  /** directory name, e.g. `20261122042719_canonical_store` */
  name: string;
  sql: string;
  /** sha256 (hex) of the SQL with line endings normalised to \n */
  checksum: string;
}

export interface MigrationResult {
  /** names applied by this run, in order */
  applied: string[];
  /** number of migrations that were already applied */
  alreadyApplied: number;
}

export class MigrationError extends Error {
  constructor(
    message: string,
    /** the migration at fault */
    readonly migration: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** One database session (a single connection) the migrator runs on. */
export interface MigrationSession {
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `fn` inside BEGIN … COMMIT on this session (ROLLBACK if it throws). */
  transaction(fn: (tx: MigrationTx) => Promise<void>): Promise<void>;
}

export interface MigrationTx {
  /** runs a multi-statement script (no parameters) */
  exec(script: string): Promise<void>;
  query(sql: string, params?: readonly unknown[]): Promise<unknown>;
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** `prisma/migrations` of the repository (found from the source and the built layout alike). */
export function defaultMigrationsDir(): string {
  for (const up of ['..', path.join('..', '..')]) {
    const dir = path.resolve(__dirname, up, 'prisma', 'migrations');
    if (existsSync(dir)) return dir;
  }
  throw new Error(`cannot find prisma/migrations above ${__dirname}`);
}

/** Reads the migration directories under `dir`, sorted by name. */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && NAME_PATTERN.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      if (!existsSync(file)) throw new MigrationError(`migration ${name} has no migration.sql (${file})`, name);
      const sql = readFileSync(file, 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

export interface MigrateOptions {
  /** defaults to loadMigrations(defaultMigrationsDir()) */
  migrations?: readonly Migration[];
  logger?: Logger;
  /**
   * PostgreSQL schema to migrate (created if missing); the session's search_path
   * must already point at it. Also names the advisory lock. @default 'public'
   */
  schema?: string;
}

/** Applies the pending migrations. Safe to call on every start. */
export async function migrate(session: MigrationSession, options: MigrateOptions = {}): Promise<MigrationResult> {
  const log = options.logger ?? createLogger('store.migrate');
  const migrations = options.migrations ?? loadMigrations();
  const schema = options.schema ?? 'public';
  const locked = session.kind === 'postgres';
  const lockKey = advisoryLockKey(schema);
  if (locked) {
    await session.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
  }
  try {
    if (session.kind === 'postgres' && schema !== 'public') {
      await session.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    }
    await session.query(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
         name TEXT PRIMARY KEY,
         checksum TEXT NOT NULL,
         applied_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
         duration_ms INTEGER NOT NULL
       )`,
    );
    const rows = await session.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY name`,
    );
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Set(migrations.map((m) => m.name));

    for (const m of migrations) {
      const recorded = applied.get(m.name);
      if (recorded !== undefined && recorded !== m.checksum) {
        throw new MigrationError(
          `migration ${m.name} was changed after it was applied (recorded checksum ${recorded.slice(0, 12)}…, ` +
            `file now ${m.checksum.slice(0, 12)}…). Applied migrations are immutable: restore the file and put the change in a new migration.`,
          m.name,
        );
      }
    }
    const unknown = [...applied.keys()].filter((n) => !known.has(n));
    if (unknown.length > 0) {
      log.warn({ unknown }, 'database has migrations this code does not know (was it migrated by a newer version?)');
    }

    const pending = migrations.filter((m) => !applied.has(m.name));
    for (const m of pending) {
      const started = Date.now();
      try {
        await session.transaction(async (tx) => {
          await tx.exec(m.sql);
          await tx.query(`INSERT INTO ${MIGRATIONS_TABLE} (name, checksum, duration_ms) VALUES ($1, $2, $3)`, [
            m.name,
            m.checksum,
            Date.now() - started,
          ]);
        });
      } catch (e) {
        throw new MigrationError(`migration ${m.name} failed: ${(e as Error).message}`, m.name);
      }
      log.info({ migration: m.name, ms: Date.now() - started, schema }, 'applied migration');
    }
    if (pending.length === 0) log.debug({ schema, applied: applied.size }, 'database schema is up to date');
    return { applied: pending.map((m) => m.name), alreadyApplied: migrations.length - pending.length };
  } finally {
    if (locked) await session.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]).catch(() => undefined);
  }
}

/** A signed 64-bit advisory lock key, one per schema. */
export function advisoryLockKey(schema: string): string {
  return createHash('sha256').update(`tandem:migrate:${schema}`).digest().readBigInt64BE(0).toString();
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A migration session on one PostgreSQL connection (a pg.Client or a checked-out PoolClient). */
export function pgSession(client: ClientBase): MigrationSession {
  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[]) {
      return (await client.query(sql, params as unknown[] | undefined)).rows as T[];
    },
    async transaction(fn) {
      await client.query('BEGIN');
      try {
        await fn({
          exec: async (script) => void (await client.query(script)),
          query: (sql, params) => client.query(sql, params as unknown[] | undefined),
        });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
  };
}

/** A migration session on an embedded PGlite database. */
export function pgliteSession(db: Pick<PGlite, 'query' | 'transaction'>): MigrationSession {
  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: readonly unknown[]) {
      return (await db.query<T>(sql, params as unknown[] | undefined)).rows;
    },
    async transaction(fn) {
      await db.transaction(async (tx: PGliteTransaction) => {
        await fn({
          exec: async (script) => void (await tx.exec(script)),
          query: (sql, params) => tx.query(sql, params as unknown[] | undefined),
        });
      });
    },
  };
}
