import { canonicalId, customerSchema, invoiceSchema, paymentSchema, projectSchema, type Money } from '../../canonical-schema';
import { SourceError } from '../http/source-error';
import {
  CONTRACT_TYPE,
  INVOICE_STATUS_TO_ERP,
  JOB_STATUS,
  changeOrderCanonicalId,
  changeOrderToRecord,
  customerResolver,
  customerToErpCustomer,
  erpCustomerCanonicalId,
  erpCustomerToCanonical,
  invoiceStatus,
  invoiceToCanonical,
  invoiceToRecord,
  jobToProject,
  paymentToCanonical,
  paymentToRecord,
  projectToJob,
} from './erp-mapper';
import {
  changeOrderRow,
  customerPaymentRow,
  customerRow,
  invoiceLineRow,
  invoiceRow,
  jobRow,
  type ChangeOrderRow,
  type InvoiceLineRow,
  type InvoiceRow,
  type JobRow,
} from './erp-wire';

const SF_ACC = '001Hs0000000001AAA';
const SF_OPP = '006Hs0000000001AAA';
const resolve = customerResolver([{ id: '17', externalid: SF_ACC }, { id: '18' }]);

function job(over: Record<string, unknown> = {}): JobRow {
  return jobRow.parse({
    links: [],
    id: '42',
    entityid: 'PRJ-0042',
    companyname: 'Acme data platform',
    parent: '17',
    entitystatus: 'In Progress',
    custentity_contract_type: 'T&M',
    custentity_budget_amount: '250000.5',
    currency: 'USD',
    startdate: '2025-01-06',
    projectedenddate: '2025-06-30',
    custentity_sf_opportunity_id: SF_OPP,
    custentity_psa_workspace_id: '7',
    ...over,
  });
}
const co = (over: Record<string, unknown> = {}): ChangeOrderRow =>
  changeOrderRow.parse({
    id: '3',
    custrecord_co_job: '42',
    custrecord_co_description: 'Extra sprint',
    custrecord_co_amount: '12000.10',
    custrecord_co_approved_date: '2025-03-01T10:00:00.000Z',
    ...over,
  });

function invoice(over: Record<string, unknown> = {}): InvoiceRow {
  return invoiceRow.parse({
    links: [],
    id: '900',
    tranid: 'INV-0900',
    entity: '17',
    job: '42',
    status: 'Open',
    trandate: '2025-03-01',
    duedate: '2025-03-31',
    total: '1500',
    amountremaining: '1500',
    currency: 'USD',
    ...over,
  });
}
const line = (over: Record<string, unknown> = {}): InvoiceLineRow =>
  invoiceLineRow.parse({ invoice: '900', line: '1', description: 'Consulting', quantity: '7.5', rate: '200', amount: '1500', custcol_psa_user_id: '55', ...over });

describe('ERP customer identity', () => {
  it('anchors on the Salesforce Account Id, or on erp:<id> without one', () => {
    expect(erpCustomerCanonicalId('17', SF_ACC)).toBe(canonicalId('customer', SF_ACC));
    expect(erpCustomerCanonicalId('18', undefined)).toBe(canonicalId('customer', 'erp:18'));
    expect(resolve('17')).toBe(canonicalId('customer', SF_ACC));
    expect(resolve('18')).toBe(canonicalId('customer', 'erp:18'));
    expect(resolve('99')).toBe(canonicalId('customer', 'erp:99'));
  });

  it('maps an ERP customer row to the same canonical customer id as its account', () => {
    const c = erpCustomerToCanonical(
      customerRow.parse({ id: '17', entityid: 'CUST-00017', companyname: 'Acme Corporation', externalid: SF_ACC, subsidiary: 'Tandem Consulting Inc.', currency: 'USD', vatregnumber: 'US-1', isinactive: 'F' }),
    );
    expect(customerSchema.parse(c)).toEqual(c);
    expect(c).toMatchObject({
      id: canonicalId('customer', SF_ACC),
      name: 'Acme Corporation',
      legalEntity: 'Tandem Consulting Inc.',
      taxId: 'US-1',
      status: 'ACTIVE',
      externalIds: [
        { system: 'CRM', id: SF_ACC },
        { system: 'ERP', id: '17' },
      ],
    });
    expect(erpCustomerToCanonical(customerRow.parse({ id: '18', companyname: 'X', currency: 'EUR', isinactive: 'T' })).status).toBe('INACTIVE');
  });
});

