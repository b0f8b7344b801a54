import type { SyncTransactionRecord } from '../../sync';
import { gql, type TestStack } from '../support/stack';

/**
 * Helpers for the workflows-*.e2e suites: drive a mutation through the gateway,
 * wait for its transaction to settle, and read the simulated systems' own
 * records over their HTTP APIs (with the dev tokens), never through Tandem.
 */

export const TX_FIELDS = 'id workflow status idempotencyKey';

/** Polls the transaction until it leaves PENDING/RUNNING/FAILED; fails after `ms` (generous: the machine is shared). */
export async function settled(t: TestStack, id: string, ms = 30_000): Promise<SyncTransactionRecord> {
  const until = Date.now() + ms;
  for (;;) {
    const tx = await t.engine.get(id);
    if (tx && !['PENDING', 'RUNNING', 'FAILED'].includes(tx.status)) return tx;
    if (Date.now() > until) throw new Error(`transaction ${id} still ${tx?.status} after ${ms} ms: ${JSON.stringify(tx?.steps)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs a mutation that returns a SyncTransaction; fails the test on GraphQL errors; returns the transaction it answered. */
export async function mutate(t: TestStack, query: string, variables: Record<string, unknown>): Promise<{ id: string; status: string; workflow: string; idempotencyKey: string }> {
  const r = await gql(t.gatewayUrl, query, variables);
  if (r.errors) throw new Error(`mutation failed: ${JSON.stringify(r.errors)}`);
  const [tx] = Object.values(r.data as Record<string, any>);
  return tx;
}

/** Submits, waits, and expects SUCCEEDED (with the steps in the failure message otherwise). */
export async function mutateAndSettle(t: TestStack, query: string, variables: Record<string, unknown>): Promise<SyncTransactionRecord> {
  const tx = await mutate(t, query, variables);
  const done = await settled(t, tx.id);
  if (done.status !== 'SUCCEEDED') throw new Error(`transaction ${tx.id} (${done.workflow}) ended ${done.status}: ${JSON.stringify(done.error)} ${JSON.stringify(done.steps)}`);
  return done;
}

export async function graph<T = any>(t: TestStack, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await gql<T>(t.gatewayUrl, query, variables);
  if (r.errors) throw new Error(`query failed: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

/** A read from a simulator; retried on a reset connection or a 429 (the workers share the simulators' concurrency limits). */
async function getJson(t: TestStack, system: 'crm' | 'erp' | 'psa', path: string, init: RequestInit = {}): Promise<any> {
  const s = t.systems[system]!;
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(`${s.url}${path}`, { ...init, headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
      if (res.status !== 429 || attempt >= 5) break;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
  if (!res.ok) throw new Error(`${system.toUpperCase()} ${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** A Salesforce record (Account, Opportunity) as the CRM stores it. */
export const crmRecord = (t: TestStack, object: 'Account' | 'Opportunity', id: string) => getJson(t, 'crm', `/services/data/v60.0/sobjects/${object}/${id}`);

/** A CRM SOQL query's records (all pages are not needed by these suites: 2,000 a page). */
export async function crmQuery(t: TestStack, soql: string): Promise<any[]> {
  return (await getJson(t, 'crm', `/services/data/v60.0/query?q=${encodeURIComponent(soql)}`)).records;
}

/** A NetSuite REST record. */
export const erpRecord = (t: TestStack, type: string, id: string) => getJson(t, 'erp', `/services/rest/record/v1/${type}/${id}`);

/** SuiteQL rows (first 1,000). */
export async function suiteql(t: TestStack, q: string): Promise<Record<string, string>[]> {
  const r = await getJson(t, 'erp', '/services/rest/query/v1/suiteql?limit=1000', { method: 'POST', headers: { prefer: 'transient' }, body: JSON.stringify({ q }) });
  return r.items;
}

/** Kantata records of one object, as a map id → record (first 2,000). */
export async function psaRecords(t: TestStack, object: string, query = ''): Promise<Record<string, any>> {
  const r = await getJson(t, 'psa', `/api/v1/${object}?per_page=2000${query ? `&${query}` : ''}`);
  return r[object] ?? {};
}

/** Record counts in each simulated system (what a duplicated write would change). */
export async function recordCounts(t: TestStack): Promise<Record<string, number>> {
  const count = async (q: string) => (await suiteql(t, q)).length;
  const psaCount = async (o: string) => (await getJson(t, 'psa', `/api/v1/${o}?per_page=1`)).count as number;
  // one request at a time: the ERP allows 10 in flight and the workers may be using some
  const accounts = (await crmQuery(t, 'SELECT Id FROM Account')).length;
  const opportunities = (await crmQuery(t, 'SELECT Id FROM Opportunity')).length;
  const customers = await count('SELECT id FROM customer');
  const jobs = await count('SELECT id FROM job');
  const changeOrders = await count('SELECT id FROM customrecord_change_order');
  const invoices = await count('SELECT id FROM invoice');
  const payments = await count('SELECT id FROM customerpayment');
  const workspaces = await psaCount('workspaces');
  const assignments = await psaCount('workspace_resources');
  const timeEntries = await psaCount('time_entries');
  return { accounts, opportunities, customers, jobs, changeOrders, invoices, payments, workspaces, assignments, timeEntries };
}

/** The vendor id of a canonical entity in one system. */
export function externalId(entity: { externalIds: { system: string; id: string }[] }, system: 'CRM' | 'ERP' | 'PSA'): string {
  const x = entity.externalIds.find((e) => e.system === system);
  if (!x) throw new Error(`no ${system} id on ${JSON.stringify(entity)}`);
  return x.id;
}
