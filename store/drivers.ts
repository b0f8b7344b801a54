import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openAsBlob, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { Logger } from '../lib';
import { DEFAULT_VACUUM_SECONDS, isPostgresUrl, redactUrl, type StoreConfig } from './config';
import { migrate, pgliteSession, pgSession, quoteIdent, type MigrationResult } from './migrate';
import { RemotePGlite, type PGliteLike } from './pglite-remote';
import { startPGliteMaintenance, type Maintenance } from './maintenance';
import { sessionPlans, type SessionPlans } from './session-plans';
import { WriteTracker } from './row-cache';

/** An open database: the adapter Prisma runs on, migrated, and how to close it. */
export interface Driver {
  kind: 'pglite' | 'postgres';
  adapter: SqlDriverAdapterFactory;
  /** where the data lives (redacted URL or directory), for logs */
  location: string;
  migration: MigrationResult;
  /** the writes to this database seen in this process, for the row caches of every store on it */
  writes: WriteTracker;
  /**
   * One statement straight on the driver (PGlite query / pg pool), without Prisma. With
   * `plan`, a statement run again and again keeps its plan: a session function on PGlite
   * (store/session-plans.ts), a named prepared statement on each PostgreSQL connection.
   */
  query<T>(sql: string, params: readonly unknown[], options?: { plan?: boolean }): Promise<T[]>;
  /** LISTEN on a channel (see Store.listen); resolves to a function that stops listening */
  listen(channel: string, onNotify: (payload: string | null) => void): Promise<() => Promise<void>>;
  /**
   * PostgreSQL only: `run`'s statements in one transaction on one pooled connection,
   * straight on the driver (BEGIN, COMMIT; ROLLBACK when `run` throws).
   */
  transaction?<T>(run: (query: <R>(sql: string, params: readonly unknown[]) => Promise<R[]>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openDriver(config: StoreConfig, log: Logger): Promise<Driver> {
  if (config.databaseUrl !== undefined && config.databaseUrl !== '') {
    return openPostgres(config.databaseUrl, log);
  }
  return openPGlite(config, log);
}

// ---------------------------------------------------------------- PostgreSQL

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Splits Prisma's `?schema=` parameter off a PostgreSQL URL. */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string } {
  if (!isPostgresUrl(url)) throw new Error(`not a PostgreSQL URL: ${redactUrl(url)}`);
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`schema "${schema}" in the database URL must be a plain identifier (letters, digits, _)`);
  }
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema };
}

async function openPostgres(url: string, log: Logger): Promise<Driver> {
  const { connectionString, schema } = parsePostgresUrl(url);
  const location = redactUrl(url);
  const pool = new pg.Pool({
    connectionString,
    // every pooled connection resolves unqualified names (the store's SQL, the
    // migrations) in the configured schema; Prisma's own queries qualify names
    // with the adapter's `schema` option
    options: `-c search_path=${quoteIdent(schema)}`,
    max: 10,
  });
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection failed'));
  let migration: MigrationResult;
  try {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw new Error(`cannot connect to PostgreSQL at ${location}: ${(e as Error).message}`, { cause: e });
    }
    try {
      migration = await migrate(pgSession(client), { schema, logger: log });
    } finally {
      // discard the migration connection rather than pool it with its session state
      client.release(true);
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  const listener = new PgListener({ connectionString, options: `-c search_path=${quoteIdent(schema)}` }, log);
  return {
    kind: 'postgres',
    adapter: new PrismaPg(pool, { schema, onPoolError: (err) => log.warn({ err }, 'PostgreSQL pool error') }),
    location,
    migration,
    writes: new WriteTracker(),
    query: async <T>(sql: string, params: readonly unknown[], options?: { plan?: boolean }) =>
      (await (options?.plan ? pool.query({ name: statementName(sql), text: sql, values: params as unknown[] }) : pool.query(sql, params as unknown[]))).rows as T[],
    async transaction<T>(run: (query: <R>(sql: string, params: readonly unknown[]) => Promise<R[]>) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const out = await run(async <R>(sql: string, params: readonly unknown[]) => (await client.query(sql, params as unknown[])).rows as R[]);
          await client.query('COMMIT');
          return out;
        } catch (e) {
          await client.query('ROLLBACK').catch((rb: Error) => (broken = rb));
          throw e;
        }
      } finally {
        // a connection whose ROLLBACK failed is not handed to anyone else
        client.release(broken);
      }
    },
    listen: (channel, onNotify) => listener.listen(channel, onNotify),
    close: async () => {
      await listener.close();
      await pool.end();
    },
  };
}

