/**
 * The adapters against the real simulators (systems/) over HTTP: the seeded world
 * maps to valid canonical records whose references agree across systems, and batch
 * reads cost a constant number of vendor calls.
 */
import {
  assignmentSchema,
  canonicalId,
  customerSchema,
  invoiceSchema,
  opportunitySchema,
  paymentSchema,
  projectSchema,
  resourceSchema,
  timeEntrySchema,
  type EntityMap,
  type EntityType,
  type SourceSystem,
} from '../canonical-schema';
import { canonicalInvoiceStatus } from '../systems';
import { startSimulatedAdapters, TEST_TODAY, type SimulatedAdapters } from './testing/simulated-adapters';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters();
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(() => {
  for (const s of Object.values(env.sim)) s.resetCounters();
  env.adapters.resetStats();
});

const SYSTEM_OF = {
  customer: 'CRM',
  opportunity: 'CRM',
  project: 'ERP',
  invoice: 'ERP',
  payment: 'ERP',
  resource: 'PSA',
  assignment: 'PSA',
  timeEntry: 'PSA',
} as const satisfies Record<EntityType, SourceSystem>;

function listAll<E extends EntityType>(entity: E): Promise<EntityMap[E][]> {
  return env.adapters[SYSTEM_OF[entity]].listAll(entity);
}
function fetchMany<E extends EntityType>(entity: E, ids: readonly string[]): Promise<EntityMap[E][]> {
  return env.adapters[SYSTEM_OF[entity]].fetchMany(entity, ids);
}
/** Requests the simulator of `system` received since the last reset. */
function calls(system: SourceSystem): number {
  return env.sim[system].counters().total;
}
function ids<T extends { id: string }>(rows: readonly T[]): Set<string> {
  return new Set(rows.map((r) => r.id));
}

