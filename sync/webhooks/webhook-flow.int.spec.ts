/**
 * The whole inbound path: a simulator's webhook → the receiver → the engine →
 * the workers → the source systems, with the real adapters on PGlite.
 */
import pino from 'pino';
import { startSimulatedAdapters, type SimulatedAdapters } from '../../adapters/testing/simulated-adapters';
import { openStore, type Store } from '../../store';
import type { CrmOpportunity, ErpData } from '../../systems';
import { call } from '../../systems/testing';
import type { SyncEngine, SyncTransactionRecord } from '../api';
import { createSyncEngine } from '../engine';
import { reconcile } from '../reconcile';
import { startWorkers, type SyncWorkers } from '../workers';
import { closedWonKey, startWebhookServer, type RunningWebhookServer } from './index';

const silent = pino({ level: 'silent' });
const SECRET = 'crm-flow-secret';
let sims: SimulatedAdapters;
let store: Store;
let engine: SyncEngine;
let workers: SyncWorkers;
let receiver: RunningWebhookServer;

beforeAll(async () => {
  [sims, store] = await Promise.all([startSimulatedAdapters({ customers: 10, seed: 9 }), openStore({ memory: true, logger: silent })]);
  engine = createSyncEngine({ store, logger: silent });
  workers = startWorkers({ store, adapters: sims.adapters, engine, logger: silent, pollMs: 50, retry: { baseMs: 20, capMs: 200 } });
  receiver = await startWebhookServer({ engine, store, port: 0, secrets: { crm: SECRET }, logger: silent });
  sims.systems.crm.setWebhook({ url: receiver.endpoints.crm, secret: SECRET, retryBaseMs: 50 });
});
afterAll(async () => {
  await receiver?.stop();
  await workers?.stop();
  await sims?.stop();
  await store?.close();
});

/** Open opportunities of active ERP customers (complete master data), so a conversion can succeed. */
function convertible(): CrmOpportunity[] {
  const accounts = new Map(sims.world.crm.accounts.map((a) => [a.Id, a]));
  return sims.world.crm.opportunities.filter((o) => {
    const a = o.AccountId ? accounts.get(o.AccountId) : undefined;
    return !o.StageName.startsWith('Closed') && a?.ERP_Customer_Id__c && a.Type === 'Customer' && a.Tax_Id__c && a.BillingCountryCode;
  });
}

async function settled(key: string, ms = 30_000): Promise<SyncTransactionRecord> {
  const until = Date.now() + ms;
  for (;;) {
    const page = await engine.list({ workflow: 'opportunity-to-project', first: 100 });
    const tx = page.nodes.find((t) => t.idempotencyKey === key);
    if (tx && ['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'].includes(tx.status)) return tx;
    if (Date.now() > until) throw new Error(`transaction ${key} did not settle: ${tx?.status ?? 'not submitted'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const jobsFor = (oppId: string) => (sims.systems.erp.snapshot() as ErpData).jobs.filter((j) => j.custentity_sf_opportunity_id === oppId);

it('a CRM stage change to Closed Won converts the opportunity: one ERP job, one PSA workspace, linked back', async () => {
  const opp = convertible()[0];
  const res = await call(sims.systems.crm, 'PATCH', `/services/data/v60.0/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Won' } });
  expect(res.status).toBe(204);
  const tx = await settled(closedWonKey(opp.Id));
  expect(tx).toMatchObject({ status: 'SUCCEEDED', origin: 'webhook', requestedBy: 'webhook:crm' });
  const jobs = jobsFor(opp.Id);
  expect(jobs).toHaveLength(1);
  const crmOpp = sims.systems.crm.snapshot().opportunities.find((o) => o.Id === opp.Id)!;
  expect(crmOpp.ERP_Project_Id__c).toBe(jobs[0].id);
  expect(sims.systems.psa.snapshot().workspaces.filter((w) => w.external_reference === jobs[0].id)).toHaveLength(1);

  // a redelivery and a reconciliation afterwards change nothing
  const delivery = sims.systems.crm.webhookDeliveries()[0];
  sims.systems.crm.redeliverWebhook(delivery.id);
  const report = await reconcile({ engine, adapters: sims.adapters, store, logger: silent });
  expect(report.findings.some((f) => f.kind === 'closed-won-without-project' && f.crmOpportunityId === opp.Id)).toBe(false);
  await new Promise((r) => setTimeout(r, 300));
  expect(jobsFor(opp.Id)).toHaveLength(1);
  expect((await engine.list({ workflow: 'opportunity-to-project', first: 100 })).nodes.filter((t) => t.idempotencyKey === closedWonKey(opp.Id))).toHaveLength(1);
});

it('with the PSA refusing new workspaces (rejectWrites), the conversion is compensated: the ERP job is cancelled', async () => {
  sims.systems.psa.setFaults({ rejectWrites: 'POST /api/v1/workspaces' });
  try {
    const opp = convertible()[1];
    await call(sims.systems.crm, 'PATCH', `/services/data/v60.0/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Won' } });
    const tx = await settled(closedWonKey(opp.Id));
    expect(tx.status).toBe('COMPENSATED');
    expect(tx.steps.find((s) => s.name === 'create-psa-workspace')).toMatchObject({ status: 'DEAD_LETTERED' });
    const jobs = jobsFor(opp.Id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].entityStatus).toBe('Cancelled');
  } finally {
    sims.systems.psa.clearFaults();
  }
});
