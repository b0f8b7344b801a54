import { BI_QUERY } from '../../bench/queries';
import { gql, startTestStack } from '../support/stack';

interface Cost {
  customers: number;
  /** SuiteQL pages beyond the first that the ERP's 1,000-row page limit forces for this world */
  erpExtraPages: number;
  calls: Record<string, number>;
  roundTrips: number;
}

async function measure(customers: number): Promise<{ cold: Cost; warm: Cost }> {
  // A generous time budget: this test counts calls, and a call that timed out on a
  // loaded machine would be retried and counted twice.
  const t = await startTestStack({ customers, adapters: { timeoutMs: 20_000 } });
  try {
    const [invoices, projects] = await Promise.all([t.adapters.ERP.listAll('invoice'), t.adapters.ERP.listAll('project')]);
    const extra = (rows: number) => Math.max(0, Math.ceil(rows / 1000) - 1);
    const erpExtraPages =
      extra(invoices.length) + extra(invoices.reduce((n, i) => n + i.lines.length, 0)) +
      extra(projects.length) + extra(projects.reduce((n, p) => n + p.changeOrders.length, 0));
    const run = async (): Promise<Cost> => {
      t.adapters.resetStats();
      t.store.resetRoundTrips();
      const r: any = await gql(t.gatewayUrl, BI_QUERY, { first: 500 });
      expect(r.errors).toBeUndefined();
      const stats = t.adapters.stats();
      return {
        customers: r.data.customers.edges.length,
        erpExtraPages,
        // requests answered: a request refused (say, 429 on a loaded machine) and retried is the same batch sent again, not another
        calls: { CRM: stats.CRM.calls - stats.CRM.errors, ERP: stats.ERP.calls - stats.ERP.errors, PSA: stats.PSA.calls - stats.PSA.errors },
        roundTrips: t.store.roundTrips(),
      };
    };
    await t.store.markStale();
    const cold = await run();
    const warm = await run();
    return { cold, warm };
  } finally {
    await t.stop();
  }
}

test('source calls and database round trips of a BI query do not grow with the number of customers', async () => {
  const small = await measure(10);
  const large = await measure(100);
  // the worlds differ tenfold...
  expect(small.cold.customers).toBeGreaterThanOrEqual(10);
  expect(large.cold.customers).toBeGreaterThanOrEqual(10 * small.cold.customers * 0.8);
  // ...a cold cache reads every level through the adapters, in the same number of calls
  expect(small.cold.calls.CRM).toBeGreaterThan(0);
  expect(small.cold.calls.ERP).toBeGreaterThan(0);
  expect(small.cold.calls.PSA).toBeGreaterThan(0);
  // (beyond the pages NetSuite's 1,000-row SuiteQL page forces on a bigger world: a vendor limit, not N+1)
  expect(large.cold.calls).toEqual({ ...small.cold.calls, ERP: small.cold.calls.ERP + large.cold.erpExtraPages - small.cold.erpExtraPages });
  expect(large.cold.roundTrips).toBe(small.cold.roundTrips);
  // ...and a warm cache asks no source system at all
  expect(large.warm.calls).toEqual({ CRM: 0, ERP: 0, PSA: 0 });
  expect(large.warm.roundTrips).toBe(small.warm.roundTrips);
}, 120_000);