describe('the seeded world through the adapters', () => {
  let all: { [E in EntityType]: EntityMap[E][] };

  beforeAll(async () => {
    const entries = await Promise.all(
      (Object.keys(SYSTEM_OF) as EntityType[]).map(async (e) => [e, await listAll(e)] as const),
    );
    all = Object.fromEntries(entries) as typeof all;
  });

  it('maps every record to a valid canonical record', () => {
    const schemas = {
      customer: customerSchema,
      opportunity: opportunitySchema,
      project: projectSchema,
      invoice: invoiceSchema,
      payment: paymentSchema,
      resource: resourceSchema,
      assignment: assignmentSchema,
      timeEntry: timeEntrySchema,
    };
    for (const entity of Object.keys(schemas) as EntityType[]) {
      const records: readonly { id: string }[] = all[entity];
      const schema = schemas[entity] as { parse(v: unknown): unknown };
      expect(records.length).toBeGreaterThan(0);
      expect(records.map((r) => schema.parse(r))).toEqual(records);
      expect(ids(records).size).toBe(records.length);
    }
  });

  it('reads every seeded record', () => {
    const w = env.world;
    const workspaces = new Map(w.psa.workspaces.map((x) => [x.id, x]));
    expect(all.customer).toHaveLength(w.crm.accounts.length);
    expect(all.opportunity).toHaveLength(w.crm.opportunities.filter((o) => o.AccountId).length);
    expect(all.project).toHaveLength(w.erp.jobs.length);
    expect(all.invoice).toHaveLength(w.erp.invoices.length);
    expect(all.payment).toHaveLength(w.erp.payments.length);
    expect(all.resource).toHaveLength(w.psa.users.length);
    expect(all.timeEntry).toHaveLength(w.psa.timeEntries.filter((t) => workspaces.get(t.workspace_id)?.external_reference).length);
    expect(all.assignment).toHaveLength(
      w.psa.workspaceResources.filter((a) => workspaces.get(a.workspace_id)?.external_reference && a.role_name && a.bill_rate_in_cents !== null).length,
    );
  });

  it("anchors a project's customer on the CRM account (via the ERP customer's externalId)", () => {
    const w = env.world;
    const accountOfErpCustomer = new Map(w.crm.accounts.filter((a) => a.ERP_Customer_Id__c).map((a) => [a.ERP_Customer_Id__c!, a.Id]));
    const customers = ids(all.customer);
    for (const job of w.erp.jobs) {
      const project = all.project.find((p) => p.id === canonicalId('project', job.id))!;
      expect(project).toBeDefined();
      expect(project.customerId).toBe(canonicalId('customer', accountOfErpCustomer.get(job.parent)!));
      expect(customers.has(project.customerId)).toBe(true);
    }
  });

  it("gives a time entry its ERP job's canonical project id (via the workspace's external_reference)", () => {
    const w = env.world;
    const workspaces = new Map(w.psa.workspaces.map((x) => [x.id, x]));
    const projects = ids(all.project);
    const resources = ids(all.resource);
    const byId = new Map(all.timeEntry.map((t) => [t.id, t]));
    const wrong: unknown[] = [];
    for (const te of w.psa.timeEntries) {
      const t = byId.get(canonicalId('timeEntry', te.id));
      const expected = canonicalId('project', workspaces.get(te.workspace_id)!.external_reference!);
      if (!t || t.projectId !== expected || !projects.has(t.projectId) || !resources.has(t.resourceId)) wrong.push(te);
    }
    expect(wrong).toEqual([]);
    const invoices = ids(all.invoice);
    for (const t of all.timeEntry) if (t.invoiceId) expect(invoices.has(t.invoiceId)).toBe(true);
  });

  it('keeps every other reference inside the mapped world', () => {
    const customers = ids(all.customer);
    const projects = ids(all.project);
    const opportunities = ids(all.opportunity);
    const resources = ids(all.resource);
    const invoices = new Map(all.invoice.map((i) => [i.id, i]));
    for (const c of all.customer) if (c.parentId) expect(customers.has(c.parentId)).toBe(true);
    for (const o of all.opportunity) {
      expect(customers.has(o.customerId)).toBe(true);
      if (o.projectId) expect(projects.has(o.projectId)).toBe(true);
    }
    for (const p of all.project) if (p.opportunityId) expect(opportunities.has(p.opportunityId)).toBe(true);
    for (const a of all.assignment) {
      expect(projects.has(a.projectId)).toBe(true);
      expect(resources.has(a.resourceId)).toBe(true);
    }
    for (const i of all.invoice) {
      expect(customers.has(i.customerId)).toBe(true);
      if (i.projectId) expect(projects.has(i.projectId)).toBe(true);
      for (const l of i.lines) if (l.resourceId) expect(resources.has(l.resourceId)).toBe(true);
    }
    for (const p of all.payment) {
      const invoice = invoices.get(p.invoiceId)!;
      expect(invoice).toBeDefined();
      expect(p.customerId).toBe(invoice.customerId);
      expect(p.amount.currency).toBe(invoice.total.currency);
    }
  });

  it('lists every system id of a record in externalIds, consistently across systems', async () => {
    const w = env.world;
    const workspaceOfJob = new Map(w.psa.workspaces.filter((x) => x.external_reference).map((x) => [x.external_reference!, x.id]));
    for (const job of w.erp.jobs) {
      const p = all.project.find((x) => x.id === canonicalId('project', job.id))!;
      expect(p.externalIds).toEqual([
        { system: 'ERP', id: job.id },
        ...(job.custentity_psa_workspace_id ? [{ system: 'PSA', id: job.custentity_psa_workspace_id }] : []),
      ]);
      if (job.custentity_psa_workspace_id) expect(workspaceOfJob.get(job.id)).toBe(job.custentity_psa_workspace_id);
    }
    // The ERP's view of each customer lands on the CRM account's canonical id.
    const withErp = all.customer.filter((c) => c.externalIds.some((e) => e.system === 'ERP'));
    expect(withErp.length).toBeGreaterThan(0);
    const erpIds = withErp.map((c) => c.externalIds.find((e) => e.system === 'ERP')!.id);
    const erpView = await env.adapters.ERP.fetchCustomers(erpIds);
    expect(erpView.map((c) => c.id).sort()).toEqual(withErp.map((c) => c.id).sort());
    for (const c of erpView) expect(customerSchema.parse(c)).toEqual(c);
  });

  it('agrees with the seed on invoice statuses, and the world is in mid-flight', () => {
    const byId = new Map(all.invoice.map((i) => [i.id, i]));
    for (const inv of env.world.erp.invoices) {
      expect(byId.get(canonicalId('invoice', inv.id))!.status).toBe(canonicalInvoiceStatus(inv, TEST_TODAY));
    }
    const statuses = new Set(all.invoice.map((i) => i.status));
    for (const s of ['ISSUED', 'PARTIALLY_PAID', 'PAID', 'OVERDUE'] as const) expect(statuses).toContain(s);
    expect(all.timeEntry.some((t) => t.status === 'SUBMITTED')).toBe(true);
    expect(all.timeEntry.some((t) => t.status === 'APPROVED' && t.invoiceId === null)).toBe(true);
  });

  it('fetchMany returns the same records as listAll', async () => {
    for (const entity of Object.keys(SYSTEM_OF) as EntityType[]) {
      const system = SYSTEM_OF[entity];
      const sample = all[entity].slice(0, 25);
      const got = await fetchMany(entity, sample.map((r) => r.externalIds.find((e) => e.system === system)!.id));
      expect(new Map(got.map((r) => [r.id, r]))).toEqual(new Map(sample.map((r) => [r.id, r])));
    }
  });
});

