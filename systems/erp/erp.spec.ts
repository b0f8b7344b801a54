import { generateWorld } from '../seed/generate-world';
import type { ErpData } from '../seed/world';
import type { RunningSystem } from '../server/system-server';
import { startErp } from '../start';
import { call, type CallOptions } from '../testing';

const REC = '/services/rest/record/v1';
const world = generateWorld({ seed: 42, customers: 50, today: '2025-03-15' });

let erp: RunningSystem<ErpData>;
beforeAll(async () => {
  erp = await startErp({ world });
});
afterAll(() => erp.stop());

const suiteql = (q: string, params = '', opts: CallOptions = {}) =>
  call(erp, 'POST', `/services/rest/query/v1/suiteql${params}`, { body: { q }, headers: { prefer: 'transient' }, ...opts });
const idFrom = (location: string | null) => location!.split('/').pop()!;

describe('REST record reads', () => {
  it('returns a customer with references', async () => {
    const c = world.erp.customers.find((x) => x.currency === 'GBP')!;
    const res = await call(erp, 'GET', `${REC}/customer/${c.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      links: [{ rel: 'self', href: `${erp.url}${REC}/customer/${c.id}` }],
      id: c.id,
      entityId: c.entityId,
      companyName: c.companyName,
      externalId: c.externalId,
      subsidiary: { id: '2', refName: 'Tandem Consulting Ltd' },
      currency: { id: '2', refName: 'GBP' },
      vatRegNumber: c.vatRegNumber,
      email: c.email,
      isInactive: c.isInactive,
      lastModifiedDate: c.lastModifiedDate,
    });
    expect(c.entityId).toMatch(/^CUST-\d{5}$/);
    const byExternal = await call(erp, 'GET', `${REC}/customer/eid:${c.externalId}`);
    expect(byExternal.body.id).toBe(c.id);
  });

  it('returns a job, a change order, an invoice with its lines and a payment', async () => {
    const co = world.erp.changeOrders[0];
    const job = world.erp.jobs.find((j) => j.id === co.custrecord_co_job)!;
    const jobRes = await call(erp, 'GET', `${REC}/job/${job.id}`);
    expect(jobRes.body).toMatchObject({
      entityId: job.entityId,
      parent: { id: job.parent, refName: world.erp.customers.find((c) => c.id === job.parent)!.companyName },
      entityStatus: { id: expect.any(String), refName: job.entityStatus },
      custentity_contract_type: job.custentity_contract_type,
      custentity_budget_amount: job.custentity_budget_amount,
      custentity_psa_workspace_id: job.custentity_psa_workspace_id,
    });
    const coRes = await call(erp, 'GET', `${REC}/customrecord_change_order/${co.id}`);
    expect(coRes.body).toMatchObject({ custrecord_co_job: { id: job.id, refName: job.companyName }, custrecord_co_amount: co.custrecord_co_amount });

    const payment = world.erp.payments[0];
    const inv = world.erp.invoices.find((i) => i.id === payment.custbody_invoice)!;
    const invRes = await call(erp, 'GET', `${REC}/invoice/${inv.id}`);
    expect(invRes.body).toMatchObject({
      tranId: inv.tranId,
      entity: { id: inv.entity },
      job: { id: inv.job },
      status: { refName: inv.status },
      total: inv.total,
      amountRemaining: inv.amountRemaining,
      currency: { refName: inv.currency },
      custbody_blocked_reason: null,
      item: { items: inv.lines },
    });
    const payRes = await call(erp, 'GET', `${REC}/customerPayment/${payment.id}`);
    expect(payRes.body).toMatchObject({ customer: { id: payment.customer }, custbody_invoice: { id: inv.id, refName: inv.tranId }, payment: payment.payment });
  });

  it('answers 404 NONEXISTENT_ID for an unknown record', async () => {
    const res = await call(erp, 'GET', `${REC}/invoice/1`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5',
      title: 'Not Found',
      status: 404,
      'o:errorDetails': [{ detail: expect.any(String), 'o:errorCode': 'NONEXISTENT_ID' }],
    });
    expect((await call(erp, 'GET', `${REC}/job/${world.erp.customers[0].id}`)).status).toBe(404);
  });
});

describe('REST record writes', () => {
  it('creates a customer and a job (204 + Location) and patches the job', async () => {
    const created = await call(erp, 'POST', `${REC}/customer`, {
      body: { companyName: 'Harbour Lights Ltd', externalId: '001Hs0000000999AAA', subsidiary: { refName: 'Tandem Consulting Ltd' }, vatRegNumber: 'GB123456789' },
    });
    expect(created.status).toBe(204);
    expect(created.headers.get('location')).toMatch(new RegExp(`^${erp.url}${REC}/customer/\\d+$`));
    const customerId = idFrom(created.headers.get('location'));
    const customer = await call(erp, 'GET', `${REC}/customer/${customerId}`);
    expect(customer.body).toMatchObject({ currency: { refName: 'GBP' }, subsidiary: { id: '2' }, isInactive: false, entityId: expect.stringMatching(/^CUST-/) });

    const job = await call(erp, 'POST', `${REC}/job`, {
      body: {
        companyName: 'Cloud Migration',
        parent: { id: customerId },
        custentity_contract_type: 'T&M',
        custentity_budget_amount: 120000,
        startDate: '2025-04-01',
        custentity_sf_opportunity_id: '006Hs0000000999AAA',
      },
    });
    expect(job.status).toBe(204);
    const jobId = idFrom(job.headers.get('location'));
    const patched = await call(erp, 'PATCH', `${REC}/job/${jobId}`, { body: { custentity_budget_amount: 135000, entityStatus: { refName: 'In Progress' } } });
    expect(patched.status).toBe(204);
    const read = await call(erp, 'GET', `${REC}/job/${jobId}`);
    expect(read.body).toMatchObject({
      entityId: expect.stringMatching(/^PRJ-\d{4}$/),
      currency: { refName: 'GBP' },
      entityStatus: { refName: 'In Progress' },
      custentity_budget_amount: 135000,
      custentity_psa_workspace_id: null,
    });
  });

  it.each([
    ['customer', {}, 'USER_ERROR'],
    ['customer', { companyName: 'X', shoeSize: 9 }, 'INVALID_CONTENT'],
    ['customer', { companyName: 'X', externalId: world.erp.customers[0].externalId }, 'DUP_RCRD'],
    ['customer', { companyName: 'X', currency: { refName: 'XXX' } }, 'INVALID_KEY_OR_REF'],
    ['job', { companyName: 'X', parent: { id: '1' } }, 'INVALID_KEY_OR_REF'],
    ['job', { companyName: 'X', parent: { id: world.erp.customers[0].id }, custentity_contract_type: 'Barter' }, 'INVALID_CONTENT'],
    ['job', { companyName: 'X', parent: { id: world.erp.customers[0].id }, startDate: '01/04/2025' }, 'INVALID_CONTENT'],
    ['invoice', { entity: { id: world.erp.customers[0].id } }, 'USER_ERROR'],
    ['customerPayment', { custbody_invoice: { id: '1' }, payment: 10 }, 'INVALID_KEY_OR_REF'],
  ])('rejects a %s %j with 400 %s', async (type, body, code) => {
    const res = await call(erp, 'POST', `${REC}/${type}`, { body });
    expect(res.status).toBe(400);
    expect(res.body['o:errorDetails'][0]['o:errorCode']).toBe(code);
  });

  it('totals a new invoice from its lines and settles it with payments', async () => {
    const job = world.erp.jobs.find((j) => j.entityStatus === 'In Progress')!;
    const created = await call(erp, 'POST', `${REC}/invoice`, {
      body: {
        entity: { id: job.parent },
        job: { id: job.id },
        tranDate: '2025-03-01',
        item: {
          items: [
            { description: 'Consulting', quantity: 10.5, rate: 150, custcol_psa_user_id: '10001' },
            { description: 'Milestone', quantity: 1, rate: 1000, amount: 1000 },
          ],
        },
      },
    });
    expect(created.status).toBe(204);
    const id = idFrom(created.headers.get('location'));
    const inv = await call(erp, 'GET', `${REC}/invoice/${id}`);
    expect(inv.body).toMatchObject({ total: 2575, amountRemaining: 2575, status: { refName: 'Open' }, dueDate: '2025-03-31', tranId: expect.stringMatching(/^INV-/) });
    expect(inv.body.item.items[0]).toEqual({ line: 1, description: 'Consulting', quantity: 10.5, rate: 150, amount: 1575, custcol_psa_user_id: '10001' });

    const tooMuch = await call(erp, 'POST', `${REC}/customerPayment`, { body: { custbody_invoice: { id }, payment: 3000 } });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body['o:errorDetails'][0]['o:errorCode']).toBe('USER_ERROR');
    expect((await call(erp, 'POST', `${REC}/customerPayment`, { body: { custbody_invoice: { id }, payment: 575.25 } })).status).toBe(204);
    expect((await call(erp, 'GET', `${REC}/invoice/${id}`)).body).toMatchObject({ amountRemaining: 1999.75, status: { refName: 'Open' } });
    const voided = await call(erp, 'PATCH', `${REC}/invoice/${id}`, { body: { status: { refName: 'Voided' } } });
    expect(voided.status).toBe(400);
    expect((await call(erp, 'POST', `${REC}/customerPayment`, { body: { custbody_invoice: { id }, payment: 1999.75, tranDate: '2025-03-20' } })).status).toBe(204);
    expect((await call(erp, 'GET', `${REC}/invoice/${id}`)).body).toMatchObject({ amountRemaining: 0, status: { id: 'B', refName: 'Paid In Full' } });
  });

  it('blocks, releases and voids an unpaid invoice', async () => {
    const inv = world.erp.invoices.find((i) => i.status === 'Open' && i.amountRemaining === i.total)!;
    expect((await call(erp, 'PATCH', `${REC}/invoice/${inv.id}`, { body: { custbody_blocked_reason: 'Awaiting PO' } })).status).toBe(204);
    expect((await call(erp, 'GET', `${REC}/invoice/${inv.id}`)).body.custbody_blocked_reason).toBe('Awaiting PO');
    await call(erp, 'PATCH', `${REC}/invoice/${inv.id}`, { body: { custbody_blocked_reason: null, status: { refName: 'Voided' } } });
    expect((await call(erp, 'GET', `${REC}/invoice/${inv.id}`)).body).toMatchObject({ custbody_blocked_reason: null, status: { refName: 'Voided' }, amountRemaining: 0 });
    const again = await call(erp, 'PATCH', `${REC}/invoice/${inv.id}`, { body: { dueDate: '2025-12-31' } });
    expect(again.status).toBe(400);
  });

  it('records an approved change order', async () => {
    const job = world.erp.jobs[0];
    const res = await call(erp, 'POST', `${REC}/customrecord_change_order`, {
      body: { custrecord_co_job: { id: job.id }, custrecord_co_description: 'Extra scope', custrecord_co_amount: 5000, custrecord_co_approved_date: '2025-03-10T12:00:00Z' },
    });
    expect(res.status).toBe(204);
    const read = await call(erp, 'GET', `${REC}/customrecord_change_order/${idFrom(res.headers.get('location'))}`);
    expect(read.body).toMatchObject({ custrecord_co_amount: 5000, custrecord_co_approved_date: '2025-03-10T12:00:00.000Z' });
  });
});

describe('SuiteQL', () => {
  it('selects columns with string values, omitting empty ones', async () => {
    const c = world.erp.customers[0];
    const res = await suiteql(`SELECT id, companyname, externalid, subsidiary, currency, isinactive FROM customer WHERE id = ${c.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      links: [],
      count: 1,
      hasMore: false,
      offset: 0,
      totalResults: 1,
      items: [
        {
          links: [],
          id: c.id,
          companyname: c.companyName,
          externalid: c.externalId,
          subsidiary: world.crm.accounts.find((a) => a.Id === c.externalId)!.Legal_Entity__c,
          currency: c.currency,
          isinactive: c.isInactive ? 'T' : 'F',
        },
      ],
    });
  });

  it('filters with IN and =, orders, and pages with limit and offset', async () => {
    const ids = world.erp.invoices.slice(0, 5).map((i) => i.id);
    const inList = await suiteql(`SELECT * FROM invoice WHERE id IN (${ids.map((i) => `'${i}'`).join(', ')}) ORDER BY id DESC`);
    expect(inList.body.items.map((i: { id: string }) => i.id)).toEqual([...ids].reverse());
    const first = world.erp.invoices[0];
    expect(inList.body.items[4]).toEqual({
      links: [],
      id: first.id,
      tranid: first.tranId,
      entity: first.entity,
      job: first.job,
      status: first.status,
      trandate: first.tranDate,
      duedate: first.dueDate,
      total: String(first.total),
      amountremaining: String(first.amountRemaining),
      currency: first.currency,
      lastmodifieddate: first.lastModifiedDate,
    });

    const customer = world.erp.jobs[0].parent;
    const jobs = await suiteql(`select id, entitystatus from JOB where parent = '${customer}'`);
    expect(jobs.body.items.map((j: { id: string }) => j.id)).toEqual(world.erp.jobs.filter((j) => j.parent === customer).map((j) => j.id));

    const total = erp.snapshot().invoices.length;
    const page1 = await suiteql('SELECT id FROM invoice', '?limit=100&offset=0');
    const last = await suiteql('SELECT id FROM invoice', `?limit=100&offset=${Math.floor(total / 100) * 100}`);
    expect(page1.body).toMatchObject({ count: 100, hasMore: true, offset: 0, totalResults: total });
    expect(last.body.hasMore).toBe(false);
    expect(last.body.count).toBe(total % 100);
  });

  it('serves invoice lines, payments, change orders and blocked reasons', async () => {
    const inv = world.erp.invoices.find((i) => i.lines.length > 2)!;
    const lines = await suiteql(`SELECT invoice, line, quantity, rate, amount, custcol_psa_user_id FROM invoiceline WHERE invoice IN (${inv.id})`);
    expect(lines.body.items).toHaveLength(inv.lines.length);
    expect(lines.body.items[0]).toMatchObject({ invoice: inv.id, line: '1', amount: String(inv.lines[0].amount) });
    const blocked = world.erp.invoices.filter((i) => i.custbody_blocked_reason);
    const withReason = await suiteql(`SELECT id, custbody_blocked_reason FROM invoice WHERE id IN (${blocked.map((b) => b.id).join(',')})`);
    expect(withReason.body.items.map((i: { custbody_blocked_reason: string }) => i.custbody_blocked_reason)).toEqual(blocked.map((b) => b.custbody_blocked_reason));
    const payments = await suiteql(`SELECT * FROM customerpayment WHERE custbody_invoice = '${world.erp.payments[0].custbody_invoice}'`);
    expect(payments.body.items[0]).toMatchObject({ id: world.erp.payments[0].id, payment: String(world.erp.payments[0].payment) });
    const cos = await suiteql('SELECT id, custrecord_co_job FROM customrecord_change_order');
    expect(cos.body.totalResults).toBeGreaterThanOrEqual(world.erp.changeOrders.length);
  });

  it('takes 1,000 values in one IN list', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => String(20001 + i));
    const res = await suiteql(`SELECT id FROM invoice WHERE id IN (${ids.join(',')})`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBeGreaterThanOrEqual(world.erp.invoices.length);
    const tooMany = await suiteql(`SELECT id FROM invoice WHERE id IN (${[...ids, '1'].join(',')})`);
    expect(tooMany.status).toBe(400);
  });

  it.each([
    'SELECT id FROM invoice i JOIN customer c ON i.entity = c.id',
    'SELECT id FROM invoice WHERE total > 100',
    "SELECT id FROM invoice WHERE status = 'Open' AND entity = '1001'",
    'SELECT COUNT(*) FROM invoice',
    'SELECT id FROM transaction',
    'SELECT id, shoesize FROM customer',
    'DELETE FROM customer',
  ])('rejects %s with 400 INVALID_PARAMETER', async (q) => {
    const res = await suiteql(q);
    expect(res.status).toBe(400);
    expect(res.body['o:errorDetails'][0]['o:errorCode']).toBe('INVALID_PARAMETER');
  });

  it('requires Prefer: transient and a limit of at most 1,000', async () => {
    const noPrefer = await call(erp, 'POST', '/services/rest/query/v1/suiteql', { body: { q: 'SELECT id FROM customer' } });
    expect(noPrefer.status).toBe(400);
    expect(noPrefer.body['o:errorDetails'][0]['o:errorCode']).toBe('INVALID_HEADER');
    const limit = await suiteql('SELECT id FROM customer', '?limit=1001');
    expect(limit.status).toBe(400);
    expect(limit.body['o:errorDetails'][0]['o:errorCode']).toBe('INVALID_PARAMETER');
  });
});