describe('jobToProject', () => {
  it('maps a job with its change orders; references are canonical ids', () => {
    const p = jobToProject(job(), [co(), co({ id: '4', custrecord_co_job: '43' }), co({ id: '2', custrecord_co_amount: '-500', custrecord_co_approved_date: undefined })], resolve);
    expect(projectSchema.parse(p)).toEqual(p);
    expect(p).toEqual({
      id: canonicalId('project', '42'),
      code: 'PRJ-0042',
      name: 'Acme data platform',
      customerId: canonicalId('customer', SF_ACC),
      opportunityId: canonicalId('opportunity', SF_OPP),
      status: 'ACTIVE',
      contractType: 'TIME_AND_MATERIALS',
      budget: { amount: '250000.50', currency: 'USD' },
      startDate: '2025-01-06',
      endDate: '2025-06-30',
      changeOrders: [
        { id: changeOrderCanonicalId('42', '2'), description: 'Extra sprint', budgetDelta: { amount: '-500.00', currency: 'USD' }, approvedAt: null },
        { id: changeOrderCanonicalId('42', '3'), description: 'Extra sprint', budgetDelta: { amount: '12000.10', currency: 'USD' }, approvedAt: '2025-03-01T10:00:00.000Z' },
      ],
      externalIds: [
        { system: 'ERP', id: '42' },
        { system: 'PSA', id: '7' },
      ],
    });
  });

  it('handles a job without budget, dates, opportunity or workspace', () => {
    const p = jobToProject(job({ custentity_budget_amount: undefined, startdate: undefined, projectedenddate: undefined, custentity_sf_opportunity_id: undefined, custentity_psa_workspace_id: undefined, parent: '18' }), [], resolve);
    expect(p).toMatchObject({ budget: null, startDate: null, endDate: null, opportunityId: null, customerId: canonicalId('customer', 'erp:18'), externalIds: [{ system: 'ERP', id: '42' }] });
  });

  it('reads NetSuite M/D/YYYY dates', () => {
    expect(jobToProject(job({ startdate: '1/6/2025' }), [], resolve).startDate).toBe('2025-01-06');
  });

  it.each([
    ['Pending', 'PLANNED'],
    ['In Progress', 'ACTIVE'],
    ['On Hold', 'ON_HOLD'],
    ['Closed', 'COMPLETED'],
    ['Cancelled', 'CANCELLED'],
  ] as const)('entitystatus %s → %s', (v, c) => {
    expect(jobToProject(job({ entitystatus: v }), [], resolve).status).toBe(c);
    expect(JOB_STATUS.toVendor(c)).toBe(v);
  });

  it.each([
    ['T&M', 'TIME_AND_MATERIALS'],
    ['Fixed Fee', 'FIXED_FEE'],
    ['Retainer', 'RETAINER'],
  ] as const)('contract type %s → %s', (v, c) => {
    expect(jobToProject(job({ custentity_contract_type: v }), [], resolve).contractType).toBe(c);
    expect(CONTRACT_TYPE.toVendor(c)).toBe(v);
  });

  it('rejects unknown enum values as BAD_RESPONSE naming the field', () => {
    expect(() => jobToProject(job({ entitystatus: 'Awarded' }), [], resolve)).toThrow(/job.entitystatus.*"Awarded"/);
    expect(() => jobToProject(job({ custentity_contract_type: 'Cost Plus' }), [], resolve)).toThrow(SourceError);
  });

  it('rejects a non-numeric amount', () => {
    expect(() => jobToProject(job({ custentity_budget_amount: 'lots' }), [], resolve)).toThrow(/custentity_budget_amount/);
  });
});