describe('batch reads', () => {
  const SOQL = 'GET /services/data/v60.0/query';
  const SUITEQL = 'POST /services/rest/query/v1/suiteql';

  it.each([
    ['customer', 1],
    ['opportunity', 1],
    ['project', 3], // jobs, their change orders, their customers' externalid
    ['invoice', 3], // invoices, their lines, their customers' externalid
    ['payment', 2], // payments, their customers' externalid
    ['resource', 1],
    ['assignment', 1], // include=workspace side-loads the workspaces
    ['timeEntry', 1],
  ] as const)('%s: %i vendor call(s) for 1 id and for 100 ids', async (entity, expected) => {
    const system = SYSTEM_OF[entity];
    const all = await listAll(entity);
    const vendorIds = all.map((r) => r.externalIds.find((e) => e.system === system)!.id);
    for (const n of [1, Math.min(100, vendorIds.length)]) {
      env.sim[system].resetCounters();
      env.adapters.resetStats();
      const got = await fetchMany(entity, vendorIds.slice(0, n));
      expect(got).toHaveLength(n);
      expect(calls(system)).toBe(expected);
      expect(env.adapters.stats()[system].calls).toBe(expected);
    }
  });

  it('leaves unknown, duplicate and malformed ids out of the result, in the same one call', async () => {
    const accounts = env.world.crm.accounts;
    const got = await fetchMany('customer', [accounts[0].Id, accounts[0].Id, '001Zz0000000000000', "x' OR Id != '", accounts[1].Id]);
    expect(got.map((c) => c.externalIds[0].id).sort()).toEqual([accounts[0].Id, accounts[1].Id].sort());
    expect(calls('CRM')).toBe(1);

    const payments = await fetchMany('payment', [env.world.erp.payments[0].id, '99999999', 'abc']);
    expect(payments).toHaveLength(1);
    const users = await fetchMany('resource', ['99999999', env.world.psa.users[0].id]);
    expect(users.map((u) => u.externalIds[0].id)).toEqual([env.world.psa.users[0].id]);
    expect(await fetchMany('timeEntry', ['88888888'])).toEqual([]);
  });

  it('makes no call for no ids', async () => {
    for (const entity of Object.keys(SYSTEM_OF) as EntityType[]) expect(await fetchMany(entity, [])).toEqual([]);
    expect(calls('CRM') + calls('ERP') + calls('PSA')).toBe(0);
  });

  it('chunks at the vendor limits: SOQL 500, SuiteQL 1,000, Kantata 1,000', async () => {
    const fakeSf = Array.from({ length: 550 }, (_, i) => `001Zz${String(i).padStart(10, '0')}AAA`);
    const customers = await fetchMany('customer', [...env.world.crm.accounts.map((a) => a.Id), ...fakeSf]);
    expect(customers).toHaveLength(env.world.crm.accounts.length);
    expect(env.sim.CRM.counters().byEndpoint[SOQL]).toBe(2);

    const fakeNs = Array.from({ length: 1000 }, (_, i) => String(90_000_000 + i));
    const payments = await fetchMany('payment', [...env.world.erp.payments.map((p) => p.id), ...fakeNs]);
    expect(payments).toHaveLength(env.world.erp.payments.length);
    // chunk 1: payments + customers; chunk 2 (no payments found): payments only
    expect(env.sim.ERP.counters().byEndpoint[SUITEQL]).toBe(3);

    const users = await fetchMany('resource', [...env.world.psa.users.map((u) => u.id), ...fakeNs]);
    expect(users).toHaveLength(env.world.psa.users.length);
    expect(env.sim.PSA.counters().byEndpoint['GET /api/v1/users']).toBe(2);
  });
});

describe('listAll paging', () => {
  it('pages Kantata time entries at 2,000 a page', async () => {
    const n = env.world.psa.timeEntries.length;
    expect(n).toBeGreaterThan(2000);
    const entries = await listAll('timeEntry');
    expect(entries.length).toBeGreaterThan(2000);
    expect(env.sim.PSA.counters().byEndpoint['GET /api/v1/time_entries']).toBe(Math.ceil(n / 2000));
  });

  it('pages SuiteQL at 1,000 rows (invoice lines)', async () => {
    const lines = env.world.erp.invoices.reduce((s, i) => s + i.lines.length, 0);
    expect(lines).toBeGreaterThan(1000);
    const invoices = await listAll('invoice');
    expect(invoices.reduce((s, i) => s + i.lines.length, 0)).toBe(lines);
    const invoicePages = Math.ceil(env.world.erp.invoices.length / 1000);
    expect(calls('ERP')).toBe(invoicePages + Math.ceil(lines / 1000) + 1);
  });
});
