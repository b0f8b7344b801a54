/** The NetSuite client and ERP mappers against the ERP simulator: record writes read back as the same canonical data. */
import { canonicalId, invoiceSchema, paymentSchema, projectSchema, type Project } from '../../canonical-schema';
import { startSimulatedAdapters, type SimulatedAdapters } from '../testing/simulated-adapters';
import { changeOrderToRecord, customerToErpCustomer, invoiceToRecord, paymentToRecord, projectToJob, type JobData } from './erp-mapper';
import { restRecordWire } from './erp-wire';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters({ customers: 10 });
});
afterAll(async () => {
  await env?.stop();
});

const erp = () => env.adapters.ERP;

describe('ERP writes through the reverse mappers', () => {
  let erpCustomerId: string;
  let sfAccountId: string;
  let jobId: string;
  let invoiceId: string;

  beforeAll(() => {
    const account = env.world.crm.accounts.find((a) => a.ERP_Customer_Id__c && a.CurrencyIsoCode === 'USD') ?? env.world.crm.accounts.find((a) => a.ERP_Customer_Id__c)!;
    sfAccountId = account.Id;
    erpCustomerId = account.ERP_Customer_Id__c!;
  });

  it('creates a customer that anchors on its Salesforce id, or on erp:<id> without one', async () => {
    const sfId = '001Zz0000000077AAA';
    const { id } = await erp().client.createRecord(
      'customer',
      customerToErpCustomer({ name: 'Initech', legalName: 'Initech LLC', legalEntity: 'Tandem Consulting Inc.', taxId: 'US-1', currency: 'USD', status: 'ACTIVE' }, { sfAccountId: sfId }),
      { idempotencyKey: 'initech-1' },
    );
    const again = await erp().client.createRecord('customer', customerToErpCustomer({ name: 'Initech', legalName: null, legalEntity: null, taxId: null, currency: 'USD' }), {
      idempotencyKey: 'initech-1',
    });
    expect(again.id).toBe(id);
    const [c] = await erp().fetchCustomers([id]);
    expect(c).toMatchObject({
      id: canonicalId('customer', sfId),
      name: 'Initech LLC',
      legalEntity: 'Tandem Consulting Inc.',
      taxId: 'US-1',
      currency: 'USD',
      status: 'ACTIVE',
      externalIds: [
        { system: 'CRM', id: sfId },
        { system: 'ERP', id },
      ],
    });

    const orphan = await erp().client.createRecord('customer', customerToErpCustomer({ name: 'No CRM', legalName: null, legalEntity: null, taxId: null, currency: 'EUR' }));
    const [o] = await erp().fetchCustomers([orphan.id]);
    expect(o.id).toBe(canonicalId('customer', `erp:${orphan.id}`));
  });

  it('creates a job and a change order that read back as the same project', async () => {
    const data: JobData & { code: string } = {
      code: 'PRJ-9001',
      name: 'Initech migration',
      status: 'ACTIVE',
      contractType: 'FIXED_FEE',
      budget: { amount: '120000.50', currency: 'USD' },
      startDate: '2025-07-01',
      endDate: '2025-12-31',
    };
    const customer = await erp().client.getRecord('customer', erpCustomerId, restRecordWire);
    const currency = String((customer.currency as { refName?: string } | undefined)?.refName ?? 'USD');
    const jobData = { ...data, budget: { amount: '120000.50', currency } };
    const { id } = await erp().client.createRecord('job', projectToJob(jobData, { erpCustomerId, psaWorkspaceId: null }));
    jobId = id;
    await erp().client.createRecord(
      'customrecord_change_order',
      changeOrderToRecord({ description: 'Phase 2', budgetDelta: { amount: '15000.25', currency }, approvedAt: '2025-07-15T09:00:00.000Z' }, { erpJobId: id }),
    );
    const [p] = await erp().fetchMany('project', [id]);
    expect(projectSchema.parse(p)).toEqual(p);
    expect(p).toEqual<Project>({
      ...jobData,
      id: canonicalId('project', id),
      customerId: canonicalId('customer', sfAccountId),
      opportunityId: null,
      changeOrders: [{ id: expect.any(String), description: 'Phase 2', budgetDelta: { amount: '15000.25', currency }, approvedAt: '2025-07-15T09:00:00.000Z' }],
      externalIds: [{ system: 'ERP', id }],
    });

    await erp().client.updateRecord('job', id, projectToJob({ ...jobData, status: 'ON_HOLD' }, { erpCustomerId }));
    expect((await erp().fetchMany('project', [id]))[0].status).toBe('ON_HOLD');
  });

  it('creates an invoice and a payment that read back with derived status and balance', async () => {
    const [p] = await erp().fetchMany('project', [jobId]);
    const currency = p.budget!.currency;
    const resourceId = canonicalId('resource', env.world.psa.users[0].id);
    const { id } = await erp().client.createRecord(
      'invoice',
      invoiceToRecord(
        {
          status: 'ISSUED',
          issueDate: '2025-06-01',
          dueDate: '2099-07-01',
          total: { amount: '0', currency },
          blockedReason: null,
          lines: [
            { description: 'Consulting', resourceId, hours: 10, rate: { amount: '150.00', currency }, amount: { amount: '1500.00', currency } },
            { description: 'Travel', resourceId: null, hours: null, rate: null, amount: { amount: '234.56', currency } },
          ],
        },
        { erpCustomerId, erpJobId: jobId, psaUserIdOf: (r) => (r === resourceId ? env.world.psa.users[0].id : null) },
      ),
    );
    invoiceId = id;
    const [inv] = await erp().fetchMany('invoice', [id]);
    expect(invoiceSchema.parse(inv)).toEqual(inv);
    expect(inv).toMatchObject({
      customerId: canonicalId('customer', sfAccountId),
      projectId: canonicalId('project', jobId),
      status: 'ISSUED',
      total: { amount: '1734.56', currency },
      balance: { amount: '1734.56', currency },
      lines: [
        { description: 'Consulting', resourceId, hours: 10, rate: { amount: '150.00', currency }, amount: { amount: '1500.00', currency } },
        { description: 'Travel', resourceId: null, amount: { amount: '234.56', currency } },
      ],
    });

    const pay = await erp().client.createRecord('customerPayment', paymentToRecord({ amount: { amount: '734.56', currency }, date: '2025-06-10' }, { erpCustomerId, erpInvoiceId: invoiceId }), {
      idempotencyKey: 'pay-1',
    });
    await erp().client.createRecord('customerPayment', paymentToRecord({ amount: { amount: '734.56', currency }, date: '2025-06-10' }, { erpCustomerId, erpInvoiceId: invoiceId }), {
      idempotencyKey: 'pay-1',
    });
    const [payment] = await erp().fetchMany('payment', [pay.id]);
    expect(paymentSchema.parse(payment)).toEqual(payment);
    expect(payment).toMatchObject({ invoiceId: canonicalId('invoice', invoiceId), customerId: canonicalId('customer', sfAccountId), amount: { amount: '734.56', currency }, date: '2025-06-10' });
    const [after] = await erp().fetchMany('invoice', [invoiceId]);
    expect(after).toMatchObject({ status: 'PARTIALLY_PAID', balance: { amount: '1000.00', currency } });
  });
});
