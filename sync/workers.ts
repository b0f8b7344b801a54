import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { parseEvent, type EntityType, type SourceSystem } from '../canonical-schema';
import { clientView, overVendorClient, tracedApi } from '../adapters/http';
import { createGroupCommit, createLogger, envInt, formatTraceparent, inSpan, telemetryEnabled, type Logger, type TraceContext } from '../lib';
import { metrics } from '../telemetry';
import type { Store } from '../store';
import type { CircuitState, SyncEngine, SyncErrorRecord, SyncStatus } from './api';
import { syncBus } from './bus';
import { ensureStepFailure, StepFailure } from './errors';
import { createSystemGates, DEFAULT_BREAKER, maxInFlightFromEnv, type BreakerConfig, type SystemGate } from './policies';
import { loadTransaction, parseTransaction, publicRecord, type TransactionRow } from './records';
import { DEFAULT_RETRY, defaultRetryStrategy, type RetryConfig, type RetryStrategy } from './retry';
import type { StepContext, StepDefinition, WorkflowDefinition, WriterSet } from './workflow';
import { workflowDefinition } from './workflows';

export interface StartWorkersOptions {
  store: Store;
  /** the writers (adapters/writes.ts) of the three systems */
  adapters: WriterSet;
  /** optional: the engine of this process (its listeners hear the workers' updates either way: they share the store) */
  engine?: SyncEngine;
  logger?: Logger;
  /** transactions run at once by this process @default TANDEM_SYNC_CONCURRENCY or 32 */
  concurrency?: number;
  /** calls in flight per system from this process @default TANDEM_<SYS>_MAX_IN_FLIGHT or CRM 20, ERP 8, PSA 20 */
  perSystemLimit?: Partial<Record<SourceSystem, number>>;
  /** a claimed transaction is this worker's for this long, renewed while it runs @default 30 */
  leaseSeconds?: number;
  /** how often to look for due work when nothing wakes the worker @default 1000 */
  pollMs?: number;
  retry?: Partial<RetryConfig>;
  /** overrides the backoff (tests) */
  retryStrategy?: RetryStrategy;
  breaker?: Partial<BreakerConfig>;
  /**
   * While busy (half the slots or more taken), how long the worker waits for an
   * eighth of its slots to be free before it claims what is free; 0 claims each
   * freed slot at once @default 25
   */
  claimGatherMs?: number;
  /** worker id, recorded as lease owner @default host:pid:random */
  id?: string;
}

export interface SyncWorkers {
  readonly id: string;
  /** Stops claiming, lets every in-flight step finish and be recorded, releases the leases, then resolves. */
  stop(): Promise<void>;
  /**
   * Simulates a crash (tests): stops at once and records nothing more; calls in
   * flight complete at the source system unrecorded, and leases expire on their own.
   */
  kill(): Promise<void>;
  /** the circuit state of each system as this process sees it */
  circuits(): Record<SourceSystem, CircuitState>;
}

const TERMINAL: ReadonlySet<SyncStatus> = new Set(['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED']);
const COMPENSATION_KEY = '$compensation';
const FAILING_SINCE_KEY = '$failingSince';
const MAX_RESPONSE_CHARS = 4000;

interface CallRecord {
  step: string;
  system: SourceSystem;
  operation: string;
  request: unknown;
  response: unknown;
  outcome: string;
  duration_ms: number;
  at: string;
}

interface StepPatch {
  position: number;
  status: SyncStatus;
  last_error?: string | null;
  keep_error?: boolean;
  attempt?: boolean;
  finished?: boolean;
}

interface Persist {
  steps?: StepPatch[];
  tx?: {
    status?: SyncStatus;
    context?: Record<string, unknown>;
    result?: unknown;
    error?: SyncErrorRecord | null;
    finished?: boolean;
  };
  outbox?: { kind: 'keep' } | { kind: 'release'; delayMs: number } | { kind: 'delete' };
  calls?: CallRecord[];
  events?: { type: string; key: string; payload: unknown; trace_id: string }[];
}

/**
 * Every state change of a claimed transaction is this ONE statement, fenced by the
 * lease: when another worker took the outbox row over (lease expired), nothing but
 * the audit rows is written and `owned` is 0. The statement is the PL/pgSQL
 * function sync_persist (migration *_sync_functions): its plan is kept for the
 * session, which saves most of the statement's cost.
 */
