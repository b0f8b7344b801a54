/** The ERP writer (ErpWriter) against the ERP simulator: effects read back through NetSuite's API, idempotency, refusals, no write retries. */
import { canonicalId, invoiceSchema, type Customer } from '../../canonical-schema';
import { startSimulatedAdapters, type SimulatedAdapters } from '../testing/simulated-adapters';
import { customerRow, jobRow, restJobWire } from './erp-wire';
import { sourceFailure } from '../../test/support/source-failure';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters({ customers: 10 });
});
afterAll(async () => {
  await env?.stop();
});
afterEach(() => env.sim.ERP.clearFaults());

const erp = () => env.adapters.ERP;
const sim = () => env.systems.erp;

function newCustomer(sfId: string, over: Partial<Customer> = {}): Customer {
  return {
    id: canonicalId('customer', sfId),
    name: 'Globex',
    legalName: 'Globex Corporation Ltd',
    legalEntity: 'Tandem Consulting Ltd',
    taxId: 'GB123456789',
    currency: 'GBP',
    status: 'ACTIVE',
    billingAddress: { line1: '1 High St', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
    parentId: null,
    externalIds: [{ system: 'CRM', id: sfId }],
    ...over,
  };
}

const customersWithExternalId = async (sfId: string) =>
  erp().client.suiteqlAll(`SELECT id, externalid, companyname, subsidiary, currency, vatregnumber FROM customer WHERE externalid = '${sfId}'`, customerRow);
const jobsOfOpportunity = async (oppId: string) => erp().client.suiteqlAll(`SELECT * FROM job WHERE custentity_sf_opportunity_id = '${oppId}'`, jobRow);

describe('ErpWriter.upsertCustomer', () => {
  it('creates a customer by external id (subsidiary from the legal entity), once per key', async () => {
    const sfId = '001Zz00000000A1AAA';
    const c = newCustomer(sfId);
    sim().resetCounters();
    const first = await erp().upsertCustomer(c, sfId, { idempotencyKey: 'cust-a1' });
    const again = await erp().upsertCustomer(c, sfId, { idempotencyKey: 'cust-a1' });
    expect(again).toEqual(first);
    const rows = await customersWithExternalId(sfId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.erpCustomerId, companyname: 'Globex Corporation Ltd', subsidiary: 'Tandem Consulting Ltd', currency: 'GBP', vatregnumber: 'GB123456789' });
    // new: PATCH (404) + POST; again: PATCH (now 204) + GET eid (the id is not in the customer's externalIds)
    expect(sim().counters().byEndpoint).toMatchObject({
      'PATCH /services/rest/record/v1/customer/:id': 2,
      'POST /services/rest/record/v1/customer': 1,
      'GET /services/rest/record/v1/customer/:id': 1,
    });
  });

  it('updates an existing customer in one call when its ERP id is known', async () => {
    const account = env.world.crm.accounts.find((a) => a.ERP_Customer_Id__c && a.CurrencyIsoCode === 'USD')!;
    const c = newCustomer(account.Id, {
      name: account.Name,
      legalName: 'Renamed Holdings Inc.',
      legalEntity: 'Tandem Consulting Inc.',
      currency: 'USD',
      taxId: 'US-99',
      externalIds: [
        { system: 'CRM', id: account.Id },
        { system: 'ERP', id: account.ERP_Customer_Id__c! },
      ],
    });
    sim().resetCounters();
    expect(await erp().upsertCustomer(c, account.Id, { idempotencyKey: 'cust-upd-1' })).toEqual({ erpCustomerId: account.ERP_Customer_Id__c });
    expect(sim().counters().total).toBe(1);
    const [row] = await customersWithExternalId(account.Id);
    expect(row).toMatchObject({ id: account.ERP_Customer_Id__c, companyname: 'Renamed Holdings Inc.', vatregnumber: 'US-99' });
  });

  it('refuses an invalid currency with a REJECTED naming the field and the record, and creates nothing', async () => {
    const sfId = '001Zz00000000A2AAA';
    const err = await sourceFailure(erp().upsertCustomer(newCustomer(sfId, { currency: 'XYZ', legalEntity: null }), sfId, { idempotencyKey: 'cust-bad' }));
    expect(err).toMatchObject({ code: 'REJECTED', retryable: false, vendorCode: 'INVALID_KEY_OR_REF' });
    expect(err.message).toContain(`customer eid:${sfId} (Globex)`);
    expect(err.message).toMatch(/currency/);
    expect(err.message).toContain('XYZ');
    expect(await customersWithExternalId(sfId)).toHaveLength(0);
  });

  it('is not retried: a 503 is one request and a retryable UNAVAILABLE', async () => {
    sim().setFaults({ error5xx: true });
    sim().resetCounters();
    const err = await sourceFailure(erp().upsertCustomer(newCustomer('001Zz00000000A3AAA'), '001Zz00000000A3AAA', { idempotencyKey: 'cust-503' }));
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(sim().counters().total).toBe(1);
  });
});

