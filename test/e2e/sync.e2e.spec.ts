import type { Customer, Opportunity } from '../../canonical-schema';
import { gql, startTestStack, type TestStack } from '../support/stack';
import { settled } from './workflows.support';

/**
 * The write path end to end through the gateway, with workers running: a
 * mutation answers PENDING at once and its transaction reaches its end state;
 * a dead letter is fixed at the source and replayed.
 */

const TX_QUERY = `query($id: ID!) { syncTransaction(id: $id) {
  id workflow status requestedBy origin finishedAt
  steps { name system status attempts lastError startedAt finishedAt }
  error { code message remediation }
  project { id code name customer { id name } opportunity { id } }
} }`;

let t: TestStack;
let customers: Customer[];
let opportunities: Opportunity[];

beforeAll(async () => {
  t = await startTestStack({ customers: 12, workers: true });
  customers = await t.adapters.CRM.listAll('customer');
  opportunities = await t.adapters.CRM.listAll('opportunity');
});
afterAll(async () => {
  await t?.stop();
});

const complete = (c: Customer | undefined) => !!(c && c.taxId && c.legalEntity && c.billingAddress);
const customerOf = (o: Opportunity) => customers.find((c) => c.id === o.customerId);

async function convert(opportunityId: string, key: string) {
  return gql(
    t.gatewayUrl,
    `mutation($id: ID!, $key: String!) { convertOpportunity(opportunityId: $id, idempotencyKey: $key) { id status workflow } }`,
    { id: opportunityId, key },
    await t.as('integrator', { subject: 'e2e@tandem.test' }),
  );
}

test('convertOpportunity answers PENDING at once; the transaction reaches SUCCEEDED with its steps, and the project is in the graph', async () => {
  const opp = opportunities.find((o) => o.stage === 'CLOSED_WON' && !o.projectId && complete(customerOf(o)))!;
  expect(opp).toBeDefined();
  const r = await convert(opp.id, `e2e-convert-${opp.id}`);
  expect(r.errors).toBeUndefined();
  expect(r.data.convertOpportunity).toMatchObject({ status: 'PENDING', workflow: 'opportunity-to-project' });
  const id = r.data.convertOpportunity.id;

  const tx = await settled(t, id, 20_000);
  expect(tx.status).toBe('SUCCEEDED');
  const q = await gql(t.gatewayUrl, TX_QUERY, { id });
  expect(q.errors).toBeUndefined();
  const s = q.data.syncTransaction;
  expect(s.steps.map((st: any) => [st.name, st.system, st.status])).toEqual([
    ['load-opportunity', 'CRM', 'SUCCEEDED'],
    ['upsert-erp-customer', 'ERP', 'SUCCEEDED'],
    ['create-erp-project', 'ERP', 'SUCCEEDED'],
    ['create-psa-workspace', 'PSA', 'SUCCEEDED'],
    ['link-erp-project', 'ERP', 'SUCCEEDED'],
    ['link-crm-opportunity', 'CRM', 'SUCCEEDED'],
  ]);
  for (const st of s.steps) expect(st.attempts).toBeGreaterThanOrEqual(1);
  expect(s).toMatchObject({ requestedBy: 'e2e@tandem.test (integrator)', origin: 'api', error: null });
  expect(s.finishedAt).toEqual(expect.any(String));

  // the audit trail: every call each step made, what was sent and what came back
  const audit = await gql(t.gatewayUrl, `query($id: ID!) { syncTransaction(id: $id) { calls { step system operation request response outcome durationMs at } } }`, { id });
  expect(audit.errors).toBeUndefined();
  const calls = audit.data.syncTransaction.calls as { step: string; system: string; operation: string; request: string | null; response: string | null; outcome: string; durationMs: number }[];
  const stepNames = s.steps.map((st: any) => st.name);
  expect(calls.length).toBeGreaterThanOrEqual(stepNames.length);
  for (const c of calls) {
    expect(stepNames).toContain(c.step);
    expect(c.outcome).toBe('ok');
    expect(c.durationMs).toBeGreaterThanOrEqual(0);
  }
  const create = calls.find((c) => c.step === 'create-erp-project')!;
  expect(create).toMatchObject({ system: 'ERP', operation: expect.stringContaining('ERP.') });
  expect(create.request).toContain(opp.externalIds.find((e) => e.system === 'CRM')!.id); // what was sent names the CRM opportunity
  expect(JSON.parse(create.response!)).toMatchObject({ erpJobId: expect.any(String) });
  const bad = await gql(t.gatewayUrl, `query($id: ID!) { syncTransaction(id: $id) { calls(first: 0) { step } } }`, { id });
  expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });

  // the project, through the graph: from the transaction and from the opportunity
  expect(s.project).toMatchObject({ customer: { id: opp.customerId }, opportunity: { id: opp.id } });
  const read = await gql(t.gatewayUrl, `query($id: ID!) { opportunity(id: $id) { project { id code budget { amount currency } } } }`, { id: opp.id });
  expect(read.errors).toBeUndefined();
  expect(read.data.opportunity.project).toMatchObject({ id: s.project.id, code: s.project.code, budget: { amount: opp.amount.amount, currency: opp.amount.currency } });
  // exactly one ERP job for it, even when the same key is sent again
  const again = await convert(opp.id, `e2e-convert-${opp.id}`);
  expect(again.data.convertOpportunity.id).toBe(id);
  const jobs = (await t.adapters.ERP.listAll('project')).filter((p) => p.opportunityId === opp.id);
  expect(jobs).toHaveLength(1);
});