const PERSIST_SQL = `SELECT sync_persist($1, $2, $3::jsonb) AS owned`;

/**
 * Several step records in one call, while another is in flight (lib/group-commit.ts,
 * migration *_persist_batch): one sync_persist per entry, in one transaction.
 */
const PERSIST_MANY_SQL = `SELECT sync_persist_many($1, $2::jsonb) AS owned`;

/**
 * Claims up to $3 due outbox rows (FOR UPDATE SKIP LOCKED) with a lease of $2
 * seconds and marks each claimed transaction that has work left RUNNING, its first
 * unfinished step RUNNING with one more attempt; each comes with the transaction's
 * row as it is then (TRANSACTION_JSON_SQL's shape). The PL/pgSQL function sync_claim
 * (migrations *_sync_functions, *_claim_marks_running).
 */
const CLAIM_SQL = `SELECT transaction_id, attempts, r FROM sync_claim($1, $2::float8, $3::int)`;

/** A system API whose vendor calls continue `trace` (a real adapter; test fakes are used as they are). */
function traced<T extends object>(api: T, trace: TraceContext | undefined): T {
  return tracedApi(api, trace ? formatTraceparent(trace) : undefined);
}

/** Lease lost to another worker: stop working on the transaction. */
class LeaseLost extends Error {
  constructor(txId: string) {
    super(`lease on transaction ${txId} lost`);
    this.name = 'LeaseLost';
  }
}

function truncate(value: unknown): unknown {
  if (value === undefined) return null;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return { unserialisable: true };
  }
  if (text === undefined) return null;
  if (text.length <= MAX_RESPONSE_CHARS) return JSON.parse(text);
  return { truncated: true, length: text.length, preview: text.slice(0, MAX_RESPONSE_CHARS) };
}

/** Arguments as audited: AbortSignals dropped, anything that looks like a secret redacted. */
function redact(args: unknown[]): unknown {
  const clean = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (typeof AbortSignal !== 'undefined' && v instanceof AbortSignal) return undefined;
    if (depth > 6) return '…';
    if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x instanceof AbortSignal) continue;
      out[k] = /token|secret|password|authorization/i.test(k) ? '[redacted]' : clean(x, depth + 1);
    }
    return out;
  };
  return truncate(args.map((a) => clean(a, 0)));
}

/** NOTIFY channel of work put in the outbox (trigger on sync_outbox, any process) */
export const SYNC_DUE_CHANNEL = 'tandem_sync_due';

/**
 * Starts the workers of this process: they claim outbox rows (FOR UPDATE SKIP
 * LOCKED, with a lease), run each transaction's steps through the writers behind a
 * per-system bulkhead and circuit breaker, and record every step. Wakes at once on
 * a submit or replay in this process, and on PostgreSQL on any process's (LISTEN
 * on {@link SYNC_DUE_CHANNEL}); polls for everything else (scheduled retries, expired
 * leases). docs/sync-engine.md describes the states.
 */