describe('invoice status', () => {
  const m = (amount: string): Money => ({ amount, currency: 'USD' });
  const today = '2025-04-15';
  it.each([
    [{ status: 'Open', custbody_blocked_reason: 'Missing tax id', duedate: '2025-03-31' }, '1500', 'BLOCKED'],
    [{ status: 'Pending Approval', custbody_blocked_reason: 'Missing tax id' }, '1500', 'BLOCKED'],
    [{ status: 'Voided', custbody_blocked_reason: 'Missing tax id' }, '1500', 'VOID'],
    [{ status: 'Paid In Full', custbody_blocked_reason: 'Missing tax id' }, '0', 'PAID'],
    [{ status: 'Pending Approval' }, '1500', 'DRAFT'],
    [{ status: 'Voided' }, '1500', 'VOID'],
    [{ status: 'Paid In Full' }, '0', 'PAID'],
    [{ status: 'Open', duedate: '2025-03-31' }, '1500', 'OVERDUE'],
    [{ status: 'Open', duedate: '2025-03-31' }, '0', 'ISSUED'],
    [{ status: 'Open', duedate: '2025-05-31' }, '500', 'PARTIALLY_PAID'],
    [{ status: 'Open', duedate: '2025-05-31' }, '1500', 'ISSUED'],
    [{ status: 'Open', duedate: '2025-04-15' }, '1500', 'ISSUED'],
    [{ status: 'Open' }, '1500', 'ISSUED'],
  ] as const)('%j with %s remaining → %s', (row, remaining, expected) => {
    expect(invoiceStatus(row, m('1500'), m(remaining), today)).toBe(expected);
  });

  it('rejects an unknown status', () => {
    expect(() => invoiceStatus({ status: 'Rejected' }, m('1'), m('1'), today)).toThrow(/invoice.status/);
    expect(() => invoiceStatus({ status: 'Rejected', custbody_blocked_reason: 'x' }, m('1'), m('1'), today)).toThrow(/invoice.status/);
  });
});

describe('invoiceToCanonical', () => {
  it('maps the invoice and its lines in line order', () => {
    const inv = invoiceToCanonical(
      invoice({ total: '1700.25', amountremaining: '200.25', duedate: '2099-01-01' }),
      [line({ line: '2', description: 'Expenses', quantity: undefined, rate: undefined, amount: '200.25', custcol_psa_user_id: undefined }), line(), line({ invoice: '901' })],
      resolve,
      '2025-04-15',
    );
    expect(invoiceSchema.parse(inv)).toEqual(inv);
    expect(inv).toEqual({
      id: canonicalId('invoice', '900'),
      number: 'INV-0900',
      customerId: canonicalId('customer', SF_ACC),
      projectId: canonicalId('project', '42'),
      status: 'PARTIALLY_PAID',
      issueDate: '2025-03-01',
      dueDate: '2099-01-01',
      total: { amount: '1700.25', currency: 'USD' },
      balance: { amount: '200.25', currency: 'USD' },
      lines: [
        { description: 'Consulting', resourceId: canonicalId('resource', '55'), hours: 7.5, rate: { amount: '200.00', currency: 'USD' }, amount: { amount: '1500.00', currency: 'USD' } },
        { description: 'Expenses', resourceId: null, hours: null, rate: null, amount: { amount: '200.25', currency: 'USD' } },
      ],
      blockedReason: null,
      externalIds: [{ system: 'ERP', id: '900' }],
    });
  });

  it('reads an omitted amountremaining as zero', () => {
    const inv = invoiceToCanonical(invoice({ status: 'Paid In Full', amountremaining: undefined }), [], resolve, '2025-04-15');
    expect(inv.balance).toEqual({ amount: '0.00', currency: 'USD' });
    expect(inv.status).toBe('PAID');
  });
});

describe('paymentToCanonical', () => {
  it('maps a payment', () => {
    const p = paymentToCanonical(customerPaymentRow.parse({ id: '5', customer: '17', custbody_invoice: '900', payment: '499.99', trandate: '2025-03-20', currency: 'USD' }), resolve);
    expect(paymentSchema.parse(p)).toEqual(p);
    expect(p).toEqual({
      id: canonicalId('payment', '5'),
      invoiceId: canonicalId('invoice', '900'),
      customerId: canonicalId('customer', SF_ACC),
      amount: { amount: '499.99', currency: 'USD' },
      date: '2025-03-20',
      externalIds: [{ system: 'ERP', id: '5' }],
    });
  });
});

