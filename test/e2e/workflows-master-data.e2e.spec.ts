import { Decimal, type Customer, type Project } from '../../canonical-schema';
import { startTestStack, type TestStack } from '../support/stack';
import { crmRecord, erpRecord, externalId, graph, mutate, mutateAndSettle, psaRecords, recordCounts, suiteql, TX_FIELDS } from './workflows.support';

/**
 * customer-master (upsertCustomer: a new customer, an update of an existing one)
 * and change-order (approveChangeOrder) end to end through the gateway with
 * workers, effects read from the simulators' own APIs and from the graph.
 */

const UPSERT = `mutation($input: CustomerInput!, $key: String!) { upsertCustomer(input: $input, idempotencyKey: $key) { ${TX_FIELDS} } }`;
const CHANGE = `mutation($input: ChangeOrderInput!, $key: String!) { approveChangeOrder(input: $input, idempotencyKey: $key) { ${TX_FIELDS} } }`;
const CUSTOMER = `query($id: ID!) { customer(id: $id, consistency: FRESH) { id name legalName legalEntity taxId currency billingAddress { line1 city postalCode country } externalIds { system id } } }`;

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ customers: 10, workers: true });
});
afterAll(async () => {
  await t?.stop();
});

test('upsertCustomer (new): a CRM account, an ERP customer keyed by the account id, the ERP id back on the account; the graph shows it; the same key creates nothing more', async () => {
  const input = {
    name: 'Nordwind Analytics',
    legalName: 'Nordwind Analytics GmbH',
    legalEntity: 'Tandem Consulting GmbH',
    taxId: 'DE811223344',
    currency: 'EUR',
    billingAddress: { line1: 'Hafenstraße 1', city: 'Hamburg', postalCode: '20457', country: 'DE' },
  };
  const before = await recordCounts(t);
  const key = 'wf-customer-new-nordwind';
  const tx = await mutateAndSettle(t, UPSERT, { input, key });
  expect(tx.steps.map((s) => [s.name, s.system, s.status])).toEqual([
    ['upsert-crm-account', 'CRM', 'SUCCEEDED'],
    ['upsert-erp-customer', 'ERP', 'SUCCEEDED'],
    ['link-crm-account', 'CRM', 'SUCCEEDED'],
  ]);
  const customerId = tx.result!.customerId as string;
  expect(await recordCounts(t)).toEqual({ ...before, accounts: before.accounts + 1, customers: before.customers + 1 });

  // the systems: one account, one ERP customer whose externalId is the account, linked both ways
  const [row] = await suiteql(t, `SELECT id FROM customer WHERE companyname = 'Nordwind Analytics GmbH'` /* the ERP name is the legal name */);
  const erpCustomer = await erpRecord(t, 'customer', row.id);
  const crmAccountId = erpCustomer.externalId as string;
  const account = await crmRecord(t, 'Account', crmAccountId);
  expect(account).toMatchObject({
    Name: 'Nordwind Analytics',
    Legal_Name__c: 'Nordwind Analytics GmbH',
    Legal_Entity__c: 'Tandem Consulting GmbH',
    Tax_Id__c: 'DE811223344',
    CurrencyIsoCode: 'EUR',
    BillingStreet: 'Hafenstraße 1',
    BillingCity: 'Hamburg',
    BillingPostalCode: '20457',
    BillingCountryCode: 'DE',
    ERP_Customer_Id__c: row.id,
  });
  expect(erpCustomer).toMatchObject({ vatRegNumber: 'DE811223344', currency: { refName: 'EUR' }, subsidiary: { refName: 'Tandem Consulting GmbH' } });

  // the graph
  const g = await graph(t, CUSTOMER, { id: customerId });
  expect(g.customer).toMatchObject({ name: 'Nordwind Analytics', legalEntity: 'Tandem Consulting GmbH', taxId: 'DE811223344', currency: 'EUR', billingAddress: input.billingAddress });
  expect(g.customer.externalIds).toEqual(expect.arrayContaining([{ system: 'CRM', id: crmAccountId }, { system: 'ERP', id: row.id }]));

  // the same key again: the same transaction, nothing new
  const again = await mutate(t, UPSERT, { input, key });
  expect(again.id).toBe(tx.id);
  expect(await recordCounts(t)).toEqual({ ...before, accounts: before.accounts + 1, customers: before.customers + 1 });
});

