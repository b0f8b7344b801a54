import type { Invoice, Opportunity, Project, Resource, TimeEntry } from '../../canonical-schema';
import { gql, startTestStack, type TestStack } from '../support/stack';

/**
 * The write side of the API through the gateway, with no workers running: what
 * each mutation accepts (a PENDING transaction, recorded once per idempotency
 * key) and what it refuses (a clear error, nothing recorded).
 */

const TX = 'id workflow status idempotencyKey traceId createdAt';

let t: TestStack;
let wonOpportunity: Opportunity;
let openOpportunity: Opportunity;
let project: Project;
let resource: Resource;
let submitted: TimeEntry;
let approved: TimeEntry;
let payable: Invoice;
let paid: Invoice | undefined;

beforeAll(async () => {
  t = await startTestStack({ customers: 10, workers: false });
  const opportunities = await t.adapters.CRM.listAll('opportunity');
  wonOpportunity = opportunities.find((o) => o.stage === 'CLOSED_WON' && !o.projectId)!;
  openOpportunity = opportunities.find((o) => !o.stage.startsWith('CLOSED'))!;
  const resources = await t.adapters.PSA.listAll('resource');
  const projects = (await t.adapters.ERP.listAll('project')).filter((p) => p.status === 'ACTIVE' && p.budget);
  project = projects.find((p) => resources.some((r) => r.billRate?.currency === p.budget!.currency))!;
  resource = resources.find((r) => r.billRate?.currency === project.budget!.currency)!;
  const entries = await t.adapters.PSA.listAll('timeEntry');
  submitted = entries.find((e) => e.status === 'SUBMITTED')!;
  approved = entries.find((e) => e.status === 'APPROVED')!;
  const invoices = await t.adapters.ERP.listAll('invoice');
  payable = invoices.find((i) => ['ISSUED', 'OVERDUE', 'PARTIALLY_PAID'].includes(i.status) && Number(i.balance.amount) > 10)!;
  paid = invoices.find((i) => i.status === 'PAID');
  for (const [name, v] of Object.entries({ wonOpportunity, openOpportunity, project, resource, submitted, approved, payable })) {
    if (!v) throw new Error(`the seed world has no ${name} for this suite`);
  }
});
afterAll(async () => {
  await t?.stop();
});

async function transactionCount(): Promise<number> {
  return (await t.engine.list({ first: 1 })).totalCount;
}

/** One valid call of each mutation, by name. */
function validCalls(key: (name: string) => string): Record<string, { query: string; variables: Record<string, unknown>; workflow: string }> {
  return {
    upsertCustomer: {
      query: `mutation($input: CustomerInput!, $key: String!) { upsertCustomer(input: $input, idempotencyKey: $key) { ${TX} } }`,
      variables: {
        input: { name: 'Nordwind Analytics GmbH', legalName: 'Nordwind Analytics GmbH', legalEntity: 'Tandem Consulting GmbH', taxId: 'DE123456789', currency: 'EUR', billingAddress: { line1: 'Hafenstraße 1', city: 'Hamburg', postalCode: '20457', country: 'DE' } },
        key: key('upsertCustomer'),
      },
      workflow: 'customer-master',
    },
    convertOpportunity: {
      query: `mutation($id: ID!, $key: String!) { convertOpportunity(opportunityId: $id, idempotencyKey: $key) { ${TX} } }`,
      variables: { id: wonOpportunity.id, key: key('convertOpportunity') },
      workflow: 'opportunity-to-project',
    },
    approveChangeOrder: {
      query: `mutation($input: ChangeOrderInput!, $key: String!) { approveChangeOrder(input: $input, idempotencyKey: $key) { ${TX} } }`,
      variables: { input: { projectId: project.id, budgetDelta: { amount: '5000.00', currency: project.budget!.currency }, description: 'Phase 2 discovery' }, key: key('approveChangeOrder') },
      workflow: 'change-order',
    },
    assignResource: {
      query: `mutation($input: AssignmentInput!, $key: String!) { assignResource(input: $input, idempotencyKey: $key) { ${TX} } }`,
      variables: { input: { projectId: project.id, resourceId: resource.id, role: 'Consultant', plannedHours: 8 }, key: key('assignResource') },
      workflow: 'staffing',
    },
    submitTimeEntries: {
      query: `mutation($entries: [TimeEntryInput!]!, $key: String!) { submitTimeEntries(entries: $entries, idempotencyKey: $key) { ${TX} } }`,
      variables: { entries: [{ resourceId: resource.id, projectId: project.id, date: '2026-03-02', hours: 7.5, billable: true, notes: 'workshop' }], key: key('submitTimeEntries') },
      workflow: 'time-submission',
    },
    approveTimeEntries: {
      query: `mutation($ids: [ID!]!, $key: String!) { approveTimeEntries(ids: $ids, idempotencyKey: $key) { ${TX} } }`,
      variables: { ids: [submitted.id], key: key('approveTimeEntries') },
      workflow: 'time-approval',
    },
    generateInvoices: {
      query: `mutation($id: ID!, $key: String!) { generateInvoices(projectId: $id, periodEnd: "2026-03-31", idempotencyKey: $key) { ${TX} } }`,
      variables: { id: project.id, key: key('generateInvoices') },
      workflow: 'time-to-invoice',
    },
    recordPayment: {
      query: `mutation($id: ID!, $key: String!) { recordPayment(invoiceId: $id, amount: "10.00", idempotencyKey: $key) { ${TX} } }`,
      variables: { id: payable.id, key: key('recordPayment') },
      workflow: 'payment',
    },
  };
}

