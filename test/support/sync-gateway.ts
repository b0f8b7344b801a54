/**
 * Helpers for sync suites that drive a whole stack through the gateway:
 * records created in the CRM simulator through its API (and taught to the
 * store's id map), conversions submitted by mutation, transactions read back
 * through the gateway. No jest globals here.
 */
import { randomUUID } from 'node:crypto';
import { canonicalId } from '../../canonical-schema';
import type { CrmData } from '../../systems';
import { eventually, sleep } from './eventually';
import { gql, type TestStack } from './stack';

export const SETTLED = ['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'] as const;

export { eventually, sleep };

/** What the suites read of a transaction through the gateway. */
export interface GatewayTransaction {
  id: string;
  status: string;
  idempotencyKey: string;
  steps: { name: string; system: string; status: string; attempts: number; lastError: string | null }[];
  error: { code: string; message: string; remediation: string | null } | null;
}

const TX_FIELDS = 'id status idempotencyKey steps { name system status attempts lastError } error { code message remediation }';

/**
 * One write to the CRM simulator. Under load a kept-alive connection can be
 * reset (ECONNRESET) or the simulator's concurrency limit hit (429, the workers
 * share it): the write is sent again with the same Idempotency-Key, so it is
 * made once.
 */
async function crmWrite(t: TestStack, method: 'POST' | 'PATCH', path: string, body: unknown): Promise<any> {
  const crm = t.systems.crm!;
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${crm.url}/services/data/v60.0${path}`, {
        method,
        headers: { authorization: `Bearer ${crm.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
    } catch (e) {
      if (attempt >= 5) throw e;
      await sleep(100 * attempt);
      continue;
    }
    const text = await res.text();
    if (res.status === 429 && attempt < 5) {
      await sleep(250 * attempt);
      continue;
    }
    if (!res.ok) throw new Error(`CRM ${method} ${path} failed: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
}

/**
 * A new CRM account with complete master data that is not an ERP customer yet
 * (so a conversion creates the ERP customer). Returns its CRM id and canonical id.
 */
export async function createCompleteAccount(t: TestStack, name: string): Promise<{ crmId: string; id: string }> {
  const r = await crmWrite(t, 'POST', '/sobjects/Account', {
    Name: name,
    Legal_Name__c: `${name} Inc.`,
    Legal_Entity__c: 'Tandem Consulting Inc.',
    Tax_Id__c: 'US-98-7654321',
    CurrencyIsoCode: 'USD',
    BillingStreet: '1 Test Way',
    BillingCity: 'Boston',
    BillingPostalCode: '02110',
    BillingCountryCode: 'US',
    Type: 'Customer',
  });
  const out = { crmId: r.id as string, id: canonicalId('customer', r.id) };
  await t.store.linkExternalIds('customer', [{ canonicalId: out.id, system: 'CRM', externalId: out.crmId }]);
  return out;
}

/**
 * Creates `n` opportunities (Closed Won without a project unless `stage` says
 * otherwise) through the CRM's sObject Collections API (200 a request), on
 * `accountCrmId` or else on a complete seeded account that is an ERP customer,
 * and teaches the store their canonical ids.
 */
export async function createOpportunities(
  t: TestStack,
  n: number,
  tag: string,
  opts: { accountCrmId?: string; stage?: string } = {},
): Promise<{ crmId: string; id: string }[]> {
  let accountId = opts.accountCrmId;
  if (!accountId) {
    const account = (t.systems.crm!.snapshot() as CrmData).accounts.find(
      (a) => a.ERP_Customer_Id__c && a.Tax_Id__c && a.BillingStreet && a.Legal_Entity__c && a.Type === 'Customer',
    );
    if (!account) throw new Error('no complete account in the seed world');
    accountId = account.Id;
  }
  const out: { crmId: string; id: string }[] = [];
  for (let start = 0; start < n; start += 200) {
    const records = Array.from({ length: Math.min(200, n - start) }, (_, i) => ({
      attributes: { type: 'Opportunity' },
      Name: `${tag} ${start + i}`,
      AccountId: accountId,
      StageName: opts.stage ?? 'Closed Won',
      CloseDate: '2025-06-01',
      Amount: 10_000 + start + i,
    }));
    const body = (await crmWrite(t, 'POST', '/composite/sobjects', { allOrNone: true, records })) as { id: string; success: boolean }[];
    if (body.length !== records.length || !body.every((r) => r.success)) throw new Error(`creating opportunities failed: ${JSON.stringify(body).slice(0, 300)}`);
    for (const r of body) out.push({ crmId: r.id, id: canonicalId('opportunity', r.id) });
  }
  await t.store.linkExternalIds(
    'opportunity',
    out.map((o) => ({ canonicalId: o.id, system: 'CRM' as const, externalId: o.crmId })),
  );
  return out;
}

/** PATCHes one CRM record (e.g. fixing master data, or moving a stage). */
export async function patchCrm(t: TestStack, object: 'Account' | 'Opportunity', crmId: string, fields: Record<string, unknown>): Promise<void> {
  await crmWrite(t, 'PATCH', `/sobjects/${object}/${crmId}`, fields);
}

/**
 * `convertOpportunity` through the gateway; throws on a GraphQL error. The
 * mutation reads the opportunity fresh from the CRM, which can time out on a
 * loaded machine (SOURCE_UNAVAILABLE, nothing recorded): like an integrator, it
 * sends the same idempotency key again, up to `attempts` times.
 */
export async function convertOpportunity(t: TestStack, opportunityId: string, key: string, attempts = 4): Promise<{ id: string; status: string }> {
  for (let attempt = 1; ; attempt++) {
    const r = await gql(
      t.gatewayUrl,
      `mutation($id: ID!, $key: String!) { convertOpportunity(opportunityId: $id, idempotencyKey: $key) { id status } }`,
      { id: opportunityId, key },
    );
    if (!r.errors) return r.data.convertOpportunity;
    const transient = r.errors.every((e) => e.extensions?.code === 'SOURCE_UNAVAILABLE');
    if (!transient || attempt >= attempts) throw new Error(`convertOpportunity(${opportunityId}) failed: ${JSON.stringify(r.errors)}`);
    await sleep(200 * attempt);
  }
}

/** `replaySyncTransaction` through the gateway; throws on a GraphQL error. */
export async function replay(t: TestStack, id: string): Promise<{ id: string; status: string }> {
  const r = await gql(t.gatewayUrl, `mutation($id: ID!) { replaySyncTransaction(id: $id) { id status } }`, { id });
  if (r.errors) throw new Error(`replaySyncTransaction(${id}) failed: ${JSON.stringify(r.errors)}`);
  return r.data.replaySyncTransaction;
}

/** Many transactions through the gateway (aliased `syncTransaction` fields, 50 a request: the gateway's default alias limit), in the order of `ids`. */
export async function transactions(t: TestStack, ids: string[]): Promise<GatewayTransaction[]> {
  const out: GatewayTransaction[] = [];
  for (let start = 0; start < ids.length; start += 50) {
    const chunk = ids.slice(start, start + 50);
    const query = `query(${chunk.map((_, i) => `$i${i}: ID!`).join(', ')}) { ${chunk.map((_, i) => `t${i}: syncTransaction(id: $i${i}) { ${TX_FIELDS} }`).join(' ')} }`;
    const r = await gql(t.gatewayUrl, query, Object.fromEntries(chunk.map((id, i) => [`i${i}`, id])));
    if (r.errors) throw new Error(`syncTransaction query failed: ${JSON.stringify(r.errors).slice(0, 500)}`);
    chunk.forEach((id, i) => {
      const tx = r.data[`t${i}`];
      if (!tx) throw new Error(`transaction ${id} not found through the gateway`);
      out.push(tx);
    });
  }
  return out;
}

/** Polls the gateway until every transaction is in one of `statuses` (default: settled); fails after `ms` naming the stragglers. */
export async function waitForTransactions(t: TestStack, ids: string[], opts: { ms?: number; statuses?: readonly string[] } = {}): Promise<GatewayTransaction[]> {
  const statuses = opts.statuses ?? SETTLED;
  const until = Date.now() + (opts.ms ?? 30_000);
  for (;;) {
    const txs = await transactions(t, ids);
    const waiting = txs.filter((x) => !statuses.includes(x.status));
    if (waiting.length === 0) return txs;
    if (Date.now() > until) {
      throw new Error(`${waiting.length} of ${ids.length} transactions not ${statuses.join('/')} after ${opts.ms ?? 30_000} ms, e.g. ${JSON.stringify(waiting[0])}`);
    }
    await sleep(150);
  }
}

/** `syncTransactions { totalCount }` through the gateway. */
export async function transactionCount(t: TestStack): Promise<number> {
  const r = await gql(t.gatewayUrl, `{ syncTransactions(first: 1) { totalCount } }`);
  if (r.errors) throw new Error(`syncTransactions failed: ${JSON.stringify(r.errors)}`);
  return r.data.syncTransactions.totalCount;
}

/** `integrationHealth` through the gateway, by system. */
export async function circuits(t: TestStack): Promise<Record<string, string>> {
  const r = await gql(t.gatewayUrl, `{ integrationHealth { system circuit } }`);
  if (r.errors) throw new Error(`integrationHealth failed: ${JSON.stringify(r.errors)}`);
  return Object.fromEntries(r.data.integrationHealth.map((h: { system: string; circuit: string }) => [h.system, h.circuit]));
}