describe('canonical → NetSuite', () => {
  it('writes a customer', () => {
    expect(
      customerToErpCustomer(
        { name: 'Acme', legalName: 'Acme Corporation', legalEntity: 'Tandem Consulting Inc.', taxId: 'US-1', currency: 'USD', status: 'ACTIVE' },
        { sfAccountId: SF_ACC },
      ),
    ).toEqual({
      companyName: 'Acme Corporation',
      externalId: SF_ACC,
      subsidiary: { refName: 'Tandem Consulting Inc.' },
      currency: { refName: 'USD' },
      vatRegNumber: 'US-1',
      isInactive: false,
    });
    expect(customerToErpCustomer({ name: 'Acme', legalName: null, legalEntity: null, taxId: null, currency: 'EUR' })).toEqual({
      companyName: 'Acme',
      subsidiary: null,
      currency: { refName: 'EUR' },
      vatRegNumber: null,
    });
  });

  it('writes a project as a job that reads back the same', () => {
    const p = jobToProject(job(), [], resolve);
    const body = projectToJob(p, { erpCustomerId: '17', sfOpportunityId: SF_OPP, psaWorkspaceId: '7' });
    expect(body).toEqual({
      entityId: 'PRJ-0042',
      companyName: 'Acme data platform',
      parent: { id: '17' },
      entityStatus: { refName: 'In Progress' },
      custentity_contract_type: 'T&M',
      custentity_budget_amount: 250000.5,
      currency: { refName: 'USD' },
      startDate: '2025-01-06',
      projectedEndDate: '2025-06-30',
      custentity_sf_opportunity_id: SF_OPP,
      custentity_psa_workspace_id: '7',
    });
    const back = jobToProject(
      job({
        entityid: body.entityId,
        companyname: body.companyName,
        entitystatus: body.entityStatus?.refName,
        custentity_contract_type: body.custentity_contract_type,
        custentity_budget_amount: String(body.custentity_budget_amount),
      }),
      [],
      resolve,
    );
    expect(back).toEqual(p);
    expect(projectToJob({ ...p, budget: null }, { erpCustomerId: '17', currency: 'GBP' }).currency).toEqual({ refName: 'GBP' });
  });

  it('writes a change order', () => {
    expect(changeOrderToRecord({ description: 'More', budgetDelta: { amount: '1000.10', currency: 'USD' }, approvedAt: null }, { erpJobId: '42' })).toEqual({
      custrecord_co_job: { id: '42' },
      custrecord_co_description: 'More',
      custrecord_co_amount: 1000.1,
      custrecord_co_approved_date: null,
    });
  });

  it('writes an invoice with its lines', () => {
    const inv = invoiceToCanonical(invoice(), [line()], resolve, '2025-03-15');
    const body = invoiceToRecord(inv, { erpCustomerId: '17', erpJobId: '42', psaUserIdOf: (id) => (id === canonicalId('resource', '55') ? '55' : null) });
    expect(body).toEqual({
      tranId: 'INV-0900',
      entity: { id: '17' },
      job: { id: '42' },
      status: { refName: 'Open' },
      tranDate: '2025-03-01',
      dueDate: '2025-03-31',
      currency: { refName: 'USD' },
      custbody_blocked_reason: null,
      item: { items: [{ description: 'Consulting', quantity: 7.5, rate: 200, amount: 1500, custcol_psa_user_id: '55' }] },
    });
    expect(invoiceToRecord({ ...inv, number: null }, { erpCustomerId: '17' })).not.toHaveProperty('tranId');
    expect(invoiceToRecord({ ...inv, number: 'INV-7' }, { erpCustomerId: '17' })).toMatchObject({ tranId: 'INV-7', job: null });
    expect(INVOICE_STATUS_TO_ERP).toEqual({
      DRAFT: 'Pending Approval',
      ISSUED: 'Open',
      PARTIALLY_PAID: 'Open',
      OVERDUE: 'Open',
      PAID: 'Paid In Full',
      VOID: 'Voided',
      BLOCKED: 'Pending Approval',
    });
  });

  it('writes a payment', () => {
    expect(paymentToRecord({ amount: { amount: '499.99', currency: 'USD' }, date: '2025-03-20' }, { erpCustomerId: '17', erpInvoiceId: '900' })).toEqual({
      customer: { id: '17' },
      custbody_invoice: { id: '900' },
      payment: 499.99,
      tranDate: '2025-03-20',
      currency: { refName: 'USD' },
    });
  });
});
