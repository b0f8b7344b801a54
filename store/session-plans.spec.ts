import { PGlite } from '@electric-sql/pglite';
import { RemotePGlite } from './pglite-remote';
import { sessionPlans } from './session-plans';

/**
 * Session plans on a real PGlite, in-process and on its own thread: a statement
 * answers exactly as it does inline, errors keep their SQLSTATE and constraint,
 * and what cannot be wrapped runs as it is.
 */
describe.each([
  ['in-process PGlite', () => PGlite.create()],
  ['PGlite on its own thread', () => RemotePGlite.open({ startParams: PGlite.defaultStartParams })],
])('session plans on %s', (_name, open) => {
  let db: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    db = await open();
    await db.exec(`
      CREATE TYPE color AS ENUM ('red', 'green');
      CREATE TABLE item (id text PRIMARY KEY, color color NOT NULL, qty int NOT NULL, price numeric(12,2), at timestamptz, tags text[] NOT NULL DEFAULT '{}');
    `);
  });
  afterAll(async () => {
    await db.close();
  });

  const functions = async () =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname LIKE 'pg_temp%' AND p.proname LIKE 'tandem_q%'`)).rows[0].n;

  test('an upsert with a CTE, an enum, numeric, timestamptz and array parameters answers as inline, through a session function', async () => {
    const plans = sessionPlans(db, { minLength: 0 });
    const upsert = `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, qty int, price numeric))
      INSERT INTO item (id, color, qty, price, at, tags) SELECT id, $2, qty, price, $3::timestamptz, $4::text[] FROM input
      ON CONFLICT (id) DO UPDATE SET qty = excluded.qty RETURNING id, qty, price, at, tags`;
    const at = new Date('2026-12-01T10:00:00.000Z');
    const before = await functions();
    const first = await plans.query<{ id: string; qty: number; price: string; at: Date; tags: string[] }>(
      upsert,
      [JSON.stringify([{ id: 'a', qty: 1, price: '10.50' }, { id: 'b', qty: 2, price: null }]), 'red', at.toISOString(), ['x', 'y']],
    );
    expect(plans.size).toBe(1);
    expect(await functions()).toBe(before + 1);
    expect(first).toEqual([
      { id: 'a', qty: 1, price: '10.50', at, tags: ['x', 'y'] },
      { id: 'b', qty: 2, price: null, at, tags: ['x', 'y'] },
    ]);
    // the same statement again reuses the function
    const again = await plans.query<{ id: string; qty: number }>(upsert, [JSON.stringify([{ id: 'a', qty: 5, price: '1' }]), 'green', at.toISOString(), []]);
    expect(again.map((r) => [r.id, r.qty])).toEqual([['a', 5]]);
    expect(plans.size).toBe(1);
    // what the inline statement answers for the same read
    const read = `SELECT id, color::text AS color, qty, price FROM item WHERE id = ANY($1::text[]) ORDER BY id`;
    const planned = await plans.query(read, [['a', 'b', 'zzz']]);
    const inline = (await db.query(read, [['a', 'b', 'zzz']])).rows;
    expect(planned).toEqual(inline);
    expect(planned).toEqual([
      { id: 'a', color: 'red', qty: 5, price: '10.50' },
      { id: 'b', color: 'red', qty: 2, price: null },
    ]);
    expect(plans.size).toBe(2);
  });

  test('a statement without result columns runs as a void function and still writes', async () => {
    const plans = sessionPlans(db, { minLength: 0 });
    const rows = await plans.query(`UPDATE item SET qty = qty + $2 WHERE id = $1`, ['b', 40]);
    expect(rows).toHaveLength(1); // the call's own row
    expect(plans.size).toBe(1);
    expect((await db.query<{ qty: number }>(`SELECT qty FROM item WHERE id = 'b'`)).rows[0].qty).toBe(42);
  });

  test('errors raised inside keep their SQLSTATE, constraint and message', async () => {
    const plans = sessionPlans(db, { minLength: 0 });
    const insert = `INSERT INTO item (id, color, qty) VALUES ($1, $2, $3) RETURNING id`;
    await plans.query(insert, ['c', 'red', 1]);
    const inline = await db.query(insert, ['c', 'red', 1]).catch((e) => e);
    const planned = await plans.query(insert, ['c', 'red', 1]).catch((e) => e);
    expect(planned.code).toBe('23505');
    expect(planned.constraint).toBe(inline.constraint);
    expect(planned.message).toBe(inline.message);
    const badEnum = await plans.query(insert, ['d', 'blue', 1]).catch((e) => e);
    expect(badEnum.code).toBe('22P02');
    expect(badEnum.message).toMatch(/invalid input value for enum color: "blue"/);
  });

  test('by default a short statement runs as it is (planning it costs less than the call around it)', async () => {
    const plans = sessionPlans(db);
    expect(await plans.query(`SELECT qty FROM item WHERE id = $1`, ['a'])).toEqual([{ qty: 5 }]);
    expect(plans.size).toBe(0);
  });

  test('what cannot be wrapped runs as it is: a column twice, a syntax error, utility statements', async () => {
    const plans = sessionPlans(db, { minLength: 0 });
    expect(await plans.query(`SELECT 1 AS x, 2 AS x`, [])).toEqual([{ x: 2 }]);
    expect(plans.size).toBe(0);
    const err = await plans.query(`SELEC 1`, []).catch((e) => e);
    expect(err.code).toBe('42601');
    // asked again: still the database's own error, not a wrapper's
    expect((await plans.query(`SELEC 1`, []).catch((e) => e)).code).toBe('42601');
    await plans.query(`SET application_name = 'tandem-test'`, []);
    expect(plans.size).toBe(0);
  });
});
