import { openAsBlob } from 'node:fs';
import { PGlite, messages } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pino from 'pino';
import { initdbTemplate } from './drivers';
import { openStore } from './index';
import { RemotePGlite } from './pglite-remote';

/**
 * The embedded database on its own thread answers as PGlite in this thread
 * does: the same rows through the Prisma adapter's parsers, the same errors,
 * the same transactions.
 */
describe('PGlite on its own thread', () => {
  let remote: RemotePGlite;
  let local: PGlite;
  beforeAll(async () => {
    // a new database from the initdb template, as the store opens one
    const template = await initdbTemplate(pino({ level: 'silent' }));
    [remote, local] = await Promise.all([RemotePGlite.open({ startParams: PGlite.defaultStartParams, template }),
      PGlite.create(template ? { loadDataDir: (await openAsBlob(template)) as Blob } : undefined),
    ]);
    const ddl = `CREATE TABLE t (id text PRIMARY KEY, n int8, amount numeric(18,4), d date, at timestamptz, doc jsonb, tags text[], raw bytea);`;
    await Promise.all([remote.exec(ddl), local.exec(ddl)]);
  });
  afterAll(async () => {
    await Promise.all([remote?.close(), local?.close()]);
  });

  test('rows through the Prisma adapter equal those of PGlite in-process (numeric, int8, dates, jsonb, arrays, bytea)', async () => {
    const insert = `INSERT INTO t VALUES ('a', 9007199254740993, 1234.5600, '2026-11-22', '2026-11-22T07:00:00.123Z', '{"k":[1,"x"]}', ARRAY['p','q'], '\\x0102ff')`;
    await Promise.all([remote.exec(insert), local.exec(insert)]);
    const run = async (db: PGlite) => {
      const adapter = await new PrismaPGlite(db).connect();
      return adapter.queryRaw({ sql: 'SELECT * FROM t WHERE id = $1', args: ['a'], argTypes: [{ scalarType: 'string', arity: 'scalar' }] });
    };
    const [viaThread, inProcess] = await Promise.all([run(remote.asPGlite()), run(local)]);
    expect(viaThread.rows).toHaveLength(1);
    expect(viaThread).toEqual(inProcess);
    // the adapter's parsers ran on the thread: numeric and int8 come back as exact strings
    expect(viaThread.rows[0]).toEqual(expect.arrayContaining(['9007199254740993', '1234.5600']));
  });

  test('plain queries use PGlite default parsers (numbers, Dates, objects) and take parameters', async () => {
    const { rows } = await remote.query<{ n: number; at: Date; doc: unknown }>('SELECT $1::int AS n, $2::timestamptz AS at, $3::jsonb AS doc', [
      7,
      '2026-01-02T03:04:05Z',
      JSON.stringify({ a: 1 }),
    ]);
    expect(rows).toEqual([{ n: 7, at: new Date('2026-01-02T03:04:05Z'), doc: { a: 1 } }]);
  });

  test('a PostgreSQL error arrives as PGlite DatabaseError with its code and constraint; the Prisma adapter maps it', async () => {
    const err = await remote.query(`INSERT INTO t (id) VALUES ('a')`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(messages.DatabaseError);
    expect(err).toMatchObject({ code: '23505', constraint: 't_pkey' });
    const adapter = await new PrismaPGlite(remote.asPGlite()).connect();
    const mapped = await adapter.executeRaw({ sql: `INSERT INTO t (id) VALUES ('a')`, args: [], argTypes: [] }).catch((e: unknown) => e);
    expect(mapped).toMatchObject({ name: 'DriverAdapterError', cause: { kind: 'UniqueConstraintViolation' } });
    // the thread is still serving
    expect((await remote.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 1 }]);
  });

  test('transactions commit, roll back when the callback throws, and roll back on request', async () => {
    await remote.transaction(async (tx) => {
      await tx.query(`INSERT INTO t (id) VALUES ('c1')`);
      await tx.exec(`INSERT INTO t (id) VALUES ('c2')`);
    });
    await expect(
      remote.transaction(async (tx) => {
        await tx.query(`INSERT INTO t (id) VALUES ('r1')`);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await remote.transaction(async (tx) => {
      await tx.query(`INSERT INTO t (id) VALUES ('r2')`);
      await tx.rollback();
      expect(tx.closed).toBe(true);
    });
    const ids = (await remote.query<{ id: string }>(`SELECT id FROM t WHERE id <> 'a' ORDER BY id`)).rows.map((r) => r.id);
    expect(ids).toEqual(['c1', 'c2']);
  });

  test('a statement sent while a transaction is open runs after it ends (one session, as in-process)', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await remote.transaction(async (tx) => {
      await tx.query(`INSERT INTO t (id) VALUES ('o1')`);
      outside = remote.query<{ n: number }>(`SELECT count(*)::int AS n FROM t WHERE id = 'o1'`).then((r) => order.push(`outside saw ${r.rows[0].n}`));
      await tx.query('SELECT pg_sleep(0.05)');
      order.push('transaction body done');
    });
    await outside;
    expect(order).toEqual(['transaction body done', 'outside saw 1']);
  });


  test('LISTEN: a NOTIFY reaches the listener once its transaction commits; after unlisten nothing does', async () => {
    const got: string[] = [];
    const unlisten = await remote.listen('tandem_test', (payload) => got.push(payload));
    await remote.transaction(async (tx) => {
      await tx.query(`SELECT pg_notify('tandem_test', 'in tx')`);
      await tx.query('SELECT 1');
    });
    await remote.query(`NOTIFY tandem_test, 'plain'`);
    await remote.query('SELECT 1'); // the thread posts notifications before later replies
    expect(got).toEqual(['in tx', 'plain']);
    await unlisten();
    await remote.query(`NOTIFY tandem_test, 'after'`);
    await remote.query('SELECT 1');
    expect(got).toEqual(['in tx', 'plain']);
  });

  test('after close every call is refused with a clear message', async () => {
    await remote.close();
    await remote.close(); // idempotent
    expect(remote.closed).toBe(true);
    await expect(remote.query('SELECT 1')).rejects.toThrow('the embedded database is closed');
  });

  test('a store opened with thread: false runs PGlite in this thread and answers the same', async () => {
    const store = await openStore({ memory: true, thread: false });
    try {
      expect(await store.count('customer')).toBe(0);
    } finally {
      await store.close();
    }
  });
});
