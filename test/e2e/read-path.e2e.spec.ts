import { gql, startTestStack, type TestStack } from '../support/stack';

const BI_QUERY = `query BI($first: Int) {
  customers(first: $first) {
    totalCount
    edges { node {
      id name currency
      projects { id code assignments { role plannedHours resource { id name } } }
      invoices { id number status balance { amount currency } }
      arBalance { amount currency }
    } }
  }
}`;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ customers: 10 });
});
afterAll(async () => {
  await t?.stop();
});
afterEach(() => {
  for (const s of Object.values(t.systems)) s.clearFaults();
});

describe('the supergraph read path', () => {
  test('lists every CRM account as a customer, a page at a time, without gaps or repeats', async () => {
    const accounts = await t.adapters.CRM.listAll('customer');
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: any = await gql(t.gatewayUrl, `query($after: String) { customers(first: 4, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } }`, { after });
      expect(r.errors).toBeUndefined();
      expect(r.data.customers.totalCount).toBe(accounts.length);
      seen.push(...r.data.customers.edges.map((e: any) => e.node.id));
      if (!r.data.customers.pageInfo.hasNextPage) break;
      after = r.data.customers.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(accounts.length);
    expect(new Set(seen)).toEqual(new Set(accounts.map((a) => a.id)));
    const names = (await Promise.all(seen.map((id) => t.cache.store.getMany('customer', [id])))).map((m) => [...m.values()][0].value.name);
    expect([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(names);
  });

  test('answers one query across all four subgraphs with the source systems’ data', async () => {
    const r: any = await gql(t.gatewayUrl, BI_QUERY, { first: 100 });
    expect(r.errors).toBeUndefined();
    const erpInvoices = await t.adapters.ERP.listAll('invoice');
    const erpProjects = await t.adapters.ERP.listAll('project');
    const psaAssignments = await t.adapters.PSA.listAll('assignment');
    for (const { node } of r.data.customers.edges) {
      const projects = erpProjects.filter((p) => p.customerId === node.id);
      expect(node.projects.map((p: any) => p.code).sort()).toEqual(projects.map((p) => p.code).sort());
      for (const p of node.projects) {
        expect(p.assignments).toHaveLength(psaAssignments.filter((a) => a.projectId === p.id).length);
        for (const a of p.assignments) expect(a.resource.name).toEqual(expect.any(String));
      }
      const invoices = erpInvoices.filter((i) => i.customerId === node.id);
      expect(node.invoices).toHaveLength(invoices.length);
      const open = invoices.filter((i) => ['ISSUED', 'PARTIALLY_PAID', 'OVERDUE'].includes(i.status) && i.balance.currency === node.currency);
      const expected = open.reduce((s, i) => s + Math.round(Number(i.balance.amount) * 100), 0);
      expect(Math.round(Number(node.arBalance.amount) * 100)).toBe(expected);
      expect(node.arBalance.currency).toBe(node.currency);
    }
    expect(r.data.customers.edges.some((e: any) => e.node.projects.length > 0)).toBe(true);
    expect(r.data.customers.edges.some((e: any) => e.node.invoices.length > 0)).toBe(true);
  });

  test('an unknown id is null, not an error', async () => {
    const r = await gql(t.gatewayUrl, `{ customer(id: "00000000-0000-5000-8000-000000000000") { id } project(id: "nope") { id } invoice(id: "x") { id } resource(id: "y") { id } opportunity(id: "z") { id } }`);
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ customer: null, project: null, invoice: null, resource: null, opportunity: null });
  });

  test('invalid arguments get an error naming the argument', async () => {
    const neg = await gql(t.gatewayUrl, `{ customers(first: -1) { totalCount } }`);
    expect(neg.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(neg.errors?.[0].extensions?.argumentName).toBe('first');
    expect(neg.errors?.[0].message).toMatch(/first/);

    const huge = await gql(t.gatewayUrl, `{ resources(first: 100000) { totalCount } }`);
    expect(huge.errors?.[0].message).toMatch(/"first".*between 1 and/);

    const cursor = await gql(t.gatewayUrl, `{ customers(after: "not-a-cursor") { totalCount } }`);
    expect(cursor.errors?.[0].extensions?.argumentName).toBe('after');

    const wrongType = await gql(t.gatewayUrl, `{ customers(first: "ten") { totalCount } }`);
    expect(wrongType.status).toBe(400);
    expect(wrongType.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(wrongType.errors?.[0].message).toMatch(/first|Int/);

    const badEnum = await gql(t.gatewayUrl, `{ customers(filter: { status: SLEEPING }) { totalCount } }`);
    expect(badEnum.errors?.[0].message).toMatch(/SLEEPING/);
  });

  test('consistency: FRESH reads the system of record; CACHED serves the cache', async () => {
    const [account] = await t.adapters.CRM.listAll('customer');
    await t.adapters.CRM.client.updateSObject('Account', account.externalIds.find((e) => e.system === 'CRM')!.id, { Name: 'Renamed In CRM Ltd' });
    const q = `query($id: ID!, $c: Consistency) { customer(id: $id, consistency: $c) { name freshness { source syncedAt stale } } }`;
    const cached: any = await gql(t.gatewayUrl, q, { id: account.id, c: 'CACHED' });
    expect(cached.data.customer.name).toBe(account.name);
    const fresh: any = await gql(t.gatewayUrl, q, { id: account.id, c: 'FRESH' });
    expect(fresh.errors).toBeUndefined();
    expect(fresh.data.customer.name).toBe('Renamed In CRM Ltd');
    expect(fresh.data.customer.freshness.source).toBe('CRM');
    expect(fresh.data.customer.freshness.stale).toBe(false);
    expect(Date.parse(fresh.data.customer.freshness.syncedAt)).toBeGreaterThan(Date.parse(cached.data.customer.freshness.syncedAt));
    const after: any = await gql(t.gatewayUrl, q, { id: account.id, c: 'CACHED' });
    expect(after.data.customer.name).toBe('Renamed In CRM Ltd');
  });
});
