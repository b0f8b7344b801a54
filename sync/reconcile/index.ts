/**
 * sync/reconcile — finds drift between the source systems (Closed Won
 * opportunities without a project, CRM billing positions that differ from the
 * ERP's) and repairs it through the same workflows (docs/sync-engine.md
 * "Reconciliation").
 */
export {
  reconcile,
  scheduleReconciliation,
  invoiceDriftKey,
  type ReconcileOptions,
  type ReconcileAdapters,
  type ReconciliationReport,
  type ReconciliationFinding,
  type FindingTransaction,
  type ScheduledReconciliation,
} from './reconcile';
