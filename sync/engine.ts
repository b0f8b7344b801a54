import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { idempotencyKeySchema, SOURCE_SYSTEMS, validate, CanonicalValidationError, type SourceSystem } from '../canonical-schema';
import { createGroupCommit, createLogger, type Logger } from '../lib';
import type { Store } from '../store';
import {
  IdempotencyConflictError,
  NotReplayableError,
  SYNC_STATUSES,
  WORKFLOWS,
  type CircuitState,
  type OperationalMetricsRecord,
  type SubmitCommand,
  type SyncCallRecord,
  type SyncEngine,
  type SyncOrigin,
  type SyncStatus,
  type SyncTransactionPage,
  type SyncTransactionRecord,
  type SystemHealthRecord,
  type SystemVerdict,
  type WorkflowName,
} from './api';
import { syncBus } from './bus';
import {
  decodeCursor,
  encodeCursor,
  inputHash,
  loadTransaction,
  newTraceId,
  parseTransaction,
  publicRecord,
  toTransactionRow,
  TRANSACTION_JSON_SQL,
  type RawRow,
} from './records';
import { workflowDefinition } from './workflows';

export interface CreateSyncEngineOptions {
  store: Store;
  logger?: Logger;
  /**
   * Asks a source system whether it answers (Adapters.probe): resolves to its
   * latency in ms, rejects with a SourceError. With it, `health()` reports a
   * system DOWN as soon as it stops answering, not only once the workers'
   * circuit opens. Results are kept for `probeCacheMs`.
   */
  probe?: (system: SourceSystem) => Promise<number>;
  /** @default 2000 */
  probeCacheMs?: number;
}

/** Probe latency above which a system counts as DEGRADED. */
const SLOW_PROBE_MS = 1000;
/** Error rate of the workers' calls (over 5 minutes, at least 5 calls) above which a system counts as DEGRADED. */
const DEGRADED_ERROR_RATE = 0.2;

const ORIGINS: readonly SyncOrigin[] = ['api', 'webhook', 'reconciliation', 'replay'];
const REPLAYABLE: readonly SyncStatus[] = ['DEAD_LETTERED', 'COMPENSATED', 'FAILED'];
const traceIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be a W3C trace id (32 lower-case hex digits)');

/**
 * Approved, billable, uninvoiced time at its bill rate (the project's assignment
 * of that resource, else the resource's rate card), summed per currency, as a
 * JSON array of { amount, currency } (amounts as decimal strings). The same rule
 * as Project.unbilledAmount (subgraphs/billing/billing.calc.ts), over all projects.
 */
const UNBILLED_SQL = `SELECT coalesce(json_agg(json_build_object('amount', to_char(u.amount, 'FM999999999999990.00'), 'currency', u.currency) ORDER BY u.currency), '[]'::json)
  FROM (SELECT rate.currency, sum(te.hours::numeric * rate.amount) AS amount
    FROM time_entry te
    CROSS JOIN LATERAL (
      SELECT coalesce(a.bill_rate, r.bill_rate) AS amount, coalesce(a.bill_rate_currency, r.bill_rate_currency) AS currency
      FROM (SELECT 1) one
      LEFT JOIN resource r ON r.id = te.resource_id
      LEFT JOIN LATERAL (SELECT bill_rate, bill_rate_currency FROM assignment
        WHERE project_id = te.project_id AND resource_id = te.resource_id AND status <> 'CANCELLED' LIMIT 1) a ON true) rate
    WHERE te.status = 'APPROVED' AND te.billable AND te.invoice_id IS NULL AND rate.amount IS NOT NULL
    GROUP BY rate.currency) u`;

/** UP, DEGRADED or DOWN, and why, from the circuit, the workers' recent calls and the live probe. */
function systemStatus(
  system: SourceSystem,
  circuit: CircuitState,
  calls: number,
  errorRate: number,
  probe: { ms: number } | { error: string; code: string } | undefined,
): { status: SystemVerdict['status']; reason: string | null } {
  if (probe && 'error' in probe && probe.code !== 'RATE_LIMITED') return { status: 'DOWN', reason: `${system} does not answer: ${probe.error}` };
  if (circuit === 'OPEN') return { status: 'DOWN', reason: `the circuit breaker is open after repeated failures of calls to ${system}` };
  if (probe && 'error' in probe) return { status: 'DEGRADED', reason: `${system} is rate limiting: ${probe.error}` };
  if (circuit === 'HALF_OPEN') return { status: 'DEGRADED', reason: 'the circuit breaker is half-open: testing whether the system recovered' };
  if (calls >= 5 && errorRate >= DEGRADED_ERROR_RATE) return { status: 'DEGRADED', reason: `${Math.round(errorRate * 100)}% of the last 5 minutes' calls failed` };
  if (probe && probe.ms > SLOW_PROBE_MS) return { status: 'DEGRADED', reason: `slow: the probe took ${Math.round(probe.ms)} ms` };
  return { status: 'UP', reason: null };
}