describe('mutations accept valid commands', () => {
  test('every mutation returns its transaction at once, PENDING, and records exactly one', async () => {
    const calls = validCalls((name) => `valid-${name}`);
    const before = await transactionCount();
    for (const [name, call] of Object.entries(calls)) {
      const r = await gql(t.gatewayUrl, call.query, call.variables);
      expect({ name, errors: r.errors }).toEqual({ name, errors: undefined });
      const tx = r.data[name];
      expect(tx).toEqual({ id: expect.any(String), workflow: call.workflow, status: 'PENDING', idempotencyKey: `valid-${name}`, traceId: expect.stringMatching(/^[0-9a-f]{32}$/), createdAt: expect.any(String) });
      const stored = await t.engine.get(tx.id);
      expect(stored?.workflow).toBe(call.workflow);
    }
    expect(await transactionCount()).toBe(before + Object.keys(calls).length);
  });

  test('the same idempotency key twice gives the same transaction; another input with it is IDEMPOTENCY_KEY_REUSED', async () => {
    const call = validCalls(() => 'same-key-twice').convertOpportunity;
    const before = await transactionCount();
    const first = await gql(t.gatewayUrl, call.query, call.variables);
    const second = await gql(t.gatewayUrl, call.query, call.variables);
    expect(first.errors).toBeUndefined();
    expect(second.data.convertOpportunity.id).toBe(first.data.convertOpportunity.id);
    expect(await transactionCount()).toBe(before + 1);

    const other = validCalls(() => 'same-key-twice').recordPayment;
    const reused = await gql(t.gatewayUrl, other.query, other.variables);
    expect(reused.data).toBeNull();
    expect(reused.errors?.[0].extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', argumentName: 'idempotencyKey', existingTransactionId: first.data.convertOpportunity.id });
    expect(reused.errors?.[0].message).toMatch(/same-key-twice/);
    expect(await transactionCount()).toBe(before + 1);
  });

  test('the verified caller (subject and role) and the trace id of the request are recorded on the transaction; x-tandem-caller cannot claim another name', async () => {
    const call = validCalls(() => 'who-asked').upsertCustomer;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const integrator = await t.as('integrator', { subject: 'integrator@example.com' });
    const r = await gql(t.gatewayUrl, call.query, call.variables, { ...integrator, 'x-tandem-caller': 'someone-else@example.com', traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(r.errors).toBeUndefined();
    expect(r.data.upsertCustomer.traceId).toBe(traceId);
    const q = await gql(t.gatewayUrl, `query($id: ID!) { syncTransaction(id: $id) { requestedBy origin traceId status steps { name system status attempts } } }`, { id: r.data.upsertCustomer.id });
    expect(q.errors).toBeUndefined();
    expect(q.data.syncTransaction).toMatchObject({ requestedBy: 'integrator@example.com (integrator)', origin: 'api', traceId, status: 'PENDING' });
    expect(q.data.syncTransaction.steps.map((s: any) => s.name)).toEqual(['upsert-crm-account', 'upsert-erp-customer', 'link-crm-account']);
    expect(q.data.syncTransaction.steps.every((s: any) => s.status === 'PENDING' && s.attempts === 0)).toBe(true);
    const anon = await gql(t.gatewayUrl, call.query, { ...call.variables, key: 'who-asked-anon' }, { authorization: '' });
    expect(anon.status).toBe(401);
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('mutations refuse bad commands with a clear error and record nothing', () => {
  const UNKNOWN = '00000000-0000-5000-8000-000000000000';
  type Case = [label: string, query: () => string, variables: () => Record<string, unknown>, code: string, argumentName: string, message: RegExp];
  const m = (field: string, args: string) => `mutation($key: String!) { ${field}(${args}, idempotencyKey: $key) { id } }`;
  const cases: Case[] = [
    ['upsertCustomer: empty name', () => m('upsertCustomer', 'input: { name: " ", currency: "EUR" }'), () => ({}), 'BAD_USER_INPUT', 'input', /input\.name/],
    ['upsertCustomer: bad currency', () => m('upsertCustomer', 'input: { name: "X", currency: "euro" }'), () => ({}), 'BAD_USER_INPUT', 'input', /input\.currency.*ISO 4217/],
    ['upsertCustomer: bad country', () => m('upsertCustomer', 'input: { name: "X", currency: "EUR", billingAddress: { line1: "a", city: "b", country: "Germany" } }'), () => ({}), 'BAD_USER_INPUT', 'input', /billingAddress\.country/],
    ['upsertCustomer: unknown id', () => m('upsertCustomer', `input: { id: "${UNKNOWN}", name: "X", currency: "EUR" }`), () => ({}), 'NOT_FOUND', 'input.id', new RegExp(UNKNOWN)],
    ['upsertCustomer: unknown parent', () => m('upsertCustomer', `input: { name: "X", currency: "EUR", parentId: "${UNKNOWN}" }`), () => ({}), 'NOT_FOUND', 'input.parentId', /customer/],
    ['upsertCustomer: empty idempotency key', () => m('upsertCustomer', 'input: { name: "X", currency: "EUR" }'), () => ({ key: '  ' }), 'BAD_USER_INPUT', 'idempotencyKey', /idempotencyKey/],
    ['convertOpportunity: unknown id', () => m('convertOpportunity', `opportunityId: "${UNKNOWN}"`), () => ({}), 'NOT_FOUND', 'opportunityId', new RegExp(`opportunity with id "${UNKNOWN}"`)],
    ['convertOpportunity: not Closed Won', () => m('convertOpportunity', `opportunityId: "${openOpportunity.id}"`), () => ({}), 'OPPORTUNITY_NOT_CLOSED_WON', 'opportunityId', /only a CLOSED_WON opportunity/],
    ['approveChangeOrder: unknown project', () => m('approveChangeOrder', `input: { projectId: "${UNKNOWN}", budgetDelta: { amount: "10", currency: "USD" }, description: "x" }`), () => ({}), 'NOT_FOUND', 'input.projectId', /project/],
    ['approveChangeOrder: bad amount', () => m('approveChangeOrder', `input: { projectId: "${project.id}", budgetDelta: { amount: "0", currency: "${project.budget!.currency}" }, description: "x" }`), () => ({}), 'BAD_USER_INPUT', 'input', /not 0/],
    ['approveChangeOrder: currency mismatch', () => m('approveChangeOrder', `input: { projectId: "${project.id}", budgetDelta: { amount: "10", currency: "${project.budget!.currency === 'JPY' ? 'USD' : 'JPY'}" }, description: "x" }`), () => ({}), 'CURRENCY_MISMATCH', 'input', /budget/],
    ['approveChangeOrder: budget below zero', () => m('approveChangeOrder', `input: { projectId: "${project.id}", budgetDelta: { amount: "-999999999", currency: "${project.budget!.currency}" }, description: "x" }`), () => ({}), 'BUDGET_NEGATIVE', 'input', /would take the budget/],
    ['assignResource: unknown resource', () => m('assignResource', `input: { projectId: "${project.id}", resourceId: "${UNKNOWN}", role: "Dev", plannedHours: 8 }`), () => ({}), 'NOT_FOUND', 'input.resourceId', /resource/],
    ['assignResource: no hours', () => m('assignResource', `input: { projectId: "${project.id}", resourceId: "${resource.id}", role: "Dev", plannedHours: 0 }`), () => ({}), 'BAD_USER_INPUT', 'input', /plannedHours/],
    ['assignResource: below rate card', () => m('assignResource', `input: { projectId: "${project.id}", resourceId: "${resource.id}", role: "Dev", plannedHours: 8, billRate: { amount: "1.00", currency: "${resource.billRate!.currency}" } }`), () => ({}), 'STAFFING_REFUSED', 'input', /refused: bill rate 1.00 .* is below .*rate card/],
    ['submitTimeEntries: none', () => m('submitTimeEntries', 'entries: []'), () => ({}), 'BAD_USER_INPUT', 'entries', /at least one/],
    ['submitTimeEntries: 25 hours', () => m('submitTimeEntries', `entries: [{ resourceId: "${resource.id}", projectId: "${project.id}", date: "2026-03-02", hours: 25, billable: true }]`), () => ({}), 'BAD_USER_INPUT', 'entries', /entries\.0\.hours/],
    ['submitTimeEntries: unknown project', () => m('submitTimeEntries', `entries: [{ resourceId: "${resource.id}", projectId: "${UNKNOWN}", date: "2026-03-02", hours: 2, billable: true }]`), () => ({}), 'NOT_FOUND', 'entries.0.projectId', /project/],
    ['approveTimeEntries: unknown entry', () => m('approveTimeEntries', `ids: ["${submitted.id}", "${UNKNOWN}"]`), () => ({}), 'NOT_FOUND', 'ids.1', /time entry/],
    ['approveTimeEntries: not submitted', () => m('approveTimeEntries', `ids: ["${approved.id}"]`), () => ({}), 'TIME_ENTRY_NOT_SUBMITTED', 'ids', /is APPROVED/],
    ['generateInvoices: unknown project', () => m('generateInvoices', `projectId: "${UNKNOWN}", periodEnd: "2026-03-31"`), () => ({}), 'NOT_FOUND', 'projectId', /project/],
    ['recordPayment: unknown invoice', () => m('recordPayment', `invoiceId: "${UNKNOWN}", amount: "10.00"`), () => ({}), 'NOT_FOUND', 'invoiceId', /invoice/],
    ['recordPayment: zero', () => m('recordPayment', `invoiceId: "${payable.id}", amount: "0"`), () => ({}), 'BAD_USER_INPUT', 'amount', /greater than 0/],
    ['recordPayment: negative', () => m('recordPayment', `invoiceId: "${payable.id}", amount: "-5.00"`), () => ({}), 'BAD_USER_INPUT', 'amount', /greater than 0/],
    ['recordPayment: above the balance', () => m('recordPayment', `invoiceId: "${payable.id}", amount: "99999999.00"`), () => ({}), 'PAYMENT_EXCEEDS_BALANCE', 'amount', /exceeds the balance/],
  ];

  test.each(cases)('%s', async (_label, query, variables, code, argumentName, message) => {
    const before = await transactionCount();
    const r = await gql(t.gatewayUrl, query(), { key: `bad-${_label}`, ...variables() });
    expect(r.data ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0].extensions).toMatchObject({ code, argumentName });
    expect(r.errors![0].message).toMatch(message);
    expect(await transactionCount()).toBe(before);
  });

  test('recordPayment on a paid invoice is INVOICE_NOT_PAYABLE', async () => {
    if (!paid) return; // the seed world always has paid invoices; guard keeps the message clear if not
    const r = await gql(t.gatewayUrl, m('recordPayment', `invoiceId: "${paid.id}", amount: "1.00"`), { key: 'pay-paid' });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'INVOICE_NOT_PAYABLE', argumentName: 'invoiceId', status: 'PAID' });
  });
});

describe('the operations subgraph', () => {
  test('syncTransactions filters by workflow and status and pages without gaps', async () => {
    for (let i = 0; i < 3; i++) {
      const call = validCalls(() => `page-${i}`).upsertCustomer;
      await gql(t.gatewayUrl, call.query, { ...call.variables, input: { ...(call.variables.input as object), name: `Paged ${i}` } });
    }
    const all = await t.engine.list({ workflow: 'customer-master', status: 'PENDING', first: 500 });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const r: any = await gql(
        t.gatewayUrl,
        `query($after: String) { syncTransactions(workflow: "customer-master", status: PENDING, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id workflow status } } } }`,
        { after },
      );
      expect(r.errors).toBeUndefined();
      expect(r.data.syncTransactions.totalCount).toBe(all.totalCount);
      for (const e of r.data.syncTransactions.edges) {
        expect(e.node).toMatchObject({ workflow: 'customer-master', status: 'PENDING' });
        seen.push(e.node.id);
      }
      if (!r.data.syncTransactions.pageInfo.hasNextPage) break;
      after = r.data.syncTransactions.pageInfo.endCursor;
    }
    expect(all.totalCount).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(all.nodes.map((n) => n.id));
  });

  test('an unknown workflow or page size is BAD_USER_INPUT; an unknown transaction is null', async () => {
    const wf = await gql(t.gatewayUrl, `{ syncTransactions(workflow: "teleport") { totalCount } }`);
    expect(wf.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'workflow' });
    const first = await gql(t.gatewayUrl, `{ syncTransactions(first: 0) { totalCount } }`);
    expect(first.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'first' });
    const after = await gql(t.gatewayUrl, `{ syncTransactions(after: "not-a-cursor") { totalCount } }`);
    expect(after.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'after' });
    const none = await gql(t.gatewayUrl, `{ a: syncTransaction(id: "00000000-0000-4000-8000-000000000000") { id } b: syncTransaction(id: "nope") { id } }`);
    expect(none.errors).toBeUndefined();
    expect(none.data).toEqual({ a: null, b: null });
  });

  test('replay refuses an unknown transaction and one that has not failed', async () => {
    const unknown = await gql(t.gatewayUrl, `mutation { replaySyncTransaction(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', argumentName: 'id' });
    const call = validCalls(() => 'replay-pending').upsertCustomer;
    const tx = (await gql(t.gatewayUrl, call.query, call.variables)).data.upsertCustomer;
    const pending = await gql(t.gatewayUrl, `mutation($id: ID!) { replaySyncTransaction(id: $id) { id } }`, { id: tx.id });
    expect(pending.errors?.[0].extensions).toMatchObject({ code: 'NOT_REPLAYABLE', status: 'PENDING' });
    expect(pending.errors?.[0].message).toMatch(/only DEAD_LETTERED, COMPENSATED or FAILED/);
  });

  test('a transaction links to the entities it is about through the graph', async () => {
    const call = validCalls(() => 'linked').convertOpportunity;
    const tx = (await gql(t.gatewayUrl, call.query, call.variables)).data.convertOpportunity;
    const r = await gql(t.gatewayUrl, `query($id: ID!) { syncTransaction(id: $id) { input opportunity { id name stage } } }`, { id: tx.id });
    expect(r.errors).toBeUndefined();
    expect(JSON.parse(r.data.syncTransaction.input)).toEqual({ opportunityId: wonOpportunity.id });
    expect(r.data.syncTransaction.opportunity).toEqual({ id: wonOpportunity.id, name: wonOpportunity.name, stage: 'CLOSED_WON' });
  });

  test('operationalMetrics counts the backlog; integrationHealth lists the three systems', async () => {
    const r = await gql(t.gatewayUrl, `{ operationalMetrics { syncBacklog deadLettered oldestPendingSeconds opportunitiesAwaitingProject invoicesBlocked } integrationHealth { system circuit errorRate latencyP50Ms } }`);
    expect(r.errors).toBeUndefined();
    const metrics = r.data.operationalMetrics;
    expect(metrics.syncBacklog).toBe((await t.engine.list({ status: 'PENDING', first: 1 })).totalCount);
    expect(metrics.deadLettered).toBe(0);
    expect(metrics.oldestPendingSeconds).toBeGreaterThanOrEqual(0);
    expect(metrics.opportunitiesAwaitingProject).toBeGreaterThan(0);
    expect(r.data.integrationHealth.map((h: any) => h.system).sort()).toEqual(['CRM', 'ERP', 'PSA']);
    for (const h of r.data.integrationHealth) expect(h).toMatchObject({ circuit: 'CLOSED', errorRate: 0, latencyP50Ms: null });
  });
});
