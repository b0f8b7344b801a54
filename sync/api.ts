import type { AssignmentInput, ChangeOrderInput, CustomerInput, SourceSystem, TimeEntryInput } from '../canonical-schema';

/**
 * The sync engine's public contract: what the subgraphs (mutations, the
 * operations subgraph), the runtime and the CLI use. docs/sync-engine.md explains
 * the design (outbox, workers, steps, retries, dead letters, compensation, replay).
 */

/** The workflows, named as SyncTransaction.workflow shows them. */
export const WORKFLOWS = [
  'opportunity-to-project',
  'customer-master',
  'change-order',
  'staffing',
  'time-submission',
  'time-approval',
  'time-to-invoice',
  'payment',
  /** ERP invoice status → CRM account (from the ERP webhook and reconciliation) */
  'invoice-status',
] as const;
export type WorkflowName = (typeof WORKFLOWS)[number];

/** Every id in a workflow input is a canonical (Tandem) id. */
export interface WorkflowInputs {
  'opportunity-to-project': { opportunityId: string };
  'customer-master': CustomerInput;
  'change-order': ChangeOrderInput;
  staffing: AssignmentInput;
  'time-submission': { entries: TimeEntryInput[] };
  'time-approval': { ids: string[] };
  'time-to-invoice': { projectId: string; periodEnd: string };
  /** amount is a decimal string in the invoice's currency */
  payment: { invoiceId: string; amount: string };
  'invoice-status': { invoiceId: string };
}