/**
 * LISTEN for one store on PostgreSQL: one dedicated connection (a pooled one could
 * not keep its LISTENs), opened with the first listener, reconnecting after a
 * failure with every channel listened again and each listener told (null) that
 * it may have missed notifications.
 */
class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly channels = new Map<string, Set<(payload: string | null) => void>>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly log: Logger,
  ) {}

  async listen(channel: string, onNotify: (payload: string | null) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('the store is closed');
    let set = this.channels.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(onNotify);
    if (first) {
      const client = await this.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    }
    return async () => {
      const s = this.channels.get(channel);
      if (!s?.delete(onNotify) || s.size > 0) return;
      this.channels.delete(channel);
      await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client(this.config);
      client.on('notification', (n) => {
        for (const l of this.channels.get(n.channel) ?? []) l(n.payload ?? '');
      });
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client));
      try {
        await client.connect();
        for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (err) {
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
        throw err;
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    this.log.warn({ err }, 'the LISTEN connection to PostgreSQL was lost; reconnecting');
    const again = () => {
      this.retry = undefined;
      if (this.closed) return;
      this.connect().then(
        () => {
          for (const set of this.channels.values()) for (const l of set) l(null);
        },
        (e: unknown) => {
          this.log.warn({ err: e }, 'LISTEN reconnect failed; trying again in 1 s');
          this.retry = setTimeout(again, 1000);
          this.retry.unref();
        },
      );
    };
    this.retry = setTimeout(again, 100);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    this.channels.clear();
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}

// -------------------------------------------------------------------- PGlite

/**
 * Embedded PostgreSQL. A data directory is opened by one PGlite instance per
 * process: stores opened on the same directory share it (closed with the last
 * one), and a pid file refuses a second process, which would corrupt it.
 */
interface SharedPGlite {
  /** the instance, migrated once however many stores open it */
  ready: Promise<{ db: PGliteLike; migration: MigrationResult; maintenance: Maintenance | undefined }>;
  refs: number;
  /** shared like the instance: a write through any store on it reaches every store's row cache */
  writes: WriteTracker;
}
const openDirs = new Map<string, SharedPGlite>();
/** directories whose instance is being closed: a new open waits for that */
const closingDirs = new Map<string, Promise<void>>();

/** The maintenance schedule of one PGlite instance (store/maintenance.ts), unless switched off. */
function maintain(db: PGliteLike, config: StoreConfig, log: Logger): Maintenance | undefined {
  const seconds = config.vacuumSeconds ?? DEFAULT_VACUUM_SECONDS;
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`vacuumSeconds must be a non-negative number, got ${seconds}`);
  return seconds > 0 ? startPGliteMaintenance(db, { intervalMs: seconds * 1000, logger: log }) : undefined;
}

