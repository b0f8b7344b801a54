import { ENTITY_TYPES } from '../../canonical-schema';
import { gql, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
let customerId: string;
let snapshot: unknown;
let counts: Record<string, number>;

const CUSTOMER_WITH_INVOICES = `query($id: ID!) {
  customer(id: $id) {
    id name
    freshness { stale }
    invoices { id number status balance { amount currency } freshness { source stale } }
    arBalance { amount currency }
  }
}`;

async function storeCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of ENTITY_TYPES) out[e] = await t.store.count(e);
  return out;
}

beforeAll(async () => {
  t = await startTestStack({ customers: 10 });
  const customers = await t.adapters.CRM.listAll('customer');
  const invoices = await t.adapters.ERP.listAll('invoice');
  customerId = customers.find((c) => invoices.some((i) => i.customerId === c.id))!.id;
  const first: any = await gql(t.gatewayUrl, CUSTOMER_WITH_INVOICES, { id: customerId });
  expect(first.errors).toBeUndefined();
  snapshot = first.data;
  counts = await storeCounts();
});
afterAll(async () => {
  await t?.stop();
});
afterEach(async () => {
  for (const s of Object.values(t.systems)) s.clearFaults();
  // nothing lost, nothing duplicated: the cache holds exactly what it held before the fault
  expect(await storeCounts()).toEqual(counts);
});

function errorFor(r: { errors?: { message: string; extensions?: Record<string, any> }[] }, system: string) {
  return r.errors?.find((e) => e.extensions?.system === system);
}

describe('a source system that fails', () => {
  test('down, with cached data: the cache is served as stale and the failure is reported', async () => {
    await t.store.markStale('invoice');
    t.systems.erp!.setFaults({ down: true });
    const r: any = await gql(t.gatewayUrl, CUSTOMER_WITH_INVOICES, { id: customerId });
    expect(r.data.customer.invoices.length).toBeGreaterThan(0);
    expect(r.data.customer.invoices.every((i: any) => i.freshness.stale === true)).toBe(true);
    expect(r.data.customer.arBalance).toEqual((snapshot as any).customer.arBalance);
    const err = errorFor(r, 'ERP');
    expect(err?.extensions).toMatchObject({ code: 'SOURCE_UNAVAILABLE', system: 'ERP' });

    t.systems.erp!.clearFaults();
    const healed: any = await gql(t.gatewayUrl, CUSTOMER_WITH_INVOICES, { id: customerId });
    expect(healed.errors).toBeUndefined();
    expect(healed.data.customer.invoices.every((i: any) => i.freshness.stale === false)).toBe(true);
    expect(strip(healed.data)).toEqual(strip(snapshot));
  });

  test('down, with nothing cached: the field is null with SOURCE_UNAVAILABLE and the rest of the query answers', async () => {
    await t.store.evict('customer', [customerId]);
    counts.customer -= 1;
    t.systems.crm!.setFaults({ down: true });
    const r: any = await gql(t.gatewayUrl, `query($id: ID!) { customer(id: $id) { name } resources(first: 2) { totalCount } }`, { id: customerId });
    expect(r.data.customer).toBeNull();
    expect(r.data.resources.totalCount).toBeGreaterThan(0);
    const err = errorFor(r, 'CRM');
    expect(err?.extensions).toMatchObject({ code: 'SOURCE_UNAVAILABLE', system: 'CRM' });
    expect(err?.message).toMatch(/CRM/);

    t.systems.crm!.clearFaults();
    const healed: any = await gql(t.gatewayUrl, `query($id: ID!) { customer(id: $id) { name } }`, { id: customerId });
    expect(healed.data.customer.name).toBe((snapshot as any).customer.name);
    counts.customer += 1;
  });

  test.each([
    ['rate limiting past the retry budget', { rateLimited: true, retryAfterSeconds: 30 }, 'SOURCE_RATE_LIMITED'],
    ['sending garbage', { garbage: true }, 'SOURCE_BAD_RESPONSE'],
    ['answering 5xx', { error5xx: true }, 'SOURCE_UNAVAILABLE'],
    ['slower than the timeout', { slowMs: 3000 }, 'SOURCE_UNAVAILABLE'],
  ])('%s: %s', async (_name, faults, code) => {
    await t.store.markStale('customer', [customerId]);
    t.systems.crm!.setFaults(faults);
    const r: any = await gql(t.gatewayUrl, `query($id: ID!) { customer(id: $id) { name freshness { stale } } }`, { id: customerId });
    expect(r.data.customer.name).toBe((snapshot as any).customer.name);
    expect(r.data.customer.freshness.stale).toBe(true);
    expect(errorFor(r, 'CRM')?.extensions).toMatchObject({ code, system: 'CRM' });

    await t.store.evict('customer', [customerId]);
    const uncached: any = await gql(t.gatewayUrl, `query($id: ID!) { customer(id: $id) { name } }`, { id: customerId });
    expect(uncached.data.customer).toBeNull();
    expect(errorFor(uncached, 'CRM')?.extensions).toMatchObject({ code, system: 'CRM' });

    t.systems.crm!.clearFaults();
    const healed: any = await gql(t.gatewayUrl, `query($id: ID!) { customer(id: $id) { name freshness { stale } } }`, { id: customerId });
    expect(healed.errors).toBeUndefined();
    expect(healed.data.customer).toEqual({ name: (snapshot as any).customer.name, freshness: { stale: false } });
  });
});

/** The query result without freshness, which legitimately changes between reads. */
function strip(data: unknown): unknown {
  return JSON.parse(JSON.stringify(data, (k, v) => (k === 'freshness' ? undefined : v)));
}
