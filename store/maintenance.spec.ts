/**
 * The embedded database's maintenance (store/maintenance.ts): which tables a pass
 * picks, that a pass really vacuums and analyses them on a migrated PGlite, that
 * the store runs passes by itself on its schedule (in-process and on the database
 * thread) and not at all when switched off.
 */
import pino from 'pino';
import { openStore, type Store } from './index';
import { maintenancePlan } from './maintenance';

const silent = pino({ level: 'silent' });

interface Stat {
  dead: number;
  vacuumed: boolean;
  analysed: boolean;
}

async function stat(store: Store, table: string): Promise<Stat> {
  const [r] = await store.raw<{ dead: number; vacuumed: boolean; analysed: boolean }>(
    `SELECT n_dead_tup::int AS dead, (last_vacuum IS NOT NULL) AS vacuumed, (last_analyze IS NOT NULL) AS analysed FROM pg_stat_user_tables WHERE relname = $1`,
    table,
  );
  return { dead: Number(r.dead), vacuumed: r.vacuumed, analysed: r.analysed };
}

/** 400 audit rows written and deleted: 400 dead row versions in audit_entry. */
async function churn(store: Store): Promise<void> {
  await store.raw(
    `INSERT INTO audit_entry (kind, caller, operation, outcome, request_id) SELECT 'MUTATION', 'maint', 'Mutation.x', 'OK', 'r' || g FROM generate_series(1, 400) g`,
  );
  await store.raw(`DELETE FROM audit_entry WHERE caller = 'maint'`);
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('maintenancePlan (autovacuum thresholds)', () => {
  const t = (table: string, live: number, dead: number, changed: number) => ({ schema: 'public', table, live, dead, changed });
  it('vacuums past 50 + 20 % dead rows, else analyses past 50 + 10 % changed rows, else leaves the table alone', () => {
    const plan = maintenancePlan([t('a', 1000, 251, 0), t('b', 1000, 250, 151), t('c', 1000, 250, 150), t('d', 0, 51, 0), t('e', 0, 50, 50)]);
    expect(plan.map((p) => [p.table.table, p.action])).toEqual([
      ['a', 'VACUUM (ANALYZE)'],
      ['b', 'ANALYZE'],
      ['d', 'VACUUM (ANALYZE)'],
    ]);
  });
});

describe.each([
  ['in-process', false],
  ['on its own thread', true],
])('embedded store maintenance, PGlite %s', (_name, thread) => {
  it('runs by itself on its schedule: the churned table is vacuumed and analysed', async () => {
    const store = await openStore({ memory: true, thread, logger: silent, vacuumSeconds: 0.3 });
    try {
      await churn(store);
      const after = await until(
        () => stat(store, 'audit_entry'),
        (s) => s.vacuumed && s.analysed && s.dead === 0,
      );
      expect(after).toEqual({ dead: 0, vacuumed: true, analysed: true });
    } finally {
      await store.close();
    }
  });

  it('does nothing when switched off (vacuumSeconds 0)', async () => {
    const store = await openStore({ memory: true, thread, logger: silent, vacuumSeconds: 0 });
    try {
      await churn(store);
      await new Promise((r) => setTimeout(r, 1200));
      const s = await stat(store, 'audit_entry');
      expect([s.vacuumed, s.analysed]).toEqual([false, false]);
      // while a pass would have had work there
      const [{ changed }] = await store.raw<{ changed: number }>(`SELECT n_mod_since_analyze::int AS changed FROM pg_stat_user_tables WHERE relname = 'audit_entry'`);
      expect(Number(changed)).toBeGreaterThanOrEqual(800);
    } finally {
      await store.close();
    }
  });
});

describe('startPGliteMaintenance on a data directory store', () => {
  it('a pass reports what it did; a second pass finds nothing left to vacuum there', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-maint-'));
    const { PGlite } = await import('@electric-sql/pglite');
    const { startPGliteMaintenance } = await import('./maintenance');
    const db = await PGlite.create(path.join(dir, 'pglite'));
    const lines: { msg: string; tables?: string[] }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const m = startPGliteMaintenance(db, { intervalMs: 3_600_000, logger });
    try {
      await db.exec(`CREATE TABLE churn (id int PRIMARY KEY, n int); INSERT INTO churn SELECT g, 0 FROM generate_series(1, 300) g; DELETE FROM churn WHERE id > 100;`);
      const first = await until(
        () => m.runOnce(),
        (r) => r.actions.some((a) => a.table === 'public.churn'),
      );
      expect(first.failed).toEqual([]);
      expect(first.actions.find((a) => a.table === 'public.churn')).toMatchObject({ action: 'VACUUM (ANALYZE)', deadRows: 200 });
      expect(lines.some((l) => /vacuumed or analysed/.test(l.msg) && l.tables?.some((t) => t.startsWith('public.churn (200 dead')))).toBe(true);
      const second = await m.runOnce();
      expect(second.actions.filter((a) => a.table === 'public.churn')).toEqual([]);
      const [{ n_dead_tup }] = (await db.query<{ n_dead_tup: number }>(`SELECT n_dead_tup::int AS n_dead_tup FROM pg_stat_user_tables WHERE relname = 'churn'`)).rows;
      expect(Number(n_dead_tup)).toBe(0);
    } finally {
      await m.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
