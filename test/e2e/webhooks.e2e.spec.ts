/**
 * The runtime wires inbound webhooks: startAll starts the receiver and points the
 * embedded simulators at it, so a change made directly in a source system flows
 * through Tandem without anyone calling the graph, and shows in the graph.
 */
import type { CrmAccount, CrmData, CrmOpportunity, ErpData } from '../../systems';
import { call } from '../../systems/testing';
import { gql, startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ workers: true, webhooks: true });
});
afterAll(async () => {
  await stack?.stop();
});

const TX_BY_ORIGIN = `query($workflow: String) {
  syncTransactions(workflow: $workflow, first: 100) { edges { node { id status origin requestedBy idempotencyKey steps { name status } } } }
}`;

it('runs the receiver in the stack, and every simulator posts to it', async () => {
  expect(stack.webhooks).not.toBeNull();
  for (const system of Object.values(stack.systems)) {
    const settings = system!.webhook();
    expect(settings.url).toBe(stack.webhooks!.endpoints[system!.system.toLowerCase() as 'crm' | 'erp' | 'psa']);
    expect(settings.enabled).toBe(true);
    expect(settings.secretSet).toBe(true);
  }
});

it('a deal marked Closed Won in the CRM converts itself: one transaction from the webhook, SUCCEEDED, one ERP job', async () => {
  const crm = stack.systems.crm!;
  const data = crm.snapshot() as CrmData;
  const accounts = new Map<string, CrmAccount>(data.accounts.map((a) => [a.Id, a]));
  const opp = data.opportunities.find((o: CrmOpportunity) => {
    const a = o.AccountId ? accounts.get(o.AccountId) : undefined;
    return !o.StageName.startsWith('Closed') && a?.ERP_Customer_Id__c && a.Type === 'Customer' && a.Tax_Id__c && a.BillingCountryCode;
  })!;
  expect(opp).toBeDefined();

  const res = await call(crm, 'PATCH', `/services/data/v60.0/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Won' } });
  expect(res.status).toBe(204);

  const until = Date.now() + 45_000;
  let tx: any;
  for (;;) {
    const page = await gql(stack.gatewayUrl, TX_BY_ORIGIN, { workflow: 'opportunity-to-project' });
    expect(page.errors).toBeUndefined();
    const mine = page.data.syncTransactions.edges.map((e: any) => e.node).filter((n: any) => n.idempotencyKey.includes(opp.Id));
    expect(mine.length).toBeLessThanOrEqual(1);
    tx = mine[0];
    if (tx && ['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'].includes(tx.status)) break;
    if (Date.now() > until) throw new Error(`no settled conversion for ${opp.Id}: ${JSON.stringify(tx)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(tx.status).toBe('SUCCEEDED');
  expect(tx.origin).toBe('webhook');
  expect(tx.requestedBy).toBe('webhook:crm');
  expect(tx.steps.every((s: any) => s.status === 'SUCCEEDED')).toBe(true);

  const jobs = (stack.systems.erp!.snapshot() as ErpData).jobs.filter((j) => j.custentity_sf_opportunity_id === opp.Id);
  expect(jobs).toHaveLength(1);
  const linked = (crm.snapshot() as CrmData).opportunities.find((o) => o.Id === opp.Id)!;
  expect(linked.ERP_Project_Id__c).toBe(jobs[0].id);
});