describe('ErpWriter projects', () => {
  const oppId = '006Zz00000000B1AAA';
  let erpCustomerId: string;
  let currency: string;

  beforeAll(() => {
    const c = env.world.erp.customers.find((x) => !x.isInactive)!;
    erpCustomerId = c.id;
    currency = c.currency;
  });

  it('creates a job for an opportunity and returns the same job for it afterwards, whatever the key', async () => {
    const project = {
      crmOpportunityId: oppId,
      erpCustomerId,
      name: 'Globex ERP rollout',
      budget: { amount: '98765.43', currency },
      contractType: 'TIME_AND_MATERIALS' as const,
      startDate: '2025-01-01',
      endDate: '2025-12-31',
    };
    sim().resetCounters();
    const created = await erp().createProject(project, { idempotencyKey: 'proj-1' });
    expect(created.code).toMatch(/^PRJ-\d+$/);
    expect(sim().counters().total).toBe(3);
    expect(await erp().createProject(project, { idempotencyKey: 'proj-1' })).toEqual(created);
    expect(await erp().createProject(project, { idempotencyKey: 'another-key' })).toEqual(created);
    const jobs = await jobsOfOpportunity(oppId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      id: created.erpJobId,
      entityid: created.code,
      parent: erpCustomerId,
      entitystatus: 'In Progress',
      custentity_contract_type: 'T&M',
      custentity_budget_amount: '98765.43',
      currency,
      startdate: '2025-01-01',
      projectedenddate: '2025-12-31',
    });
    const [p] = await erp().fetchMany('project', [created.erpJobId]);
    expect(p).toMatchObject({ status: 'ACTIVE', contractType: 'TIME_AND_MATERIALS', budget: { amount: '98765.43', currency }, opportunityId: canonicalId('opportunity', oppId) });
  });

  it('links the workspace, sets the budget, records a change order and cancels the job', async () => {
    const [job] = await jobsOfOpportunity(oppId);
    await erp().linkProjectWorkspace(job.id, '39999', { idempotencyKey: 'link-1' });
    await erp().createChangeOrder(job.id, { description: 'Phase 2', amount: { amount: '1000.10', currency }, approvedAt: '2025-06-01T00:00:00.000Z' }, { idempotencyKey: 'co-1' });
    const co = await erp().createChangeOrder(job.id, { description: 'Phase 2', amount: { amount: '1000.10', currency }, approvedAt: '2025-06-01T00:00:00.000Z' }, { idempotencyKey: 'co-1' });
    await erp().setProjectBudget(job.id, { amount: '99765.53', currency }, { idempotencyKey: 'budget-1' });
    expect(await erp().getProjectBudget(job.id)).toEqual({ budget: { amount: '99765.53', currency }, status: 'ACTIVE' });
    const [p] = await erp().fetchMany('project', [job.id]);
    expect(p.changeOrders).toHaveLength(1);
    expect(p.changeOrders[0]).toMatchObject({ description: 'Phase 2', budgetDelta: { amount: '1000.10', currency } });
    expect(co.erpChangeOrderId).toMatch(/^\d+$/);
    expect(p.externalIds).toContainEqual({ system: 'PSA', id: '39999' });

    const wrong = await sourceFailure(erp().setProjectBudget(job.id, { amount: '1.00', currency: currency === 'JPY' ? 'USD' : 'JPY' }, { idempotencyKey: 'budget-2' }));
    expect(wrong.code).toBe('REJECTED');
    expect(wrong.message).toContain(`job ${job.id}`);

    await erp().cancelProject(job.id, 'a later step failed', { idempotencyKey: 'cancel-1' });
    const rec = await erp().client.getRecord('job', job.id, restJobWire);
    expect(rec.entityStatus.refName).toBe('Cancelled');
    expect((await erp().getProjectBudget(job.id)).status).toBe('CANCELLED');

    // a replayed conversion (new key) reopens the cancelled job: still one job for the opportunity
    const reopened = await erp().createProject(
      { crmOpportunityId: oppId, erpCustomerId, name: 'Globex ERP rollout', budget: { amount: '1.00', currency }, contractType: 'FIXED_FEE', startDate: '2025-01-01', endDate: null },
      { idempotencyKey: 'proj-replay' },
    );
    expect(reopened).toEqual({ erpJobId: job.id, code: job.entityid });
    expect(await jobsOfOpportunity(oppId)).toMatchObject([{ id: job.id, entitystatus: 'In Progress' }]);
  });

  it('NOT_FOUND for an unknown job', async () => {
    const err = await sourceFailure(erp().getProjectBudget('999999'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('job 999999');
    expect((await sourceFailure(erp().cancelProject('999999', 'x', { idempotencyKey: 'c-x' }))).code).toBe('NOT_FOUND');
  });
});

describe('ErpWriter invoices, payments and billing positions', () => {
  it('creates an invoice with a line per resource and rate, takes payments, and reports billing', async () => {
    const job = env.world.erp.jobs.find((j) => env.world.erp.customers.find((c) => c.id === j.parent && !c.isInactive))!;
    const customer = env.world.erp.customers.find((c) => c.id === job.parent)!;
    const before = await erp().customerBilling(customer.id);
    const rate = { amount: '150.00', currency: job.currency };
    const lines = [
      { description: 'Consulting — Ada', psaUserId: '10001', hours: 7.5, rate },
      { description: 'Consulting — Bob', psaUserId: '10002', hours: 2.25, rate: { amount: '99.99', currency: job.currency } },
    ];
    const { erpInvoiceId, invoice } = await erp().createInvoice({ erpCustomerId: customer.id, erpJobId: job.id, lines }, { idempotencyKey: 'inv-1' });
    const again = await erp().createInvoice({ erpCustomerId: customer.id, erpJobId: job.id, lines }, { idempotencyKey: 'inv-1' });
    expect(again.erpInvoiceId).toBe(erpInvoiceId);
    expect(invoiceSchema.parse(invoice)).toEqual(invoice);
    expect(invoice).toMatchObject({
      id: canonicalId('invoice', erpInvoiceId),
      customerId: canonicalId('customer', customer.externalId!),
      projectId: canonicalId('project', job.id),
      status: 'ISSUED',
      total: { amount: '1349.98', currency: job.currency }, // 1125.00 + 224.98 (2.25 × 99.99 = 224.9775)
      balance: { amount: '1349.98', currency: job.currency },
      lines: [
        { description: 'Consulting — Ada', resourceId: canonicalId('resource', '10001'), hours: 7.5, rate, amount: { amount: '1125.00', currency: job.currency } },
        expect.objectContaining({ amount: { amount: '224.98', currency: job.currency } }),
      ],
    });
    const count = sim().snapshot().invoices.filter((i) => i.entity === customer.id).length;
    expect(count).toBe(env.world.erp.invoices.filter((i) => i.entity === customer.id).length + 1);

    const billing = await erp().customerBilling(customer.id);
    expect(billing.latestErpInvoiceId).toBe(erpInvoiceId);
    expect(billing.latestInvoiceStatus).toBe('ISSUED');
    expect(Number(billing.arBalance.amount)).toBeCloseTo(Number(before.arBalance.amount) + 1349.98, 2);

    const paid = await erp().recordPayment({ erpInvoiceId, amount: { amount: '349.98', currency: job.currency } }, { idempotencyKey: 'pay-1' });
    const paidAgain = await erp().recordPayment({ erpInvoiceId, amount: { amount: '349.98', currency: job.currency } }, { idempotencyKey: 'pay-1' });
    expect(paidAgain.erpPaymentId).toBe(paid.erpPaymentId);
    expect(paid.invoice).toMatchObject({ status: 'PARTIALLY_PAID', balance: { amount: '1000.00', currency: job.currency } });
    const tooMuch = await sourceFailure(erp().recordPayment({ erpInvoiceId, amount: { amount: '5000.00', currency: job.currency } }, { idempotencyKey: 'pay-2' }));
    expect(tooMuch.code).toBe('REJECTED');
    expect(tooMuch.message).toContain(`invoice ${erpInvoiceId}`);
    expect(tooMuch.message).toContain('exceeds the amount remaining');
    const full = await erp().recordPayment({ erpInvoiceId, amount: { amount: '1000.00', currency: job.currency } }, { idempotencyKey: 'pay-3' });
    expect(full.invoice.status).toBe('PAID');
    expect(await erp().getInvoice(erpInvoiceId)).toEqual(full.invoice);

    const all = await erp().listCustomerBilling();
    expect(all.find((b) => b.erpCustomerId === customer.id)).toEqual({ erpCustomerId: customer.id, ...(await erp().customerBilling(customer.id)) });
    expect(all.length).toBe(sim().snapshot().customers.length);
  });

  it('NOT_FOUND for an unknown invoice or customer; an invoice without lines is refused before any call', async () => {
    expect((await sourceFailure(erp().getInvoice('99999999'))).code).toBe('NOT_FOUND');
    expect((await sourceFailure(erp().customerBilling('99999999'))).code).toBe('NOT_FOUND');
    sim().resetCounters();
    const err = await sourceFailure(erp().createInvoice({ erpCustomerId: '1001', erpJobId: null, lines: [] }, { idempotencyKey: 'inv-empty' }));
    expect(err.code).toBe('REJECTED');
    expect(sim().counters().total).toBe(0);
  });
});