async function openPGlite(config: StoreConfig, log: Logger): Promise<Driver> {
  if (config.memory) {
    const db = await createPGlite(undefined, config, log);
    try {
      const migration = await migrate(pgliteSession(db), { logger: log });
      const maintenance = maintain(db, config, log);
      const close = async () => {
        await maintenance?.stop();
        await db.close();
      };
      return { kind: 'pglite', adapter: new PrismaPGlite(db as PGlite), location: 'memory', migration, writes: new WriteTracker(), query: pgliteQuery(db), listen: pgliteListen(db), close };
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
  }
  const dir = path.resolve(config.dataDir ?? '.data', 'pglite');
  await closingDirs.get(dir);
  let shared = openDirs.get(dir);
  if (!shared) {
    const ready = (async () => {
      mkdirSync(dir, { recursive: true });
      claimPidFile(pidFile(dir), dir);
      let db: PGliteLike | undefined;
      try {
        db = await createPGlite(dir, config, log);
        const migration = await migrate(pgliteSession(db), { logger: log });
        return { db, migration, maintenance: maintain(db, config, log) };
      } catch (e) {
        await db?.close().catch(() => undefined);
        rmSync(pidFile(dir), { force: true });
        throw e;
      }
    })();
    shared = { ready, refs: 0, writes: new WriteTracker() };
    openDirs.set(dir, shared);
  }
  const entry = shared;
  entry.refs++;
  const release = async () => {
    if (--entry.refs > 0) return;
    if (openDirs.get(dir) === entry) openDirs.delete(dir);
    const closing = (async () => {
      const { db, maintenance } = await entry.ready;
      await maintenance?.stop();
      await db.close();
      rmSync(pidFile(dir), { force: true });
    })();
    closingDirs.set(dir, closing);
    try {
      await closing;
    } finally {
      if (closingDirs.get(dir) === closing) closingDirs.delete(dir);
    }
  };
  let opened: { db: PGliteLike; migration: MigrationResult };
  try {
    opened = await entry.ready;
  } catch (e) {
    if (--entry.refs <= 0 && openDirs.get(dir) === entry) openDirs.delete(dir);
    throw e;
  }
  let closed = false;
  return {
    kind: 'pglite',
    adapter: new PrismaPGlite(opened.db as PGlite),
    location: dir,
    migration: opened.migration,
    writes: entry.writes,
    query: pgliteQuery(opened.db),
    listen: pgliteListen(opened.db),
    close: async () => {
      if (closed) return;
      closed = true;
      await release();
    },
  };
}

function pgliteListen(db: PGliteLike): Driver['listen'] {
  return async (channel, onNotify) => {
    const stop = await db.listen(channel, (payload) => onNotify(payload));
    return async () => {
      if (!db.closed) await stop();
    };
  };
}

/** Session plans per PGlite instance: the stores opened on one data directory share its session. */
const plansOf = new WeakMap<PGliteLike, SessionPlans>();

function pgliteQuery(db: PGliteLike): Driver['query'] {
  let plans = plansOf.get(db);
  if (!plans) plansOf.set(db, (plans = sessionPlans(db)));
  const planned = plans;
  return async <T>(sql: string, params: readonly unknown[], options?: { plan?: boolean }) =>
    options?.plan ? planned.query<T>(sql, params) : (await db.query<T>(sql, params as unknown[])).rows;
}

/** A prepared statement's name on PostgreSQL connections: one per statement text. */
function statementName(sql: string): string {
  return `tandem_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
}

/**
 * PGlite's server settings: its defaults, with shared_buffers at 16 MB instead
 * of PostgreSQL's 128 MB. The buffers live in the WebAssembly heap, which never
 * shrinks, and double-buffer data PGlite already holds in memory (in-memory
 * stores) or the OS caches (data directories); at 128 MB they were most of the
 * stack's resident memory once the store had been read through.
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'min_wal_size=32MB', '-c', 'max_wal_size=64MB'];

/**
 * A new PGlite, on its own thread unless `config.thread` is false (see
 * pglite-remote.ts), with a clear message for the one environment known to
 * break it in-process. A new database starts from a copy of a freshly
 * initialised one (see initdbTemplate) instead of running initdb here.
 */
async function createPGlite(dir: string | undefined, config: StoreConfig, log: Logger): Promise<PGliteLike> {
  const fresh = dir === undefined || !existsSync(dir) || readdirSync(dir).length === 0;
  const template = fresh ? await initdbTemplate(log) : undefined;
  const startParams = [...PGlite.defaultStartParams, ...PGLITE_SETTINGS];
  const thread = config.thread ?? true;
  const create = async (withTemplate: string | undefined): Promise<PGliteLike> =>
    thread
      ? RemotePGlite.open({ dataDir: dir, startParams, template: withTemplate })
      : PGlite.create(dir, { startParams, ...(withTemplate ? { loadDataDir: (await openAsBlob(withTemplate)) as Blob } : {}) });
  try {
    try {
      // a file-backed Blob: the tarball is read once, by PGlite, not copied into memory first
      return await create(template);
    } catch (e) {
      if (!template || dir !== undefined) throw e;
      // a template that does not load (another PGlite version wrote it?): forget it, run initdb here
      log.warn({ err: (e as Error).message, template }, 'PGlite template did not load; initialising the database in-process');
      rmSync(template, { force: true });
      return await create(undefined);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG') {
      throw new Error(
        'PGlite loads its WebAssembly files with import(), which jest only allows when node runs with ' +
          '--experimental-vm-modules (npm test passes it; run jest as `node --experimental-vm-modules node_modules/jest/bin/jest.js`).',
        { cause: e },
      );
    }
    throw e;
  }
}

let templateMaking: Promise<string | undefined> | undefined;

/**
 * A tarball of a freshly initialised PGlite data directory, made once per
 * machine and PGlite build (in the OS temp directory) by a short-lived child
 * process. PGlite's own initdb runs a second PGlite instance and the initdb
 * WebAssembly module beside the new database and copies the result across,
 * which took the process to ~750 MB resident for a moment on every new
 * database; loading the tarball peaks at about half of that. Undefined when
 * the template cannot be made: the caller then lets PGlite run initdb.
 */
export function initdbTemplate(log: Logger): Promise<string | undefined> {
  templateMaking ??= (async () => {
    let entry: string;
    try {
      entry = require.resolve('@electric-sql/pglite');
    } catch {
      return undefined;
    }
    const wasm = path.join(path.dirname(entry), 'pglite.wasm');
    const stamp = existsSync(wasm) ? `${statSync(wasm).size}-${Math.round(statSync(wasm).mtimeMs)}` : 'unknown';
    const file = path.join(os.tmpdir(), `tandem-pglite-initdb-w1-${stamp}.tar`);
    if (existsSync(file)) return file;
    const script = `
      const { PGlite } = require(${JSON.stringify(entry)});
      const fs = require('node:fs');
      (async () => {
        const db = await PGlite.create({ initDbStartParams: ['--wal-segsize=1'] });
        const blob = await db.dumpDataDir('none');
        await db.close();
        const tmp = process.argv[1] + '.' + process.pid + '.tmp';
        fs.writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
        fs.renameSync(tmp, process.argv[1]);
      })().catch((e) => { console.error(e); process.exit(1); });`;
    try {
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ['-e', script, file], { timeout: 120_000 }, (err) => (err ? reject(err) : resolve())),
      );
      return file;
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'could not prepare a PGlite template; PGlite will run initdb itself');
      return undefined;
    }
  })();
  const making = templateMaking;
  // a failed attempt may be retried by the next open
  void making.then((f) => {
    if (!f && templateMaking === making) templateMaking = undefined;
  });
  return making.then((f) => (f && existsSync(f) ? f : undefined));
}

function pidFile(dir: string): string {
  return `${dir}.pid`;
}

function claimPidFile(file: string, dir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(
          `the embedded database in ${dir} is in use by process ${pid}; PGlite allows one process per data directory. ` +
            'Stop that process, use another TANDEM_DATA_DIR, or set DATABASE_URL to run several processes on PostgreSQL.',
        );
      }
      rmSync(file, { force: true }); // left behind by a process that is gone
    }
  }
  throw new Error(`cannot claim ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