test('a conversion whose CRM account lacks a tax id dead-letters with a remediation; after the fix in the CRM, replay ends SUCCEEDED', async () => {
  const opp = opportunities.find((o) => o.stage === 'CLOSED_WON' && !o.projectId && customerOf(o) && !customerOf(o)!.taxId)!;
  expect(opp).toBeDefined();
  const account = customerOf(opp)!;
  const crmAccountId = account.externalIds.find((e) => e.system === 'CRM')!.id;

  const r = await convert(opp.id, `e2e-dead-${opp.id}`);
  expect(r.errors).toBeUndefined();
  const id = r.data.convertOpportunity.id;
  const dead = await settled(t, id, 20_000);
  expect(dead.status).toBe('DEAD_LETTERED');
  const q = await gql(t.gatewayUrl, TX_QUERY, { id });
  expect(q.data.syncTransaction.error.remediation).toMatch(/Tax_Id__c/);
  expect(q.data.syncTransaction.error.remediation).toContain(crmAccountId);
  const listed = await gql(t.gatewayUrl, `{ syncTransactions(status: DEAD_LETTERED, first: 50) { edges { node { id } } } operationalMetrics { deadLettered } }`);
  expect(listed.data.syncTransactions.edges.map((e: any) => e.node.id)).toContain(id);
  expect(listed.data.operationalMetrics.deadLettered).toBeGreaterThanOrEqual(1);

  // fix the master data in the CRM (as a person would), fill in what else is missing, then replay
  const crm = t.systems.crm!;
  const patch: Record<string, string> = { Tax_Id__c: 'US-12-3456789' };
  if (!account.legalEntity) patch.Legal_Entity__c = 'Tandem Consulting Inc.';
  if (!account.billingAddress) Object.assign(patch, { BillingStreet: '1 Main St', BillingCity: 'Boston', BillingCountryCode: 'US' });
  const fixed = await fetch(`${crm.url}/services/data/v60.0/sobjects/Account/${crmAccountId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${crm.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  expect(fixed.status).toBe(204);

  const replay = await gql(t.gatewayUrl, `mutation($id: ID!) { replaySyncTransaction(id: $id) { id status } }`, { id });
  expect(replay.errors).toBeUndefined();
  expect(replay.data.replaySyncTransaction.id).toBe(id);
  expect(['PENDING', 'RUNNING', 'SUCCEEDED']).toContain(replay.data.replaySyncTransaction.status);
  const done = await settled(t, id, 20_000);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.error).toBeNull();
  const jobs = (await t.adapters.ERP.listAll('project')).filter((p) => p.opportunityId === opp.id);
  expect(jobs).toHaveLength(1);
});

test('integrationHealth and operationalMetrics describe what the workers did', async () => {
  const r = await gql(t.gatewayUrl, `{ integrationHealth { system circuit latencyP50Ms errorRate } operationalMetrics { syncBacklog deadLettered oldestPendingSeconds opportunitiesAwaitingProject } }`);
  expect(r.errors).toBeUndefined();
  const health = Object.fromEntries(r.data.integrationHealth.map((h: any) => [h.system, h]));
  expect(Object.keys(health).sort()).toEqual(['CRM', 'ERP', 'PSA']);
  for (const h of Object.values<any>(health)) {
    expect(h.circuit).toBe('CLOSED');
    expect(h.errorRate).toBeGreaterThanOrEqual(0);
    expect(h.errorRate).toBeLessThanOrEqual(1);
  }
  // the conversions above called every system
  for (const sys of ['CRM', 'ERP', 'PSA']) expect(health[sys].latencyP50Ms).toBeGreaterThanOrEqual(0);
  expect(r.data.operationalMetrics).toMatchObject({ syncBacklog: 0, oldestPendingSeconds: null });
  const awaiting = opportunities.filter((o) => o.stage === 'CLOSED_WON' && !o.projectId).length;
  expect(r.data.operationalMetrics.opportunitiesAwaitingProject).toBeLessThanOrEqual(awaiting - 2);
});
