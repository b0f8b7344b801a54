import { configureLogs, newSpanId, newTraceId } from '../../lib';
import { scrape, sumOf } from '../support/prometheus';
import { gql, startTestStack, type TestStack } from '../support/stack';
import { createCompleteAccount, createOpportunities, eventually } from '../support/sync-gateway';
import { settled } from './workflows.support';

/**
 * Logs, traces, metrics and health of a whole stack (gateway, subgraphs,
 * workers, webhook receiver, simulators): one trace id through every role's
 * log stream, /metrics parsing as Prometheus text with counters that move, and
 * /healthz and /readyz on every server.
 */

interface LogLine {
  component?: string;
  traceId?: string;
  msg?: string;
  [k: string]: unknown;
}

const lines: LogLine[] = [];
let t: TestStack;

beforeAll(async () => {
  // capture every role's log stream (they share this process's logger; `component` tells them apart)
  configureLogs({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
  t = await startTestStack({ customers: 10, workers: true, webhooks: true });
});
afterAll(async () => {
  await t?.stop();
  configureLogs({ level: 'silent', destination: null });
});

test('a caller’s trace id is the transaction’s traceId and appears in the logs of the gateway, a subgraph, a worker and a simulator', async () => {
  const account = await createCompleteAccount(t, 'Tracewell Ltd');
  const [opp] = await createOpportunities(t, 1, 'trace', { accountCrmId: account.crmId });
  const traceId = newTraceId();
  const r = await gql(
    t.gatewayUrl,
    `mutation($id: ID!, $key: String!) { convertOpportunity(opportunityId: $id, idempotencyKey: $key) { id traceId } }`,
    { id: opp.id, key: `obs-trace-${opp.id}` },
    { traceparent: `00-${traceId}-${newSpanId()}-01` },
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.convertOpportunity.traceId).toBe(traceId);
  const tx = await settled(t, r.data.convertOpportunity.id, 30_000);
  expect(tx.status).toBe('SUCCEEDED');
  expect(tx.traceId).toBe(traceId);

  const components = await eventually('log lines of every role with the trace id', async () => {
    const seen = new Set(lines.filter((l) => l.traceId === traceId).map((l) => String(l.component)));
    const want = ['gateway', 'subgraph-customer', 'sync-workers'];
    const simulator = [...seen].some((c) => c.startsWith('system-'));
    return want.every((c) => seen.has(c)) && simulator ? seen : undefined;
  });
  expect([...components].filter((c) => c.startsWith('system-')).sort()).toEqual(expect.arrayContaining(['system-crm', 'system-erp', 'system-psa']));
  // a worker line names the transaction it ran
  expect(lines.some((l) => l.traceId === traceId && l.component === 'sync-workers' && l.transactionId === tx.id)).toBe(true);

  // a request without a traceparent gets a trace id of its own, answered in x-trace-id
  const res = await fetch(t.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ operationalMetrics { syncBacklog } }' }) });
  const own = res.headers.get('x-trace-id');
  expect(own).toMatch(/^[0-9a-f]{32}$/);
  expect(own).not.toBe(traceId);
  await eventually('the gateway logs that request under its own trace id', async () => lines.some((l) => l.traceId === own && l.component === 'gateway'));
});

test('a read through the cache to a source system continues the caller’s trace: the simulator logs it under the same trace id', async () => {
  const list = await gql(t.gatewayUrl, `{ customers(first: 1) { edges { node { id } } } }`);
  const id = list.data.customers.edges[0].node.id;
  const traceId = newTraceId();
  // FRESH: read from the system of record (the CRM) whatever the cache holds
  const r = await gql(t.gatewayUrl, `query($id: ID!) { customer(id: $id, consistency: FRESH) { name } }`, { id }, { traceparent: `00-${traceId}-${newSpanId()}-01` });
  expect(r.errors).toBeUndefined();
  expect(r.data.customer.name).toEqual(expect.any(String));
  const seen = await eventually('the CRM simulator logs the read under the caller’s trace id', async () => {
    const components = new Set(lines.filter((l) => l.traceId === traceId).map((l) => String(l.component)));
    return components.has('system-crm') ? components : undefined;
  });
  expect([...seen]).toEqual(expect.arrayContaining(['gateway', 'subgraph-customer', 'system-crm']));
});

test('the console’s chart data needs a staff token; /metrics needs TANDEM_METRICS_TOKEN when it is set', async () => {
  const series = t.gatewayUrl.replace(/\/graphql$/, '/console/api/series');
  const none = await fetch(series);
  expect(none.status).toBe(401);
  expect(((await none.json()) as { error: string }).error).toMatch(/staff token/);
  const forged = await fetch(series, { headers: { authorization: 'Bearer not.a.token' } });
  expect(forged.status).toBe(401);
  const portal = await fetch(series, { headers: await t.as('portal', { customerId: 'anyone' }) });
  expect(portal.status).toBe(403);
  expect(((await portal.json()) as { error: string }).error).toMatch(/staff role/);
  const bi = await fetch(series, { headers: await t.as('bi') });
  expect(bi.status).toBe(200);
  const body = (await bi.json()) as { everyMs: number; points: unknown };
  expect(body.everyMs).toBeGreaterThan(0);
  expect(Array.isArray(body.points)).toBe(true);
  // the page itself carries no data: anyone may load it
  expect((await fetch(t.gatewayUrl.replace(/\/graphql$/, '/console'))).status).toBe(200);

  const metrics = t.gatewayUrl.replace(/\/graphql$/, '/metrics');
  process.env.TANDEM_METRICS_TOKEN = 'scrape-secret';
  try {
    expect((await fetch(metrics)).status).toBe(401);
    expect((await fetch(metrics, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(metrics, { headers: { authorization: 'Bearer scrape-secret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('tandem_graphql_requests_total');
  } finally {
    delete process.env.TANDEM_METRICS_TOKEN;
  }
  expect((await fetch(metrics)).status).toBe(200);
});

test('/metrics on every server parses as Prometheus text, and its counters move with traffic and faults', async () => {
  const before = await scrape(t.gatewayUrl);
  for (const name of [
    'tandem_graphql_requests_total',
    'tandem_graphql_errors_total',
    'tandem_graphql_request_duration_seconds',
    'tandem_gateway_subgraph_fetch_duration_seconds',
    'tandem_source_requests_total',
    'tandem_source_errors_total',
    'tandem_source_request_duration_seconds',
    'tandem_circuit_state',
    'tandem_sync_outbox_depth',
    'tandem_sync_backlog',
    'tandem_sync_dead_letters',
    'tandem_sync_oldest_pending_seconds',
    'tandem_workflow_duration_seconds',
    'tandem_opportunities_awaiting_project',
    'tandem_invoices_blocked',
    'tandem_unbilled_amount',
    'tandem_process_cpu_seconds_total',
  ]) {
    expect([name, before.types.get(name)]).toEqual([name, expect.any(String)]);
  }
  expect(sumOf(before, 'tandem_opportunities_awaiting_project')).toBeGreaterThan(0); // the seed world has some
  expect(sumOf(before, 'tandem_workflow_duration_seconds_count', { workflow: 'opportunity-to-project', status: 'SUCCEEDED' })).toBeGreaterThanOrEqual(1);

  // traffic: three named queries through the gateway, one with an error
  for (let i = 0; i < 2; i++) expect((await gql(t.gatewayUrl, 'query ObsCustomers { customers(first: 3) { edges { node { id name } } } }')).errors).toBeUndefined();
  const bad = await gql(t.gatewayUrl, 'query ObsBad { customers(first: 0) { totalCount } }');
  expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

  // a fault: the ERP down; the console's health query probes it and reports it DOWN
  t.systems.erp!.setFaults({ down: true });
  try {
    const health = await gql(t.gatewayUrl, 'query ObsHealth { integrationHealth { system status reason } }');
    expect(health.data.integrationHealth.find((h: any) => h.system === 'ERP')).toMatchObject({ status: 'DOWN', reason: expect.stringContaining('ERP') });
    expect(health.data.integrationHealth.find((h: any) => h.system === 'CRM').status).not.toBe('DOWN');
  } finally {
    t.systems.erp!.clearFaults();
  }

  const after = await scrape(t.gatewayUrl);
  const moved = (name: string, labels: Record<string, string>) => sumOf(after, name, labels) - sumOf(before, name, labels);
  expect(moved('tandem_graphql_requests_total', { server: 'gateway', operation: 'ObsCustomers', type: 'query' })).toBe(2);
  expect(moved('tandem_graphql_errors_total', { server: 'gateway', operation: 'ObsBad', code: 'BAD_USER_INPUT' })).toBe(1);
  expect(moved('tandem_graphql_request_duration_seconds_count', { server: 'gateway', operation: 'ObsCustomers' })).toBe(2);
  expect(moved('tandem_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'customer' })).toBeGreaterThanOrEqual(2);
  // the subgraph sees the gateway's fetch, named after the client's operation (ObsCustomers__customer__0)
  const subgraphOps = (p: typeof after) =>
    p.samples.filter((s) => s.name === 'tandem_graphql_requests_total' && s.labels.server === 'customer' && s.labels.operation.startsWith('ObsCustomers')).reduce((n, s) => n + s.value, 0);
  expect(subgraphOps(after) - subgraphOps(before)).toBe(2);
  expect(moved('tandem_source_errors_total', { system: 'ERP', code: 'UNAVAILABLE' })).toBeGreaterThanOrEqual(1);
  expect(moved('tandem_source_requests_total', { system: 'CRM', outcome: 'NOT_FOUND' })).toBeGreaterThanOrEqual(1); // the probe's answer: up
  expect(moved('tandem_simulator_requests_total', { system: 'ERP', status: '0' })).toBeGreaterThanOrEqual(1); // connections dropped while down

  // every role serves /metrics: a subgraph, a simulator, the webhook receiver
  for (const base of [t.subgraphs.operations.url, t.systems.crm!.url, t.webhooks!.url]) {
    const parsed = await scrape(base);
    expect(parsed.types.get('tandem_graphql_requests_total')).toBe('counter');
  }
});

test('/healthz and /readyz answer on the gateway, the subgraphs, the webhook receiver; /readyz reports the store and the circuits', async () => {
  for (const base of [t.gatewayUrl.replace(/\/graphql$/, ''), t.subgraphs.customer.url.replace(/\/graphql$/, ''), t.webhooks!.url]) {
    const live = await fetch(`${base}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'alive' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      phase: 'ready',
      checks: { store: { ok: true, critical: true }, bus: { ok: true }, circuits: { ok: true, critical: false, detail: { CRM: expect.any(String), ERP: expect.any(String), PSA: expect.any(String) } } },
    });
  }
  const post = await fetch(`${t.gatewayUrl.replace(/\/graphql$/, '')}/readyz`, { method: 'POST' });
  expect(post.status).toBe(405);
});