export function startWorkers(options: StartWorkersOptions): SyncWorkers {
  const { store, adapters } = options;
  const id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const log = options.logger ?? createLogger('sync-workers', { worker: id });
  const concurrency = options.concurrency ?? envInt('TANDEM_SYNC_CONCURRENCY', 32, 1, 10_000);
  const leaseSeconds = options.leaseSeconds ?? 30;
  const pollMs = options.pollMs ?? 1000;
  const retryConfig: RetryConfig = { ...DEFAULT_RETRY, ...options.retry };
  const backoff = options.retryStrategy ?? defaultRetryStrategy(retryConfig);
  const breaker: BreakerConfig = { ...DEFAULT_BREAKER, ...options.breaker };
  const limits = { ...maxInFlightFromEnv(), ...options.perSystemLimit };
  const bus = syncBus(store);
  const q = <T>(sql: string, ...params: unknown[]) => store.raw<T>(sql, ...params);
  /** the span each running transaction is in (its steps' parent) */
  const txSpans = new Map<string, TraceContext>();
  /** a transaction's log lines carry its trace id */
  const workerLog = log;
  const txLog = (row: TransactionRow) => workerLog.child({ traceId: row.traceId });

  const circuitWrites: Record<SourceSystem, Promise<void>> = { CRM: Promise.resolve(), ERP: Promise.resolve(), PSA: Promise.resolve() };
  const gates = createSystemGates({
    limits,
    breaker,
    logger: log,
    onCircuit: (system, state) => {
      // HALF_OPEN → CLOSED come within a millisecond: written one after the other (a pool
      // could commit them out of order and leave HALF_OPEN recorded), and never over a newer change
      const changedAt = new Date().toISOString();
      circuitWrites[system] = circuitWrites[system]
        .then(() =>
          q(
            `INSERT INTO sync_circuit (system, state, changed_at) VALUES ($1::source_system, $2, $3::timestamptz)
             ON CONFLICT (system) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at
             WHERE sync_circuit.changed_at <= excluded.changed_at`,
            system,
            state,
            changedAt,
          ),
        )
        .then(
          () => undefined,
          (err) => log.warn({ err, system }, 'could not record the circuit state'),
        );
    },
  });

  let stopping = false;
  let killed = false;
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let kicked = false;
  let waiter: (() => void) | null = null;
  const kick = () => {
    kicked = true;
    waiter?.();
  };
  const kickIn = (ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      kick();
    }, Math.max(0, ms) + 5);
    t.unref();
    timers.add(t);
  };
  const offSubmitted = bus.onSubmitted(kick);
  // on PostgreSQL other processes submit too (a gateway, the webhook receiver, another
  // worker's replay): their outbox inserts NOTIFY this channel (migration
  // *_sync_outbox_notify). A lost LISTEN connection (null) wakes the loop as well. PGlite
  // has one process per data directory: the in-process signal above is all there is.
  const unlisten: Promise<(() => Promise<void>) | undefined> =
    store.kind === 'postgres'
      ? store.listen(SYNC_DUE_CHANNEL, kick).catch((err: unknown) => {
          log.warn({ err }, `cannot LISTEN for submitted work; other processes' submits are found at the next poll (every ${pollMs} ms)`);
          return undefined;
        })
      : Promise.resolve(undefined);

  function waitForSignal(ms: number): Promise<void> {
    if (kicked) {
      kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        waiter = null;
        kicked = false;
        resolve();
      }
      waiter = done;
    });
  }

  /** the step records of this process's running transactions, grouped while the store is busy */
  const records = createGroupCommit<{ t: string; p: Persist }, number>({
    one: async ({ t, p }) => Number((await q<{ owned: number }>(PERSIST_SQL, t, id, JSON.stringify(p)))[0].owned),
    many: async (entries) => (await q<{ owned: number[] }>(PERSIST_MANY_SQL, id, JSON.stringify(entries)))[0].owned.map(Number),
    // in transaction id order: two worker processes' batches lock their rows in one order
    compare: (a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0),
  });

  async function persist(txId: string, p: Persist): Promise<void> {
    if (killed) throw new LeaseLost(txId);
    const owned = await records.submit({ t: txId, p });
    if (owned === 0) throw new LeaseLost(txId);
  }

  const load = (txId: string) => loadTransaction(store, 'id', txId);

  async function announce(txId: string): Promise<void> {
    if (!bus.hasUpdateListeners()) return;
    try {
      const row = await load(txId);
      if (row) bus.emitUpdated(publicRecord(row));
    } catch (err) {
      log.warn({ err, transactionId: txId }, 'could not load the transaction to announce it');
    }
  }

  /** The writers for one step: every call through the system's gate, audited into `calls`. */
  function gatedWriters(stepName: string, calls: CallRecord[], trace: TraceContext | undefined): WriterSet {
    const wrapSystem = <S extends SourceSystem>(system: S, gate: SystemGate): WriterSet[S] => {
      const api = adapters[system];
      // over a vendor client each request is admitted on its own (see SystemGate); a fake is admitted whole
      const perRequest = overVendorClient(api);
      const view = perRequest ? clientView(api, { traceparent: trace ? formatTraceparent(trace) : undefined, admission: gate.admission }) : traced(api, trace);
      const gated = perRequest ? gate.guard : gate.run;
      return new Proxy(view, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            const at = new Date();
            const started = performance.now();
            const record = (outcome: string, response: unknown) =>
              calls.push({
                step: stepName,
                system,
                operation: `${system}.${String(prop)}`,
                request: redact(args),
                response: truncate(response),
                outcome,
                duration_ms: Math.round(performance.now() - started),
                at: at.toISOString(),
              });
            try {
              const result = await gated(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
              record('ok', result);
              return result;
            } catch (e) {
              const f = ensureStepFailure(e);
              // a call the breaker refused never reached the system: not audited as a call
              if (f.code !== 'CIRCUIT_OPEN') record((e as { code?: string }).code ?? f.code, { error: f.message });
              throw e;
            }
          };
        },
      }) as WriterSet[S];
    };
    return { CRM: wrapSystem('CRM', gates.CRM), ERP: wrapSystem('ERP', gates.ERP), PSA: wrapSystem('PSA', gates.PSA) };
  }

  function stepContext<I>(
    row: TransactionRow,
    step: StepDefinition<I>,
    outputs: Record<string, unknown>,
    calls: CallRecord[],
    trace: TraceContext | undefined,
    undo = false,
  ): StepContext<I> {
    const w = gatedWriters(step.name, calls, trace);
    return {
      transactionId: row.id,
      traceId: row.traceId,
      input: row.input as I,
      outputs,
      idempotencyKey: `${row.id}:${step.name}:${row.generation}${undo ? ':undo' : ''}`,
      crm: w.CRM,
      erp: w.ERP,
      psa: w.PSA,
      store,
      async externalId(entity: EntityType, canonicalId: string, system: SourceSystem, label = entity) {
        const ids = (await store.externalIds(entity, [canonicalId])).get(canonicalId) ?? [];
        const found = ids.find((x) => x.system === system);
        if (!found) {
          throw new StepFailure('UNKNOWN_RECORD', `no ${system} record is known for ${label} ${canonicalId}`, {
            remediation: `Check that ${label} ${canonicalId} exists (query it through the graph so Tandem learns its ${system} id), then replay the transaction`,
          });
        }
        return found.id;
      },
    };
  }

  /**
   * One step attempt (or its undo) in a span, a child of the transaction's span
   * (so its vendor calls carry the transaction's trace), timed and counted in
   * `tandem_workflow_step*`.
   */
  function inStep<T>(row: TransactionRow, step: StepDefinition<unknown>, run: (trace: TraceContext | undefined) => Promise<T>, phase: 'do' | 'undo' = 'do'): Promise<T> {
    const parent = txSpans.get(row.id);
    if (!telemetryEnabled() || !parent) return run(parent);
    const name = phase === 'undo' ? `${step.name}:undo` : step.name;
    return inSpan(`step ${name}`, { parent, attributes: { 'sync.step': name, 'source.system': step.system } }, async (ctx) => {
      const started = performance.now();
      try {
        const out = await run(ctx);
        metrics.workflowSteps.inc({ workflow: row.workflow, step: name, outcome: 'succeeded' });
        return out;
      } finally {
        metrics.stepDuration.observe({ workflow: row.workflow, step: name }, (performance.now() - started) / 1000);
      }
    });
  }

  /** A transaction reached a final status: its duration from submit into `tandem_workflow_duration_seconds`. */
  function finished(row: TransactionRow, status: 'SUCCEEDED' | 'DEAD_LETTERED' | 'COMPENSATED', failedStep?: string): void {
    if (!telemetryEnabled()) return;
    const seconds = Math.max(0, (Date.now() - new Date(row.createdAt).getTime()) / 1000);
    metrics.workflowDuration.observe({ workflow: row.workflow, status }, seconds);
    if (failedStep) metrics.workflowSteps.inc({ workflow: row.workflow, step: failedStep, outcome: 'dead_lettered' });
  }

  /** Runs one claimed transaction as far as it goes now. */
  async function runTransaction(txId: string, claims: number, claimed: TransactionRow | null): Promise<void> {
    const log = claimed ? txLog(claimed) : workerLog;
    const heartbeat = setInterval(() => {
      if (killed) return;
      q(`UPDATE sync_outbox SET lease_until = now() + ($3::float8 * interval '1 second') WHERE transaction_id = $1 AND lease_owner = $2`, txId, id, leaseSeconds).catch(
        (err) => log.warn({ err, transactionId: txId }, 'lease renewal failed'),
      );
    }, Math.max(200, (leaseSeconds * 1000) / 3));
    heartbeat.unref();
    try {
      // the claim read the row (one statement for both)
      const row = claimed;
      if (!row || TERMINAL.has(row.status)) {
        // finished elsewhere (or vanished): the outbox row is left over
        await q(`DELETE FROM sync_outbox WHERE transaction_id = $1 AND lease_owner = $2`, txId, id);
        return;
      }
      const def = workflowDefinition(row.workflow) as WorkflowDefinition;
      const ctxData = { ...row.context };
      if (ctxData[COMPENSATION_KEY]) {
        await compensate(row, def, ctxData, claims);
        return;
      }
      const first = row.steps.findIndex((s) => s.status !== 'SUCCEEDED');
      if (first < 0) {
        await finish(row, def, ctxData, []);
        return;
      }
      // the claim marked the transaction and its first unfinished step RUNNING, one more attempt (sync_claim)
      void announce(txId);
      for (let position = first; position < def.steps.length; position++) {
        const step = def.steps[position];
        const calls: CallRecord[] = [];
        let output: unknown;
        try {
          output = await inStep(row, step, (trace) => step.run(stepContext(row, step, ctxData, calls, trace)));
        } catch (e) {
          if (e instanceof LeaseLost) throw e;
          await failStep(row, def, ctxData, position, ensureStepFailure(e), calls, claims);
          return;
        }
        ctxData[step.name] = output === undefined ? null : output;
        const patch: Record<string, unknown> = { [step.name]: ctxData[step.name], [FAILING_SINCE_KEY]: null };
        delete ctxData[FAILING_SINCE_KEY];
        const last = position === def.steps.length - 1;
        if (last) {
          await finish(row, def, ctxData, calls, { position, patch });
          return;
        }
        if (stopping) {
          // draining: record the step, hand the rest back to the queue
          await persist(txId, {
            steps: [{ position, status: 'SUCCEEDED', last_error: null, finished: true }],
            tx: { status: 'PENDING', context: patch },
            outbox: { kind: 'release', delayMs: 0 },
            calls,
          });
          void announce(txId);
          return;
        }
        await persist(txId, {
          steps: [
            { position, status: 'SUCCEEDED', last_error: null, finished: true },
            { position: position + 1, status: 'RUNNING', attempt: true, keep_error: true },
          ],
          tx: { context: patch },
          calls,
        });
      }
    } catch (e) {
      if (e instanceof LeaseLost) {
        log.warn({ transactionId: txId }, 'lease lost: another worker owns the transaction now');
        return;
      }
      log.error({ err: e, transactionId: txId }, 'worker failed while running a transaction; it will be retried when its lease expires');
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function finish(
    row: TransactionRow,
    def: WorkflowDefinition,
    outputs: Record<string, unknown>,
    calls: CallRecord[],
    lastStep?: { position: number; patch: Record<string, unknown> },
  ): Promise<void> {
    const log = txLog(row);
    const input = row.input as never;
    const result = def.result(outputs, input);
    const events = (def.events?.(outputs, input, row.id) ?? []).map((e) => ({
      type: e.type,
      key: e.key,
      payload: parseEvent(e.type, e.payload),
      trace_id: row.traceId,
    }));
    // the canonical cache first: whoever sees SUCCEEDED (a poller, a subscriber) and then reads the
    // graph finds what the transaction made (the project, the opportunity's link), not the rows before it
    if (def.refresh) {
      try {
        await def.refresh(outputs, input, store);
      } catch (err) {
        log.warn({ err, transactionId: row.id }, 'could not refresh the cache after the transaction; reads will refresh it');
      }
    }
    await persist(row.id, {
      steps: lastStep ? [{ position: lastStep.position, status: 'SUCCEEDED', last_error: null, finished: true }] : [],
      tx: { status: 'SUCCEEDED', context: lastStep?.patch ?? {}, result, error: null, finished: true },
      outbox: { kind: 'delete' },
      calls,
      events,
    });
    finished(row, 'SUCCEEDED');
    log.info({ transactionId: row.id, workflow: row.workflow, result }, 'sync transaction succeeded');
    void announce(row.id);
  }

  async function failStep(
    row: TransactionRow,
    def: WorkflowDefinition,
    ctxData: Record<string, unknown>,
    position: number,
    failure: StepFailure,
    calls: CallRecord[],
    claims: number,
  ): Promise<void> {
    const log = txLog(row);
    const step = def.steps[position];
    const message = failure.message;
    if (failure.retryable) {
      const since = typeof ctxData[FAILING_SINCE_KEY] === 'string' ? Date.parse(ctxData[FAILING_SINCE_KEY] as string) : Date.now();
      if (Date.now() - since <= retryConfig.maxAgeMs) {
        let f = failure;
        if (failure.code === 'CIRCUIT_OPEN') {
          const wait = gates[step.system].msUntilHalfOpen();
          f = new StepFailure('CIRCUIT_OPEN', `${step.system} unavailable: its circuit breaker is open after repeated failures; retried when it half-opens`, {
            retryable: true,
            retryAfterMs: wait + Math.random() * breaker.halfOpenAfterMs * 0.5,
          });
        }
        const delayMs = backoff(claims, f);
        await persist(row.id, {
          steps: [{ position, status: 'FAILED', last_error: f.message }],
          tx: { status: 'FAILED', context: { [FAILING_SINCE_KEY]: new Date(since).toISOString() } },
          outbox: { kind: 'release', delayMs },
          calls,
        });
        if (telemetryEnabled()) metrics.workflowSteps.inc({ workflow: row.workflow, step: step.name, outcome: 'retry' });
        log.info({ transactionId: row.id, step: step.name, code: failure.code, delayMs, claims }, 'step failed transiently; retry scheduled');
        kickIn(delayMs);
        void announce(row.id);
        return;
      }
      failure = new StepFailure('RETRIES_EXHAUSTED', `${step.system} kept failing for ${Math.round((Date.now() - since) / 60_000)} min: ${message}`, {
        remediation: `Check that the ${step.system} is reachable and healthy (integrationHealth), then replay the transaction`,
      });
    }
    const error: SyncErrorRecord = { code: failure.code, message: failure.message, remediation: failure.remediation };
    const toUndo = def.steps.slice(0, position).filter((s, i) => s.compensate && row.steps[i] && ctxData[s.name] !== undefined);
    if (toUndo.length === 0) {
      await persist(row.id, {
        steps: [{ position, status: 'DEAD_LETTERED', last_error: message, finished: true }],
        tx: { status: 'DEAD_LETTERED', error, finished: true },
        outbox: { kind: 'delete' },
        calls,
      });
      finished(row, 'DEAD_LETTERED', step.name);
      log.warn({ transactionId: row.id, step: step.name, error }, 'sync transaction dead-lettered');
      void announce(row.id);
      return;
    }
    ctxData[COMPENSATION_KEY] = { error, failedPosition: position };
    await persist(row.id, {
      steps: [{ position, status: 'DEAD_LETTERED', last_error: message, finished: true }],
      tx: { context: { [COMPENSATION_KEY]: ctxData[COMPENSATION_KEY] }, error },
      calls,
    });
    log.warn({ transactionId: row.id, step: step.name, error }, 'step failed for good; compensating earlier steps');
    await compensate(row, def, ctxData, claims);
  }

  /** Undoes the succeeded steps before the failed one, newest first; resumable after a crash or a transient failure. */
  async function compensate(row: TransactionRow, def: WorkflowDefinition, ctxData: Record<string, unknown>, claims: number): Promise<void> {
    const log = txLog(row);
    const comp = ctxData[COMPENSATION_KEY] as { error: SyncErrorRecord; failedPosition: number };
    const current = await load(row.id);
    const statuses = current?.steps.map((s) => s.status) ?? [];
    for (let position = comp.failedPosition - 1; position >= 0; position--) {
      const step = def.steps[position];
      if (!step.compensate || statuses[position] !== 'SUCCEEDED') continue;
      const calls: CallRecord[] = [];
      try {
        await inStep(row, step, (trace) => step.compensate!(stepContext(row, step, ctxData, calls, trace, true), ctxData[step.name]), 'undo');
      } catch (e) {
        if (e instanceof LeaseLost) throw e;
        const f = ensureStepFailure(e);
        if (f.retryable) {
          const delayMs = backoff(claims, f);
          await persist(row.id, { tx: { status: 'FAILED' }, outbox: { kind: 'release', delayMs }, calls });
          log.info({ transactionId: row.id, step: step.name, code: f.code, delayMs }, 'compensation failed transiently; retry scheduled');
          kickIn(delayMs);
          void announce(row.id);
          return;
        }
        const error: SyncErrorRecord = {
          code: 'COMPENSATION_FAILED',
          message: `${comp.error.message}; then undoing ${step.name} failed: ${f.message}`,
          remediation: `Undo ${step.name} by hand in the ${step.system} (${JSON.stringify(ctxData[step.name])}), or fix the cause and replay to retry the undo. Original failure: ${comp.error.remediation ?? comp.error.message}`,
        };
        await persist(row.id, { tx: { status: 'DEAD_LETTERED', error, finished: true }, outbox: { kind: 'delete' }, calls });
        finished(row, 'DEAD_LETTERED', step.name);
        log.error({ transactionId: row.id, step: step.name, error }, 'compensation failed for good');
        void announce(row.id);
        return;
      }
      await persist(row.id, { steps: [{ position, status: 'COMPENSATED', keep_error: true, finished: true }], calls });
    }
    await persist(row.id, {
      tx: { status: 'COMPENSATED', error: comp.error, finished: true, context: { [COMPENSATION_KEY]: null } },
      outbox: { kind: 'delete' },
    });
    finished(row, 'COMPENSATED');
    log.warn({ transactionId: row.id, error: comp.error }, 'sync transaction compensated');
    void announce(row.id);
  }

  async function claim(n: number): Promise<{ transaction_id: string; attempts: number; r: string | null }[]> {
    return q(CLAIM_SQL, id, leaseSeconds, n);
  }

  // While busy (half the slots or more taken), the loop lets a few slots free up and
  // claims them with one statement: each claim costs about as much again as the
  // rows it claims (docs/decisions/group-commit.md); idle, it claims at once.
  const minClaim = Math.max(1, Math.floor(concurrency / 8));
  const claimGatherMs = Math.max(0, options.claimGatherMs ?? 25);
  const loop = (async () => {
    while (!stopping) {
      if (claimGatherMs > 0 && inFlight.size >= concurrency / 2 && concurrency - inFlight.size < minClaim) {
        const until = Date.now() + claimGatherMs;
        while (!stopping && concurrency - inFlight.size < minClaim && Date.now() < until) await waitForSignal(until - Date.now());
        if (stopping) break;
      }
      const free = concurrency - inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await claim(free);
          claimed = rows.length;
          for (const r of rows) {
            const row = r.r === null ? null : parseTransaction(r.r);
            const run = () => runTransaction(r.transaction_id, Number(r.attempts), row);
            // the transaction's work continues the trace of the request that submitted it (SyncTransaction.traceId)
            const work =
              row && /^[\da-f]{32}$/.test(row.traceId)
                ? inSpan(`sync ${row.workflow}`, { kind: 'consumer', parent: { traceId: row.traceId }, attributes: { 'sync.transaction': row.id, 'sync.workflow': row.workflow } }, (ctx) => {
                    txSpans.set(row.id, ctx);
                    return run().finally(() => txSpans.delete(row.id));
                  })
                : run();
            const p = work.finally(() => {
              inFlight.delete(p);
              kick();
            });
            inFlight.add(p);
          }
        } catch (err) {
          if (stopping) break;
          log.error({ err }, 'claiming work failed; trying again at the next poll');
        }
      }
      if (stopping) break;
      if (free > 0 && claimed === free) continue;
      await waitForSignal(pollMs);
    }
  })();

  log.info({ concurrency, limits, leaseSeconds, pollMs }, 'sync workers started');

  const shutdown = async (kill: boolean) => {
    stopping = true;
    if (kill) {
      killed = true;
      // a crash: records not yet sent are never written
      records.abort(new LeaseLost('(killed)'));
    }
    kick();
    offSubmitted();
    await (await unlisten)?.().catch(() => undefined);
    await loop;
    if (!kill) await Promise.allSettled([...inFlight]);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    log.info({ killed: kill }, 'sync workers stopped');
  };

  return {
    id,
    stop: () => shutdown(false),
    kill: () => shutdown(true),
    circuits: () => ({ CRM: gates.CRM.circuit(), ERP: gates.ERP.circuit(), PSA: gates.PSA.circuit() }),
  };
}
