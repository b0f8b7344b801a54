import pino from 'pino';
import { startSimulatedAdapters, type SimulatedAdapters } from '../../adapters/testing/simulated-adapters';
import { canonicalId } from '../../canonical-schema';
import { openStore, type Store } from '../../store';
import { call } from '../../systems/testing';
import type { SyncEngine } from '../api';
import { createSyncEngine } from '../engine';
import { closedWonKey } from '../webhooks';
import { reconcile, scheduleReconciliation } from './index';

const silent = pino({ level: 'silent' });
let sims: SimulatedAdapters;
let store: Store;
let engine: SyncEngine;

beforeAll(async () => {
  [sims, store] = await Promise.all([startSimulatedAdapters({ customers: 50, seed: 5 }), openStore({ memory: true, logger: silent })]);
  engine = createSyncEngine({ store, logger: silent });
});
afterAll(async () => {
  await sims?.stop();
  await store?.close();
});

const run = () => reconcile({ engine, adapters: sims.adapters, store, logger: silent });
const awaitingProject = () =>
  sims.world.crm.opportunities.filter((o) => o.StageName === 'Closed Won' && !o.ERP_Project_Id__c && o.AccountId).map((o) => o.Id).sort();

describe('reconcile against the seeded simulators', () => {
  let firstIds: Map<string, string>;

  it('submits a conversion for every Closed Won opportunity awaiting a project, with the webhook key', async () => {
    const expected = awaitingProject();
    expect(expected).toHaveLength(6); // the seed world: 6 per 50 customers
    // a webhook got to one of them first: reconciliation must reuse its transaction
    const early = await engine.submit({
      workflow: 'opportunity-to-project',
      input: { opportunityId: canonicalId('opportunity', expected[0]) },
      idempotencyKey: closedWonKey(expected[0]),
      origin: 'webhook',
    });

    const report = await run();
    const conversions = report.findings.filter((f) => f.kind === 'closed-won-without-project');
    expect(conversions.map((f) => (f as { crmOpportunityId: string }).crmOpportunityId).sort()).toEqual(expected);
    for (const f of conversions) {
      if (f.kind !== 'closed-won-without-project') continue;
      expect(f.opportunityId).toBe(canonicalId('opportunity', f.crmOpportunityId));
      const tx = await engine.get(f.transactionId);
      expect(tx).toMatchObject({ workflow: 'opportunity-to-project', idempotencyKey: closedWonKey(f.crmOpportunityId), input: { opportunityId: f.opportunityId } });
    }
    const viaWebhook = conversions.find((f) => f.kind === 'closed-won-without-project' && f.crmOpportunityId === expected[0])!;
    expect(viaWebhook).toMatchObject({ transactionId: early.transaction.id, created: false });
    expect(report.repaired).toBe(expected.length - 1);
    expect(report.submitted).toEqual(report.findings.map((f) => f.transactionId));
    // the seed's CRM billing positions agree with the ERP's
    expect(report.findings.filter((f) => f.kind === 'invoice-status-drift')).toEqual([]);

    const row = await store.prisma.reconciliationRun.findUnique({ where: { id: report.id } });
    expect(row).toMatchObject({ repaired: expected.length - 1, error: null, submitted: report.submitted });
    expect(row!.finishedAt).toEqual(report.finishedAt);
    expect(row!.findings).toEqual(JSON.parse(JSON.stringify(report.findings)));
    firstIds = new Map(conversions.map((f) => [f.transactionId, f.kind]));
  });

  it('a second run finds the same drift and creates nothing new', async () => {
    const before = await engine.list({ first: 0 });
    const report = await run();
    expect(report.repaired).toBe(0);
    expect(report.findings.every((f) => !f.created)).toBe(true);
    expect(new Set(report.submitted)).toEqual(new Set(firstIds.keys()));
    expect((await engine.list({ first: 0 })).totalCount).toBe(before.totalCount);
  });

  it('finds an ERP payment the CRM was not told about and submits invoice-status for it', async () => {
    const customer = sims.world.erp.customers.find((c) =>
      sims.world.erp.invoices.some((i) => i.entity === c.id && i.status === 'Open' && i.amountRemaining > 1) &&
      sims.world.crm.accounts.some((a) => a.ERP_Customer_Id__c === c.id),
    )!;
    const invoice = sims.world.erp.invoices.find((i) => i.entity === customer.id && i.status === 'Open' && i.amountRemaining > 1)!;
    const paid = await call(sims.systems.erp, 'POST', '/services/rest/record/v1/customerPayment', { body: { custbody_invoice: { id: invoice.id }, payment: 1 } });
    expect(paid.status).toBe(204);

    const report = await run();
    const drift = report.findings.filter((f) => f.kind === 'invoice-status-drift');
    expect(drift).toHaveLength(1);
    const account = sims.world.crm.accounts.find((a) => a.ERP_Customer_Id__c === customer.id)!;
    expect(drift[0]).toMatchObject({ crmAccountId: account.Id, erpCustomerId: customer.id, created: true });
    expect(report.repaired).toBe(1);
    const tx = await engine.get(drift[0].transactionId);
    expect(tx).toMatchObject({ workflow: 'invoice-status', origin: 'reconciliation', requestedBy: 'reconciliation' });
    expect(await store.canonicalIds('customer', 'ERP', [customer.id])).toEqual(new Map([[customer.id, canonicalId('customer', account.Id)]]));
  });

  it('a run that cannot read a system fails, and is recorded with its error', async () => {
    sims.sim.ERP.setFaults({ down: true });
    try {
      await expect(run()).rejects.toThrow();
    } finally {
      sims.sim.ERP.clearFaults();
    }
    const [last] = await store.prisma.reconciliationRun.findMany({ orderBy: { startedAt: 'desc' }, take: 1 });
    expect(last.error).toEqual(expect.stringMatching(/\S/));
    expect(last.finishedAt).not.toBeNull();
  });
});

describe('scheduleReconciliation', () => {
  it('runs on its interval until stopped, and 0 turns it off', async () => {
    const count = () => store.prisma.reconciliationRun.count();
    const off = scheduleReconciliation({ engine, adapters: sims.adapters, store, logger: silent, intervalSeconds: 0 });
    await off.stop();

    const before = await count();
    const scheduled = scheduleReconciliation({ engine, adapters: sims.adapters, store, logger: silent, intervalSeconds: 0.05 });
    const until = Date.now() + 20_000;
    while ((await count()) < before + 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    await scheduled.stop();
    const after = await count();
    expect(after).toBeGreaterThanOrEqual(before + 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(await count()).toBe(after);
  });
});
