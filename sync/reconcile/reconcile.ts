import { randomUUID } from 'node:crypto';
import type { CrmWriter, ErpWriter } from '../../adapters/writes';
import { canonicalId, Decimal, type InvoiceStatus, type Money } from '../../canonical-schema';
import { createLogger, envInt, type Logger } from '../../lib';
import type { Store } from '../../store';
import type { SyncEngine, SyncStatus } from '../api';
import { closedWonKey } from '../webhooks';

/** What reconciliation reads: the writers' reconciliation methods (adapters/writes.ts). */
export interface ReconcileAdapters {
  CRM: Pick<CrmWriter, 'listClosedWonWithoutProject' | 'listAccountBilling'>;
  ERP: Pick<ErpWriter, 'listCustomerBilling'>;
}

export interface ReconcileOptions {
  engine: SyncEngine;
  adapters: ReconcileAdapters;
  /** reconciliation_run and the id map */
  store: Store;
  /** @default createLogger('reconcile') */
  logger?: Logger;
  signal?: AbortSignal;
}

/** What a submit for a finding gave back. */
export interface FindingTransaction {
  transactionId: string;
  /** false: the key was used before (a webhook or an earlier run already submitted it) */
  created: boolean;
  status: SyncStatus;
}

export type ReconciliationFinding =
  | ({
      kind: 'closed-won-without-project';
      crmOpportunityId: string;
      crmAccountId: string;
      /** canonical id */
      opportunityId: string;
    } & FindingTransaction)
  | ({
      kind: 'invoice-status-drift';
      crmAccountId: string;
      erpCustomerId: string;
      erpInvoiceId: string;
      /** canonical id of the invoice whose status is copied */
      invoiceId: string;
      crm: { arBalance: Money | null; invoiceStatus: InvoiceStatus | null };
      erp: { arBalance: Money; invoiceStatus: InvoiceStatus | null };
    } & FindingTransaction);

export interface ReconciliationReport {
  /** reconciliation_run.id */
  id: string;
  startedAt: Date;
  finishedAt: Date;
  findings: ReconciliationFinding[];
  /** transaction ids of every submit, new or existing, in finding order */
  submitted: string[];
  /** how many of those are new transactions */
  repaired: number;
}

/**
 * The idempotency key of an invoice-status repair: one per ERP state observed
 * (latest invoice, its status, the customer's balance), so runs that see the
 * same unrepaired drift reuse one transaction, and a new ERP state gets a new one.
 */
export function invoiceDriftKey(erpInvoiceId: string, status: InvoiceStatus | null, arBalance: Money): string {
  return `reconcile:invoice-status:${erpInvoiceId}:${status ?? 'none'}:${arBalance.amount}${arBalance.currency}`;
}

function sameMoney(a: Money | null, b: Money): boolean {
  return a !== null && a.currency === b.currency && new Decimal(a.amount).equals(b.amount);
}

