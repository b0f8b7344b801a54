/**
 * Routine maintenance of the embedded database (docs/decisions/store-pglite-vacuum.md).
 *
 * PGlite runs PostgreSQL in single-user mode: `SHOW autovacuum` says `on`, but no
 * autovacuum launcher runs. Without this, the row versions every update and delete
 * leaves behind (the sync outbox, the transactions and their steps, the event
 * stream's sequencing, the cache's refreshes) are never reclaimed, and no table
 * ever gets planner statistics. PostgreSQL proper does this itself; there nothing
 * here runs.
 *
 * Every `intervalMs`, one pass picks the tables autovacuum would pick, with
 * autovacuum's default thresholds, and runs one statement per table (so the
 * store's other statements interleave with the pass):
 * - `VACUUM (ANALYZE)` where dead rows > 50 + 20 % of live rows;
 * - `ANALYZE` where rows changed since the last analyze > 50 + 10 % of live rows.
 */
import type { Logger } from '../lib';
import { quoteIdent } from './migrate';
import type { PGliteLike } from './pglite-remote';

export interface MaintenanceOptions {
  /** time between passes; the first pass runs one interval after start */
  intervalMs: number;
  logger: Logger;
}

export interface MaintenanceAction {
  table: string;
  action: 'VACUUM (ANALYZE)' | 'ANALYZE';
  deadRows: number;
  changedRows: number;
  ms: number;
}

export interface MaintenanceReport {
  actions: MaintenanceAction[];
  /** tables whose statement failed (logged; tried again next pass) */
  failed: string[];
  ms: number;
}

export interface Maintenance {
  /** One pass now (waits for a pass in progress first). */
  runOnce(): Promise<MaintenanceReport>;
  /** Stops the schedule; waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

interface TableStats {
  schema: string;
  table: string;
  live: number;
  dead: number;
  changed: number;
}

const TABLE_STATS_SQL = `SELECT schemaname AS schema, relname AS "table", n_live_tup::float8 AS live, n_dead_tup::float8 AS dead,
  n_mod_since_analyze::float8 AS changed
  FROM pg_stat_user_tables WHERE schemaname NOT LIKE 'pg\\_temp%' ORDER BY n_dead_tup DESC, relname`;

/** What one pass would do for these statistics (autovacuum's default thresholds). */
export function maintenancePlan(stats: readonly TableStats[]): { table: TableStats; action: MaintenanceAction['action'] }[] {
  const out: { table: TableStats; action: MaintenanceAction['action'] }[] = [];
  for (const t of stats) {
    if (t.dead > 50 + 0.2 * t.live) out.push({ table: t, action: 'VACUUM (ANALYZE)' });
    else if (t.changed > 50 + 0.1 * t.live) out.push({ table: t, action: 'ANALYZE' });
  }
  return out;
}

export function startPGliteMaintenance(db: PGliteLike, options: MaintenanceOptions): Maintenance {
  const log = options.logger;
  let running: Promise<MaintenanceReport> | undefined;
  let stopped = false;

  async function pass(): Promise<MaintenanceReport> {
    const started = performance.now();
    const actions: MaintenanceAction[] = [];
    const failed: string[] = [];
    const stats = (await db.query<TableStats>(TABLE_STATS_SQL)).rows.map((r) => ({ ...r, live: Number(r.live), dead: Number(r.dead), changed: Number(r.changed) }));
    for (const { table: t, action } of maintenancePlan(stats)) {
      if (stopped || db.closed) break;
      const name = `${t.schema}.${t.table}`;
      const t0 = performance.now();
      try {
        await db.query(`${action} ${quoteIdent(t.schema)}.${quoteIdent(t.table)}`);
        actions.push({ table: name, action, deadRows: t.dead, changedRows: t.changed, ms: Math.round(performance.now() - t0) });
      } catch (err) {
        failed.push(name);
        log.warn({ err, table: name, action }, 'embedded store maintenance: statement failed; tried again next pass');
      }
    }
    const report = { actions, failed, ms: Math.round(performance.now() - started) };
    if (actions.length > 0) {
      log.info(
        { tables: actions.map((a) => `${a.table} (${a.action === 'ANALYZE' ? `${a.changedRows} changed` : `${a.deadRows} dead`}, ${a.ms} ms)`), ms: report.ms },
        `embedded store maintenance: ${actions.length} table(s) vacuumed or analysed`,
      );
    } else {
      log.debug({ ms: report.ms }, 'embedded store maintenance: nothing to do');
    }
    return report;
  }

  const runOnce = (): Promise<MaintenanceReport> => {
    const next = (running ?? Promise.resolve()).catch(() => undefined).then(pass);
    running = next;
    void next.finally(() => {
      if (running === next) running = undefined;
    }).catch(() => undefined);
    return next;
  };

  const timer = setInterval(() => {
    if (running || stopped || db.closed) return;
    runOnce().catch((err) => log.warn({ err }, 'embedded store maintenance pass failed; the next one runs on schedule'));
  }, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
