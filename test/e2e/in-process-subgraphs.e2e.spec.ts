/**
 * The embedded gateway calls its subgraphs in-process (TANDEM_INPROCESS_SUBGRAPHS,
 * default on in startAll). Every other e2e suite runs through that path; this one
 * shows it is the path taken, that the subgraphs' HTTP endpoints still answer,
 * and that a stack with it switched off answers the same: data, stale-served
 * errors, freshness and FRESH reads.
 */
import type { SubgraphName } from '../../subgraphs';
import { gql, startTestStack, type TestStack } from '../support/stack';

const CUSTOMER_WITH_INVOICES = `query($id: ID!) {
  customer(id: $id) {
    id name
    freshness { source stale }
    invoices { id number status balance { amount currency } freshness { source stale } }
    projects { id name }
  }
}`;

/** Counts the in-process calls the gateway makes to each subgraph. */
function countCalls(t: TestStack): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [name, s] of Object.entries(t.subgraphs) as [SubgraphName, TestStack['subgraphs'][SubgraphName]][]) {
    const execute = s.execute.bind(s);
    calls[name] = 0;
    s.execute = (request, headers) => {
      calls[name] += 1;
      return execute(request, headers);
    };
  }
  return calls;
}

interface Scenario {
  first: any;
  stale: any;
  fresh: any;
  renamed: string;
}

/** The same reads on a stack: a first read, one with the ERP down over stale invoices, then a FRESH read of a renamed customer. */
async function scenario(t: TestStack): Promise<Scenario> {
  const customers = await t.adapters.CRM.listAll('customer');
  const invoices = await t.adapters.ERP.listAll('invoice');
  const customer = customers.find((c) => invoices.some((i) => i.customerId === c.id))!;
  const first = await gql(t.gatewayUrl, CUSTOMER_WITH_INVOICES, { id: customer.id });

  await t.store.markStale('invoice');
  t.systems.erp!.setFaults({ down: true });
  const stale = await gql(t.gatewayUrl, CUSTOMER_WITH_INVOICES, { id: customer.id });
  t.systems.erp!.clearFaults();

  const renamed = `Renamed ${customer.id.slice(-4)} Ltd`;
  await t.adapters.CRM.client.updateSObject('Account', customer.externalIds.find((e) => e.system === 'CRM')!.id, { Name: renamed });
  const fresh = await gql(t.gatewayUrl, `query($id: ID!) { customer(id: $id, consistency: FRESH) { name freshness { source stale } } }`, { id: customer.id });
  return { first, stale, fresh, renamed };
}

describe('in-process subgraph calls in the one-process stack', () => {
  let inProcess: Scenario;
  let calls: Record<string, number>;

  test('the embedded gateway calls its subgraphs in-process; stale-served errors and freshness are as over HTTP', async () => {
    const t = await startTestStack({ customers: 10 });
    try {
      calls = countCalls(t);
      inProcess = await scenario(t);
      expect(calls.customer).toBeGreaterThanOrEqual(3);
      expect(calls.billing).toBeGreaterThanOrEqual(2);

      expect(inProcess.first.errors).toBeUndefined();
      expect(inProcess.first.data.customer.invoices.length).toBeGreaterThan(0);
      // the ERP down: cached invoices answer, marked stale, and one stale-served error says so
      expect(inProcess.stale.data.customer.invoices.every((i: any) => i.freshness.stale === true)).toBe(true);
      const served = inProcess.stale.errors?.filter((e: any) => e.extensions?.servedStale);
      expect(served).toHaveLength(1);
      expect(served[0].extensions).toMatchObject({ code: 'SOURCE_UNAVAILABLE', system: 'ERP', servedStale: true, serviceName: 'billing' });
      expect(inProcess.fresh.errors).toBeUndefined();
      expect(inProcess.fresh.data.customer).toEqual({ name: inProcess.renamed, freshness: { source: 'CRM', stale: false } });

      // the subgraphs still serve HTTP (tandem gateway composes remote ones)
      const direct = await gql(t.subgraphs.customer.url, `{ customers(first: 1) { totalCount } }`, undefined, await t.gatewayHeaders());
      expect(direct.data.customers.totalCount).toBe(10);

      // the same query twice answers the same: the gateway merging into in-process answers corrupted no cached row
      const again1 = await gql(t.gatewayUrl, `{ customers(first: 10) { edges { node { id name invoices { id number } projects { id name } } } } }`);
      const again2 = await gql(t.gatewayUrl, `{ customers(first: 10) { edges { node { id name invoices { id number } projects { id name } } } } }`);
      expect(again1.errors).toBeUndefined();
      expect(again2).toEqual(again1);
    } finally {
      await t.stop();
    }
  });

  test('switched off (TANDEM_INPROCESS_SUBGRAPHS=false), the gateway goes over HTTP and answers the same', async () => {
    const previous = process.env.TANDEM_INPROCESS_SUBGRAPHS;
    process.env.TANDEM_INPROCESS_SUBGRAPHS = 'false';
    let t: TestStack | undefined;
    try {
      t = await startTestStack({ customers: 10 });
      const overHttp = countCalls(t);
      const http = await scenario(t);
      expect(Object.values(overHttp).every((n) => n === 0)).toBe(true);
      expect(http.first).toEqual(inProcess.first);
      expect(http.stale).toEqual(inProcess.stale);
      expect(http.fresh).toEqual(inProcess.fresh);
    } finally {
      if (previous === undefined) delete process.env.TANDEM_INPROCESS_SUBGRAPHS;
      else process.env.TANDEM_INPROCESS_SUBGRAPHS = previous;
      await t?.stop();
    }
  });
});