export const SYNC_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DEAD_LETTERED', 'COMPENSATED'] as const;
/**
 * Transaction: PENDING (queued, not started), RUNNING (a worker holds it),
 * FAILED (a step failed transiently; a retry is scheduled), SUCCEEDED,
 * DEAD_LETTERED (failed for good, nothing to undo, or undo impossible: replayable),
 * COMPENSATED (failed for good after earlier steps changed systems; those were undone).
 * Step: PENDING, RUNNING, SUCCEEDED, FAILED (last attempt failed, will retry),
 * DEAD_LETTERED (the step that failed for good), COMPENSATED (its effect was undone).
 */
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export interface SyncStepRecord {
  name: string;
  system: SourceSystem;
  status: SyncStatus;
  attempts: number;
  lastError: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface SyncErrorRecord {
  /** e.g. MASTER_DATA_INCOMPLETE, NOT_CLOSED_WON, SOURCE_REJECTED, SOURCE_UNAVAILABLE */
  code: string;
  message: string;
  /** what a person should do, naming the system, record and field ("Set Tax_Id__c on CRM Account 001… (Acme Ltd), then replay") */
  remediation: string | null;
}

export type SyncOrigin = 'api' | 'webhook' | 'reconciliation' | 'replay';

export interface SyncTransactionRecord {
  id: string;
  workflow: WorkflowName;
  status: SyncStatus;
  idempotencyKey: string;
  /** every step of the workflow in order, including those not started yet (PENDING) */
  steps: SyncStepRecord[];
  error: SyncErrorRecord | null;
  traceId: string;
  /** who asked: the caller's subject (governance fills it in later), `webhook:crm`, `reconciliation`, or `anonymous` */
  requestedBy: string;
  origin: SyncOrigin;
  input: unknown;
  /** what the workflow produced (canonical ids of created records, e.g. { projectId, customerId }) once SUCCEEDED */
  result: Record<string, unknown> | null;
  /** canonical ids the transaction is about, for filtering subscriptions (customerId, projectId, invoiceId, opportunityId) */
  subject: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface SubmitCommand<W extends WorkflowName = WorkflowName> {
  workflow: W;
  input: WorkflowInputs[W];
  idempotencyKey: string;
  requestedBy?: string;
  /** W3C trace id of the request; a new one is made when absent */
  traceId?: string;
  origin?: SyncOrigin;
}

export interface SyncTransactionPage {
  nodes: SyncTransactionRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** UP: answering and healthy; DEGRADED: answering but slow, rate limiting, failing often or half-open; DOWN: not answering or circuit open. */
export type SystemStatus = 'UP' | 'DEGRADED' | 'DOWN';

export interface SystemHealthRecord {
  system: SourceSystem;
  circuit: CircuitState;
  /** p50 latency of the workers' calls to the system over the last 5 minutes (null: no calls) */
  latencyP50Ms: number | null;
  /** share of those calls that failed, 0..1 */
  errorRate: number;
  /** the workers' calls over the last 5 minutes */
  calls: number;
  checkedAt: Date;
}

/** A system's verdict: {@link SyncEngine.verdict}. */
export interface SystemVerdict {
  /** from the circuit, the error rate and a live probe of the system */
  status: SystemStatus;
  /** latency of the live probe (null: no probe configured, or it failed) */
  probeLatencyMs: number | null;
  /** why the system is not UP, when it is not */
  reason: string | null;
}

/** One call a step made to a source system (the audit trail, table sync_call). */
export interface SyncCallRecord {
  step: string;
  system: SourceSystem;
  /** the writer operation, e.g. ERP.createProject */
  operation: string;
  /** what was sent (canonical arguments, secrets redacted) */
  request: unknown;
  /** what came back (truncated), or the error */
  response: unknown;
  /** `ok`, or the error code */
  outcome: string;
  durationMs: number;
  at: Date;
}

export interface OperationalMetricsRecord {
  opportunitiesAwaitingProject: number;
  invoicesBlocked: number;
  /** approved, billable, uninvoiced time at its bill rate, one amount per currency */
  unbilledAmount: { amount: string; currency: string }[];
  /** outbox rows waiting for or held by a worker */
  outboxDepth: number;
  /** transactions PENDING, RUNNING or FAILED */
  syncBacklog: number;
  deadLettered: number;
  /** age of the oldest PENDING/FAILED transaction, null when none */
  oldestPendingSeconds: number | null;
}

/** Rejects a submit whose idempotency key was used before for another workflow or input. */
export class IdempotencyConflictError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(readonly idempotencyKey: string, readonly existingTransactionId: string) {
    super(`idempotency key "${idempotencyKey}" was already used for transaction ${existingTransactionId} with a different workflow or input`);
    this.name = 'IdempotencyConflictError';
  }
}

/** Rejects a replay of a transaction that is not DEAD_LETTERED, COMPENSATED or FAILED. */
export class NotReplayableError extends Error {
  readonly code = 'NOT_REPLAYABLE';
  constructor(readonly transactionId: string, readonly status: SyncStatus) {
    super(`transaction ${transactionId} is ${status}; only DEAD_LETTERED, COMPENSATED or FAILED transactions can be replayed`);
    this.name = 'NotReplayableError';
  }
}

/**
 * The engine's API, usable from any process that has the store (subgraphs, CLI).
 * It never calls a source system itself: workers do (see startWorkers).
 */
export interface SyncEngine {
  /**
   * Records the transaction (PENDING, its steps PENDING) and its outbox row in one
   * database transaction and returns at once. The same idempotency key with the same
   * workflow and input returns the existing transaction (`created: false`); with a
   * different workflow or input it throws IdempotencyConflictError.
   */
  submit<W extends WorkflowName>(command: SubmitCommand<W>): Promise<{ transaction: SyncTransactionRecord; created: boolean }>;
  get(id: string): Promise<SyncTransactionRecord | null>;
  list(args: { status?: SyncStatus | null; workflow?: string | null; first: number; after?: string | null }): Promise<SyncTransactionPage>;
  /** Re-queues a failed transaction from its failed step (from the start when COMPENSATED). */
  replay(id: string, options?: { requestedBy?: string }): Promise<SyncTransactionRecord>;
  health(): Promise<SystemHealthRecord[]>;
  /**
   * UP, DEGRADED or DOWN for one system's health record, with a live probe of the
   * system when the engine has one (one call, its result kept ~2 s). Separate from
   * `health()` so that only those who ask for the verdict make the probe's call.
   */
  verdict(health: SystemHealthRecord): Promise<SystemVerdict>;
  /** The audit trail of a transaction: every source-system call its steps made, oldest first (at most `limit`). */
  calls(transactionId: string, limit?: number): Promise<SyncCallRecord[]>;
  metrics(): Promise<OperationalMetricsRecord>;
  /** Called after every status change of any transaction committed through this process's engine or workers. */
  onTransactionUpdated(listener: (tx: SyncTransactionRecord) => void): () => void;
}