/**
 * One reconciliation pass (docs/sync-engine.md "Reconciliation"): finds Closed
 * Won opportunities without a project and CRM accounts whose billing position
 * differs from the ERP's, submits opportunity-to-project / invoice-status for
 * them, and records the run in reconciliation_run. A conversion uses the
 * webhook's key (`closedWonKey`), so the two never convert one opportunity twice.
 * A failed pass is recorded with its error and rethrown.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconciliationReport> {
  const { engine, adapters, store, signal } = options;
  const log = options.logger ?? createLogger('reconcile');
  const id = randomUUID();
  const startedAt = new Date();
  await store.prisma.reconciliationRun.create({ data: { id, startedAt } });
  log.info({ runId: id }, 'reconciliation started');
  const findings: ReconciliationFinding[] = [];
  try {
    const [closedWon, accounts, customers] = await Promise.all([
      adapters.CRM.listClosedWonWithoutProject(signal),
      adapters.CRM.listAccountBilling(signal),
      adapters.ERP.listCustomerBilling(signal),
    ]);

    // Closed Won without a project → opportunity-to-project, with the webhook's key
    await store.linkExternalIds(
      'opportunity',
      closedWon.map((o) => ({ canonicalId: canonicalId('opportunity', o.crmOpportunityId), system: 'CRM', externalId: o.crmOpportunityId })),
    );
    for (const o of closedWon) {
      signal?.throwIfAborted();
      const opportunityId = canonicalId('opportunity', o.crmOpportunityId);
      const { transaction, created } = await engine.submit({
        workflow: 'opportunity-to-project',
        input: { opportunityId },
        idempotencyKey: closedWonKey(o.crmOpportunityId),
        origin: 'reconciliation',
        requestedBy: 'reconciliation',
      });
      findings.push({ kind: 'closed-won-without-project', ...o, opportunityId, transactionId: transaction.id, created, status: transaction.status });
    }

    // CRM billing position ≠ ERP's → invoice-status for the customer's latest invoice
    const erpByCustomer = new Map(customers.map((c) => [c.erpCustomerId, c]));
    const drifts = accounts.flatMap((a) => {
      const erp = erpByCustomer.get(a.erpCustomerId);
      if (!erp || erp.latestErpInvoiceId === null) return [];
      if (a.invoiceStatus === erp.latestInvoiceStatus && sameMoney(a.arBalance, erp.arBalance)) return [];
      return [{ account: a, erp, erpInvoiceId: erp.latestErpInvoiceId }];
    });
    const customerLinks = drifts.map(({ account }) => canonicalId('customer', account.crmAccountId));
    await store.linkExternalIds(
      'customer',
      drifts.flatMap(({ account }, i) => [
        { canonicalId: customerLinks[i], system: 'CRM' as const, externalId: account.crmAccountId },
        { canonicalId: customerLinks[i], system: 'ERP' as const, externalId: account.erpCustomerId },
      ]),
    );
    await store.linkExternalIds(
      'invoice',
      drifts.map((d) => ({ canonicalId: canonicalId('invoice', d.erpInvoiceId), system: 'ERP', externalId: d.erpInvoiceId })),
    );
    for (const { account, erp, erpInvoiceId } of drifts) {
      signal?.throwIfAborted();
      const invoiceId = canonicalId('invoice', erpInvoiceId);
      const { transaction, created } = await engine.submit({
        workflow: 'invoice-status',
        input: { invoiceId },
        idempotencyKey: invoiceDriftKey(erpInvoiceId, erp.latestInvoiceStatus, erp.arBalance),
        origin: 'reconciliation',
        requestedBy: 'reconciliation',
      });
      findings.push({
        kind: 'invoice-status-drift',
        crmAccountId: account.crmAccountId,
        erpCustomerId: account.erpCustomerId,
        erpInvoiceId,
        invoiceId,
        crm: { arBalance: account.arBalance, invoiceStatus: account.invoiceStatus },
        erp: { arBalance: erp.arBalance, invoiceStatus: erp.latestInvoiceStatus },
        transactionId: transaction.id,
        created,
        status: transaction.status,
      });
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await store.prisma.reconciliationRun
      .update({ where: { id }, data: { finishedAt: new Date(), findings: toJson(findings), submitted: findings.map((f) => f.transactionId), repaired: countNew(findings), error: message } })
      .catch((err: unknown) => log.error({ err, runId: id }, 'cannot record the failed reconciliation run'));
    log.error({ runId: id, err: e, findings: findings.length }, 'reconciliation failed');
    throw e;
  }

  const finishedAt = new Date();
  const submitted = findings.map((f) => f.transactionId);
  const repaired = countNew(findings);
  await store.prisma.reconciliationRun.update({ where: { id }, data: { finishedAt, findings: toJson(findings), submitted, repaired } });
  const byKind = (k: ReconciliationFinding['kind']) => findings.filter((f) => f.kind === k).length;
  log.info(
    {
      runId: id,
      closedWonWithoutProject: byKind('closed-won-without-project'),
      invoiceStatusDrift: byKind('invoice-status-drift'),
      submitted: submitted.length,
      repaired,
      ms: finishedAt.getTime() - startedAt.getTime(),
    },
    'reconciliation finished',
  );
  return { id, startedAt, finishedAt, findings, submitted, repaired };
}

function countNew(findings: readonly ReconciliationFinding[]): number {
  return findings.filter((f) => f.created).length;
}

function toJson(findings: readonly ReconciliationFinding[]): object[] {
  return JSON.parse(JSON.stringify(findings)) as object[];
}

export interface ScheduledReconciliation {
  /** Cancels the timer and aborts a run in progress; resolves when it has ended. */
  stop(): Promise<void>;
}

/**
 * Runs {@link reconcile} every `intervalSeconds` (TANDEM_RECONCILE_INTERVAL_SECONDS,
 * default 300; 0 turns it off), the first run one interval after the call.
 * Runs never overlap; a failed run is logged and the next one runs on time.
 */
export function scheduleReconciliation(options: ReconcileOptions & { intervalSeconds?: number }): ScheduledReconciliation {
  const intervalSeconds = options.intervalSeconds ?? envInt('TANDEM_RECONCILE_INTERVAL_SECONDS', 300, 0, 7 * 24 * 3600);
  const log = options.logger ?? createLogger('reconcile');
  if (intervalSeconds === 0) {
    log.info('periodic reconciliation is off (TANDEM_RECONCILE_INTERVAL_SECONDS=0)');
    return { stop: async () => undefined };
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let controller: AbortController | undefined;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      controller = new AbortController();
      running = reconcile({ ...options, logger: log, signal: controller.signal })
        .then(
          () => undefined,
          (e: unknown) => {
            if (!stopped) log.warn({ err: e }, 'periodic reconciliation failed; the next run is on schedule');
          },
        )
        .finally(() => {
          running = undefined;
          next();
        });
    }, intervalSeconds * 1000);
  };
  log.info({ intervalSeconds }, 'periodic reconciliation scheduled');
  next();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      controller?.abort();
      await running;
    },
  };
}