test('upsertCustomer (existing): the CRM account and its ERP customer are updated in place, nothing created; the graph shows the new master data', async () => {
  const customers = await t.adapters.CRM.listAll('customer');
  const existing = customers.find((c) => c.status === 'ACTIVE' && c.externalIds.some((e) => e.system === 'ERP') && c.taxId && c.billingAddress && !c.parentId) as Customer;
  expect(existing).toBeDefined();
  const crmAccountId = externalId(existing, 'CRM');
  const erpCustomerId = externalId(existing, 'ERP');
  const before = await recordCounts(t);

  const input = {
    id: existing.id,
    name: `${existing.name} (renamed)`,
    legalName: `${existing.legalName ?? existing.name} (renamed)`,
    legalEntity: existing.legalEntity,
    taxId: 'XX-998877',
    currency: existing.currency,
    billingAddress: { line1: '500 New Road', city: existing.billingAddress!.city, postalCode: existing.billingAddress!.postalCode, country: existing.billingAddress!.country },
  };
  const tx = await mutateAndSettle(t, UPSERT, { input, key: `wf-customer-update-${existing.id}` });
  expect(tx.result).toMatchObject({ customerId: existing.id });
  expect(await recordCounts(t)).toEqual(before);

  const account = await crmRecord(t, 'Account', crmAccountId);
  expect(account).toMatchObject({ Name: input.name, Legal_Name__c: input.legalName, Tax_Id__c: 'XX-998877', BillingStreet: '500 New Road', ERP_Customer_Id__c: erpCustomerId });
  const erpCustomer = await erpRecord(t, 'customer', erpCustomerId);
  expect(erpCustomer).toMatchObject({ companyName: input.legalName, vatRegNumber: 'XX-998877', externalId: crmAccountId });
  const rows = await suiteql(t, `SELECT id FROM customer WHERE externalid = '${crmAccountId}'`);
  expect(rows).toHaveLength(1);

  const g = await graph(t, `query($id: ID!) { customer(id: $id) { name taxId billingAddress { line1 } } }`, { id: existing.id });
  expect(g.customer).toMatchObject({ name: input.name, taxId: 'XX-998877', billingAddress: { line1: '500 New Road' } });
});

test('approveChangeOrder: an ERP change order, the ERP job and PSA workspace budgets raised by the delta once; Project.budget and changeOrders show it; the same key changes nothing more', async () => {
  const projects = await t.adapters.ERP.listAll('project');
  const project = projects.find((p) => p.status === 'ACTIVE' && p.budget) as Project;
  expect(project).toBeDefined();
  const erpJobId = externalId(project, 'ERP');
  const psaWorkspaceId = externalId(project, 'PSA');
  const budgetBefore = new Decimal((await erpRecord(t, 'job', erpJobId)).custentity_budget_amount);
  const currency = project.budget!.currency;
  const expected = budgetBefore.plus('12500.50');
  const before = await recordCounts(t);
  const changeOrdersOfJob = () => suiteql(t, `SELECT id, custrecord_co_amount, custrecord_co_description FROM customrecord_change_order WHERE custrecord_co_job = ${erpJobId}`);
  const cosBefore = (await changeOrdersOfJob()).length;

  const input = { projectId: project.id, budgetDelta: { amount: '12500.50', currency }, description: 'Phase 2: data migration' };
  const key = `wf-change-${project.id}`;
  const tx = await mutateAndSettle(t, CHANGE, { input, key });
  expect(tx.steps.map((s) => [s.name, s.system, s.status])).toEqual([
    ['create-erp-change-order', 'ERP', 'SUCCEEDED'],
    ['set-erp-budget', 'ERP', 'SUCCEEDED'],
    ['set-psa-budget', 'PSA', 'SUCCEEDED'],
  ]);
  expect(await recordCounts(t)).toEqual({ ...before, changeOrders: before.changeOrders + 1 });
  const cos = await changeOrdersOfJob();
  expect(cos).toHaveLength(cosBefore + 1);
  expect(cos).toContainEqual(expect.objectContaining({ custrecord_co_description: 'Phase 2: data migration', custrecord_co_amount: '12500.5' }));
  expect(new Decimal((await erpRecord(t, 'job', erpJobId)).custentity_budget_amount).eq(expected)).toBe(true);
  const ws = (await psaRecords(t, 'workspaces', `only=${psaWorkspaceId}`))[psaWorkspaceId];
  expect(ws.price_in_cents).toBe(expected.times(100).toNumber());

  const g = await graph(t, `query($id: ID!) { project(id: $id) { budget { amount currency } changeOrders { description budgetDelta { amount currency } approvedAt } } }`, { id: project.id });
  expect(new Decimal(g.project.budget.amount).eq(expected)).toBe(true);
  expect(g.project.budget.currency).toBe(currency);
  const co = g.project.changeOrders.find((c: any) => c.description === 'Phase 2: data migration');
  expect(co).toBeDefined();
  expect(new Decimal(co.budgetDelta.amount).eq('12500.50')).toBe(true);
  expect(co.approvedAt).toEqual(expect.any(String));

  // the same key again: the same transaction; the delta is not applied twice
  const again = await mutate(t, CHANGE, { input, key });
  expect(again.id).toBe(tx.id);
  expect(new Decimal((await erpRecord(t, 'job', erpJobId)).custentity_budget_amount).eq(expected)).toBe(true);
  expect(await recordCounts(t)).toEqual({ ...before, changeOrders: before.changeOrders + 1 });
});