/** One submit's arguments, as sync_submit takes them (sync_submit_many takes an array of these). */
interface SubmitRow {
  id: string;
  workflow: string;
  key: string;
  inputHash: string;
  input: unknown;
  subject: unknown;
  traceId: string;
  requestedBy: string;
  origin: string;
  steps: { position: number; name: string; system: string }[];
}

/**
 * The sync engine's API over the store (sync_transaction, sync_step, sync_outbox).
 * It never calls a source system: workers (startWorkers) do.
 */
export function createSyncEngine(options: CreateSyncEngineOptions): SyncEngine {
  const { store } = options;
  const log = options.logger ?? createLogger('sync-engine');
  const bus = syncBus(store);
  const q = <T>(sql: string, ...params: unknown[]) => store.raw<T>(sql, ...params);

  const load = (id: string) => loadTransaction(store, 'id', id);
  const probeCacheMs = options.probeCacheMs ?? 2000;
  const probes = new Map<SourceSystem, { at: number; result: Promise<{ ms: number } | { error: string; code: string }> }>();
  function probe(system: SourceSystem): Promise<{ ms: number } | { error: string; code: string }> | undefined {
    if (!options.probe) return undefined;
    const cached = probes.get(system);
    if (cached && Date.now() - cached.at < probeCacheMs) return cached.result;
    const result = options.probe(system).then(
      (ms) => ({ ms }),
      (e: unknown) => ({ error: e instanceof Error ? e.message : String(e), code: String((e as { code?: unknown }).code ?? 'ERROR') }),
    );
    probes.set(system, { at: Date.now(), result });
    return result;
  }
  const loadByKey = (key: string) => loadTransaction(store, 'idempotency_key', key);

  /**
   * The submits of this engine, grouped while the store is busy
   * (docs/decisions/group-commit.md): alone when none is in flight, else together
   * in one sync_submit_many call, ordered by idempotency key. Each resolves to the
   * transaction row as sync_submit wrote it, or null when its key was already used.
   */
  const submits = createGroupCommit<SubmitRow, string | null>({
    one: async (s) =>
      (
        await q<{ r: string }>(
          // transaction, steps and outbox row in one statement (migration *_sync_functions)
          `SELECT s AS r FROM sync_submit($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10::jsonb) s`,
          s.id,
          s.workflow,
          s.key,
          s.inputHash,
          JSON.stringify(s.input),
          JSON.stringify(s.subject),
          s.traceId,
          s.requestedBy,
          s.origin,
          JSON.stringify(s.steps),
        )
      )[0]?.r ?? null,
    many: async (batch) => {
      const rows = await q<{ i: number; r: string | null }>(`SELECT i, r FROM sync_submit_many($1::jsonb)`, JSON.stringify(batch));
      const out: (string | null)[] = batch.map(() => null);
      for (const row of rows) out[Number(row.i)] = row.r;
      return out;
    },
    // two processes' batches take the idempotency key index's locks in one order
    compare: (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  });

  const engine: SyncEngine = {
    async submit<W extends WorkflowName>(command: SubmitCommand<W>) {
      if (!(WORKFLOWS as readonly string[]).includes(command.workflow)) {
        throw new CanonicalValidationError(
          `Invalid argument "workflow": unknown workflow "${String(command.workflow)}" (expected one of ${WORKFLOWS.join(', ')})`,
          'workflow',
          [{ path: 'workflow', message: 'unknown workflow' }],
        );
      }
      const def = workflowDefinition(command.workflow);
      const key = validate(idempotencyKeySchema, command.idempotencyKey, 'idempotencyKey');
      const input = validate(def.inputSchema, command.input, 'input');
      const traceId = command.traceId === undefined ? newTraceId() : validate(traceIdSchema, command.traceId, 'traceId');
      const origin = command.origin ?? 'api';
      if (!ORIGINS.includes(origin)) throw new TypeError(`origin must be one of ${ORIGINS.join(', ')}`);
      const hash = inputHash(def.name, input);
      const id = randomUUID();
      const steps = def.steps.map((s, position) => ({ position, name: s.name, system: s.system }));
      // the transaction row as the statement wrote it: its steps are all PENDING, so
      // the record is built here rather than read back (one round trip per submit)
      const inserted = await submits.submit({
        id,
        workflow: def.name,
        key,
        inputHash: hash,
        input,
        subject: def.subject(input),
        traceId,
        requestedBy: command.requestedBy ?? 'anonymous',
        origin,
        steps,
      });
      if (inserted === null) {
        const existing = await loadByKey(key);
        if (!existing) throw new Error(`idempotency key "${key}" conflicted but its transaction is gone; retry the submit`);
        if (existing.workflow !== def.name || existing.inputHash !== hash) throw new IdempotencyConflictError(key, existing.id);
        return { transaction: publicRecord(existing), created: false };
      }
      const tx = parseTransaction(inserted);
      tx.steps = steps.map((s) => ({ name: s.name, system: s.system, status: 'PENDING', attempts: 0, lastError: null, startedAt: null, finishedAt: null }));
      const record = publicRecord(tx);
      log.info({ transactionId: id, workflow: def.name, idempotencyKey: key, traceId, origin }, 'sync transaction submitted');
      bus.emitSubmitted();
      bus.emitUpdated(record);
      return { transaction: record, created: true };
    },

    async get(id) {
      const row = await load(id);
      return row ? publicRecord(row) : null;
    },

    async list(args) {
      const first = args.first;
      if (!Number.isInteger(first) || first < 0) throw new RangeError(`first must be a non-negative integer, got ${first}`);
      const params: unknown[] = [];
      const where: string[] = [];
      if (args.status != null) {
        if (!SYNC_STATUSES.includes(args.status)) throw new RangeError(`status must be one of ${SYNC_STATUSES.join(', ')}`);
        where.push(`t.status = $${params.push(args.status)}`);
      }
      if (args.workflow != null) where.push(`t.workflow = $${params.push(args.workflow)}`);
      const filtered = where.length ? where.join(' AND ') : 'true';
      let keyset = filtered;
      if (args.after != null && args.after !== '') {
        const c = decodeCursor(args.after);
        if (!c) throw new RangeError(`after is not a cursor this API returned: "${args.after}"`);
        keyset += ` AND (t.created_at, t.id) < ($${params.push(c.createdAt)}::timestamptz, $${params.push(c.id)}::text)`;
      }
      const limit = `$${params.push(first + 1)}::int`;
      const [r] = await q<{ total: number; rows: string }>(
        `SELECT (SELECT count(*) FROM sync_transaction t WHERE ${filtered})::int AS total,
           coalesce((SELECT json_agg(p.r ORDER BY p.created_at DESC, p.id DESC) FROM (
             SELECT ${TRANSACTION_JSON_SQL.replace(/::text AS r$/, ' AS r')}, t.created_at, t.id FROM sync_transaction t
             WHERE ${keyset} ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit}) p), '[]'::json)::text AS rows`,
        ...params,
      );
      const all = (JSON.parse(r.rows) as RawRow[]).map((x) => publicRecord(toTransactionRow(x)));
      const nodes = all.slice(0, first);
      const last = nodes.at(-1);
      return {
        nodes,
        hasNextPage: all.length > first,
        endCursor: last ? encodeCursor(last.createdAt, last.id) : null,
        totalCount: Number(r.total),
      } satisfies SyncTransactionPage;
    },

    async replay(id, opts = {}) {
      const row = await load(id);
      if (!row) throw new RangeError(`no sync transaction with id ${id}`);
      if (!REPLAYABLE.includes(row.status)) throw new NotReplayableError(id, row.status);
      const fromStart = row.status === 'COMPENSATED';
      // one statement: the status guard makes a concurrent replay or worker a no-op
      const updated = await q<{ id: string }>(
        `WITH tx AS (
           UPDATE sync_transaction SET status = 'PENDING', error_code = NULL, error_message = NULL, remediation = NULL,
             finished_at = NULL, updated_at = now(),
             generation = generation + CASE WHEN $2 THEN 1 ELSE 0 END,
             context = CASE WHEN $2 THEN '{}'::jsonb ELSE context END
           WHERE id = $1 AND status = $3 RETURNING id),
         st AS (
           UPDATE sync_step s SET status = 'PENDING', last_error = NULL, finished_at = NULL
           FROM tx WHERE s.transaction_id = tx.id AND ($2 OR s.status IN ('FAILED', 'DEAD_LETTERED', 'RUNNING'))),
         ob AS (
           INSERT INTO sync_outbox (transaction_id, available_at) SELECT id, now() FROM tx
           ON CONFLICT (transaction_id) DO UPDATE SET available_at = now(), attempts = 0)
         SELECT id FROM tx`,
        id,
        fromStart,
        row.status,
      );
      if (updated.length === 0) {
        const now = await load(id);
        throw new NotReplayableError(id, now?.status ?? row.status);
      }
      const after = await load(id);
      const record = publicRecord(after!);
      log.info(
        { transactionId: id, workflow: row.workflow, from: row.status, fromStart, requestedBy: opts.requestedBy ?? 'anonymous' },
        'sync transaction replayed',
      );
      bus.emitSubmitted();
      bus.emitUpdated(record);
      return record;
    },

    async health() {
      const rows = await q<{ system: SourceSystem; state: CircuitState | null; p50: number | null; calls: number; errors: number }>(
        `SELECT s.system, c.state,
           (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY k.duration_ms) FROM sync_call k
             WHERE k.system = s.system::source_system AND k.at > now() - interval '5 minutes')::float8 AS p50,
           (SELECT count(*) FROM sync_call k WHERE k.system = s.system::source_system AND k.at > now() - interval '5 minutes')::int AS calls,
           (SELECT count(*) FROM sync_call k WHERE k.system = s.system::source_system AND k.at > now() - interval '5 minutes'
              AND k.outcome <> 'ok')::int AS errors
         FROM unnest($1::text[]) AS s(system) LEFT JOIN sync_circuit c ON c.system = s.system::source_system
         ORDER BY array_position($1::text[], s.system)`,
        [...SOURCE_SYSTEMS],
      );
      const checkedAt = new Date();
      return rows.map((r): SystemHealthRecord => {
        const calls = Number(r.calls);
        return {
          system: r.system,
          circuit: r.state ?? 'CLOSED',
          latencyP50Ms: r.p50 === null ? null : Number(r.p50),
          errorRate: calls === 0 ? 0 : Number(r.errors) / calls,
          calls,
          checkedAt,
        };
      });
    },

    async verdict(h) {
      const p = await probe(h.system);
      return { ...systemStatus(h.system, h.circuit, h.calls, h.errorRate, p), probeLatencyMs: p && 'ms' in p ? p.ms : null };
    },

    async calls(transactionId: string, limit = 200) {
      const rows = await q<{ step: string; system: SyncCallRecord['system']; operation: string; request: unknown; response: unknown; outcome: string; duration_ms: number; at: Date }>(
        `SELECT step, system::text AS system, operation, request, response, outcome, duration_ms, at
           FROM sync_call WHERE transaction_id = $1 ORDER BY at, id LIMIT $2`,
        transactionId,
        Math.max(1, Math.min(limit, 1000)),
      );
      return rows.map((r) => ({ step: r.step, system: r.system, operation: r.operation, request: r.request, response: r.response, outcome: r.outcome, durationMs: Number(r.duration_ms), at: new Date(r.at) }));
    },

    async metrics() {
      const [r] = await q<{ awaiting: number; blocked: number; backlog: number; dead: number; oldest: number | null; outbox: number; unbilled: string }>(
        `SELECT
           (SELECT count(*) FROM opportunity WHERE stage = 'CLOSED_WON' AND project_id IS NULL)::int AS awaiting,
           (SELECT count(*) FROM invoice WHERE status = 'BLOCKED')::int AS blocked,
           (SELECT count(*) FROM sync_transaction WHERE status IN ('PENDING', 'RUNNING', 'FAILED'))::int AS backlog,
           (SELECT count(*) FROM sync_transaction WHERE status = 'DEAD_LETTERED')::int AS dead,
           (SELECT extract(epoch FROM now() - min(created_at)) FROM sync_transaction WHERE status IN ('PENDING', 'FAILED'))::float8 AS oldest,
           (SELECT count(*) FROM sync_outbox)::int AS outbox,
           (${UNBILLED_SQL})::text AS unbilled`,
      );
      return {
        opportunitiesAwaitingProject: Number(r.awaiting),
        invoicesBlocked: Number(r.blocked),
        unbilledAmount: JSON.parse(r.unbilled ?? '[]') as { amount: string; currency: string }[],
        outboxDepth: Number(r.outbox),
        syncBacklog: Number(r.backlog),
        deadLettered: Number(r.dead),
        oldestPendingSeconds: r.oldest === null ? null : Math.max(0, Number(r.oldest)),
      } satisfies OperationalMetricsRecord;
    },

    onTransactionUpdated(listener: (tx: SyncTransactionRecord) => void) {
      return bus.onUpdated(listener);
    },
  };
  return engine;
}
