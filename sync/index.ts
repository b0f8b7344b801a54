/**
 * sync/ — the synchronization engine (docs/sync-engine.md): the API the
 * subgraphs and the CLI use (createSyncEngine), the workers that carry the
 * transactions across CRM, ERP and PSA (startWorkers), and the workflows.
 */
export * from './api';
export { createSyncEngine, type CreateSyncEngineOptions } from './engine';
export { StepFailure, ensureStepFailure, STEP_FAILURE_CODES, type StepFailureCode } from './errors';
export {
  WORKFLOW_DEFINITIONS,
  workflowDefinition,
  checkStaffing,
  missingMasterData,
  DEFAULT_WINDOW_WEEKS,
  type StaffingDecision,
  type StaffingRequest,
  type StaffingRefusalCode,
  type StaffingCheckOptions,
} from './workflows';
export type { WorkflowDefinition, StepDefinition, StepContext, WriterSet, DomainEventDraft } from './workflow';
/** The cursor `SyncEngine.list` pages by, for one transaction (Relay edges in the operations subgraph). */
export { encodeCursor as transactionCursor } from './records';
export { startWorkers, SYNC_DUE_CHANNEL, type StartWorkersOptions, type SyncWorkers } from './workers';
export { DEFAULT_MAX_IN_FLIGHT, DEFAULT_BREAKER, maxInFlightFromEnv, type BreakerConfig } from './policies';
export { DEFAULT_RETRY, defaultRetryStrategy, type RetryConfig, type RetryStrategy } from './retry';
/** Inbound webhooks (sync/webhooks): the receiver, signature checks and the business-event idempotency keys. */
export {
  startWebhookServer,
  DEFAULT_WEBHOOK_PORT,
  DEFAULT_WEBHOOK_SECRETS,
  verifyWebhookSignature,
  webhookSignature,
  closedWonKey,
  type WebhookServerOptions,
  type RunningWebhookServer,
  type WebhookSystem,
} from './webhooks';
/** Reconciliation (sync/reconcile): one pass, or a periodic schedule. */
export {
  reconcile,
  scheduleReconciliation,
  type ReconcileOptions,
  type ReconcileAdapters,
  type ReconciliationReport,
  type ReconciliationFinding,
  type ScheduledReconciliation,
} from './reconcile';
export { registerSyncMetrics } from './metrics';
