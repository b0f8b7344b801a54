import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import pino from 'pino';
import { openStore } from './index';
import {
  advisoryLockKey,
  checksumOf,
  loadMigrations,
  migrate,
  MigrationError,
  MIGRATIONS_TABLE,
  pgliteSession,
  pgSession,
  quoteIdent,
  type Migration,
} from './migrate';
import { dropSchema, PG_TEST_URL, postgresReachable, skipNotice, testSchemaName, urlWithSchema } from './test-support';

const silent = pino({ level: 'silent' });
const shipped = loadMigrations();
const extra = (name: string, sql: string): Migration => ({ name, sql, checksum: checksumOf(sql) });

describe('migrations on disk', () => {
  test('are found, named <yyyymmddhhmmss>_<name>, in order', () => {
    expect(shipped.length).toBeGreaterThan(0);
    for (const m of shipped) expect(m.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    expect(shipped.map((m) => m.name)).toEqual([...shipped.map((m) => m.name)].sort());
  });

  test('loadMigrations reads a directory: sorted, other entries ignored, a dir without migration.sql refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tandem-migrations-'));
    try {
      for (const n of ['20260102000000_b', '20260101000000_a']) {
        mkdirSync(path.join(dir, n));
        writeFileSync(path.join(dir, n, 'migration.sql'), `-- ${n}\r\nSELECT 1;\r\n`);
      }
      writeFileSync(path.join(dir, 'migration_lock.toml'), '');
      mkdirSync(path.join(dir, 'notes'));
      const ms = loadMigrations(dir);
      expect(ms.map((m) => m.name)).toEqual(['20260101000000_a', '20260102000000_b']);
      // line endings do not change a checksum (a Windows checkout is not a tampered one)
      expect(ms[0].checksum).toBe(checksumOf('-- 20260101000000_a\nSELECT 1;\n'));
      mkdirSync(path.join(dir, '20260103000000_c'));
      expect(() => loadMigrations(dir)).toThrow(/20260103000000_c has no migration.sql/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('advisory lock keys differ per schema', () => {
    expect(advisoryLockKey('public')).not.toBe(advisoryLockKey('tenant_a'));
    expect(BigInt(advisoryLockKey('public'))).toBeGreaterThanOrEqual(-(2n ** 63n));
  });
});

describe('migrator on PGlite', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  });
  afterAll(async () => {
    await db.close();
  });

  test('applies every migration once, then nothing (idempotent)', async () => {
    const first = await migrate(pgliteSession(db), { logger: silent });
    expect(first).toEqual({ applied: shipped.map((m) => m.name), alreadyApplied: 0 });
    const again = await migrate(pgliteSession(db), { logger: silent });
    expect(again).toEqual({ applied: [], alreadyApplied: shipped.length });
    const rows = (await db.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY name`)).rows;
    expect(rows).toEqual(shipped.map((m) => ({ name: m.name, checksum: m.checksum })));
  });

  test('refuses a migration changed after it was applied, naming it', async () => {
    const tampered = shipped.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: checksumOf(`${m.sql}\n-- edited`) } : m));
    const err = await migrate(pgliteSession(db), { migrations: tampered, logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).migration).toBe(shipped[0].name);
    expect((err as Error).message).toContain(`migration ${shipped[0].name} was changed after it was applied`);
  });

  test('applies later migrations generically; a failing one rolls back whole and is named', async () => {
    const broken = extra('29990101000000_broken', 'CREATE TABLE half_done (id int);\nSELECT 1/0;');
    const err = await migrate(pgliteSession(db), { migrations: [...shipped, broken], logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toMatch(/migration 29990101000000_broken failed: .*division by zero/);
    expect((await db.query(`SELECT to_regclass('half_done') AS t`)).rows).toEqual([{ t: null }]);

    const fixed = extra('29990101000000_broken', 'CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);');
    const later = extra('29990102000000_sync_outbox', 'CREATE TABLE outbox_example (id text PRIMARY KEY);');
    const res = await migrate(pgliteSession(db), { migrations: [...shipped, fixed, later], logger: silent });
    expect(res).toEqual({ applied: [fixed.name, later.name], alreadyApplied: shipped.length });
    expect((await db.query(`SELECT count(*)::int AS n FROM half_done`)).rows).toEqual([{ n: 1 }]);

    // a database migrated by newer code than this one still opens (with a warning)
    const warnings: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    expect(await migrate(pgliteSession(db), { migrations: shipped, logger })).toEqual({ applied: [], alreadyApplied: shipped.length });
    expect(warnings).toEqual([expect.objectContaining({ unknown: [fixed.name, later.name] })]);
  });
});

const pgReachable = postgresReachable();
if (!pgReachable) console.warn(skipNotice('migrator'));

(pgReachable ? describe : describe.skip)('migrator on PostgreSQL', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  test('concurrent migrators on one fresh schema: one applies, the others wait and find nothing to do', async () => {
    const schema = testSchemaName();
    schemas.push(schema);
    const clients = Array.from(
      { length: 4 },
      () => new pg.Client({ connectionString: PG_TEST_URL, options: `-c search_path=${quoteIdent(schema)}` }),
    );
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const results = await Promise.all(clients.map((c) => migrate(pgSession(c), { schema, logger: silent })));
      const applied = results.flatMap((r) => r.applied);
      expect(applied).toEqual(shipped.map((m) => m.name));
      expect(results.filter((r) => r.applied.length === 0).map((r) => r.alreadyApplied)).toEqual(Array(3).fill(shipped.length));
      const rows = await clients[0].query(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`);
      expect(rows.rows).toEqual([{ n: shipped.length }]);
      // the lock is released: a later run is immediate and idle
      expect(await migrate(pgSession(clients[1]), { schema, logger: silent })).toEqual({ applied: [], alreadyApplied: shipped.length });
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  test('several processes opening the store at once on a new schema all succeed', async () => {
    const schema = testSchemaName();
    schemas.push(schema);
    const stores = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: urlWithSchema(schema), logger: silent })));
    try {
      await stores[0].putMany('customer', [], 'CRM');
      expect(await Promise.all(stores.map((s) => s.count('customer')))).toEqual([0, 0, 0]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('a tampered migration stops PostgreSQL start-up too', async () => {
    const schema = testSchemaName();
    schemas.push(schema);
    const c = new pg.Client({ connectionString: PG_TEST_URL, options: `-c search_path=${quoteIdent(schema)}` });
    await c.connect();
    try {
      await migrate(pgSession(c), { schema, logger: silent });
      await c.query(`UPDATE ${MIGRATIONS_TABLE} SET checksum = 'x' WHERE name = $1`, [shipped[0].name]);
      await expect(openStore({ databaseUrl: urlWithSchema(schema), logger: silent })).rejects.toThrow(
        new RegExp(`migration ${shipped[0].name} was changed after it was applied`),
      );
    } finally {
      await c.end();
    }
  });
});
