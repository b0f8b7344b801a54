import { salesforceId } from '../shared/ids';
import { generateWorld } from '../seed/generate-world';
import type { CrmAccount, CrmData } from '../seed/world';
import type { RunningSystem } from '../server/system-server';
import { startCrm } from '../start';
import { call } from '../testing';

const API = '/services/data/v60.0';
const world = generateWorld({ seed: 42, customers: 50, today: '2025-03-15' });
const q = (soql: string) => `${API}/query?q=${encodeURIComponent(soql)}`;

let crm: RunningSystem<CrmData>;
beforeAll(async () => {
  crm = await startCrm({ world });
});
afterAll(() => crm.stop());

describe('sObject reads', () => {
  const account = world.crm.accounts.find((a) => a.ParentId && a.ERP_Customer_Id__c)!;

  it('returns an Account with attributes and every field', async () => {
    const res = await call(crm, 'GET', `${API}/sobjects/Account/${account.Id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ attributes: { type: 'Account', url: `${API}/sobjects/Account/${account.Id}` }, ...account });
    expect(account.Id).toMatch(/^001[0-9A-Za-z]{15}$/);
  });

  it('accepts the 15-character form of an id and a fields list', async () => {
    const res = await call(crm, 'GET', `${API}/sobjects/Account/${account.Id.slice(0, 15)}?fields=Name,ParentId`);
    expect(res.body).toEqual({ attributes: expect.any(Object), Name: account.Name, ParentId: account.ParentId });
  });

  it('returns an Opportunity', async () => {
    const opp = world.crm.opportunities.find((o) => o.ERP_Project_Id__c)!;
    const res = await call(crm, 'GET', `${API}/sobjects/Opportunity/${opp.Id}`);
    expect(res.body).toMatchObject({ attributes: { type: 'Opportunity' }, Id: opp.Id, StageName: 'Closed Won', Amount: opp.Amount });
  });

  it('answers 404 NOT_FOUND for an unknown id', async () => {
    const res = await call(crm, 'GET', `${API}/sobjects/Opportunity/${salesforceId('006', 99999)}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
  });
});

describe('sObject writes', () => {
  it('creates an Account (201) and updates it (204)', async () => {
    const created = await call(crm, 'POST', `${API}/sobjects/Account`, {
      body: { Name: 'Quayside Robotics', Type: 'Prospect', CurrencyIsoCode: 'GBP', BillingCountryCode: 'GB', ParentId: world.crm.accounts[0].Id },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^001/), success: true, errors: [] });
    const id = created.body.id as string;
    const read = await call(crm, 'GET', `${API}/sobjects/Account/${id}`);
    expect(read.body).toMatchObject({ Name: 'Quayside Robotics', Tax_Id__c: null, CurrencyIsoCode: 'GBP', LastModifiedDate: expect.stringMatching(/\+0000$/) });

    const patched = await call(crm, 'PATCH', `${API}/sobjects/Account/${id}`, { body: { AR_Balance__c: 1234.567, Invoice_Status__c: 'OVERDUE' } });
    expect(patched.status).toBe(204);
    expect(patched.text).toBe('');
    const after = await call(crm, 'GET', `${API}/sobjects/Account/${id}?fields=AR_Balance__c,Invoice_Status__c,Name`);
    expect(after.body).toMatchObject({ AR_Balance__c: 1234.57, Invoice_Status__c: 'OVERDUE', Name: 'Quayside Robotics' });
  });

  it('creates an Opportunity in its account currency and writes back ERP and PSA ids', async () => {
    const account = world.crm.accounts.find((a) => a.CurrencyIsoCode === 'EUR')!;
    const created = await call(crm, 'POST', `${API}/sobjects/Opportunity`, {
      body: { Name: 'New deal', AccountId: account.Id, StageName: 'Prospecting', CloseDate: '2025-06-30', Amount: 50000 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await call(crm, 'PATCH', `${API}/sobjects/Opportunity/${id}`, { body: { StageName: 'Closed Won', ERP_Project_Id__c: '9999', PSA_Workspace_Id__c: '39999' } });
    const read = await call(crm, 'GET', `${API}/sobjects/Opportunity/${id}`);
    expect(read.body).toMatchObject({ CurrencyIsoCode: 'EUR', StageName: 'Closed Won', ERP_Project_Id__c: '9999', PSA_Workspace_Id__c: '39999' });
  });

  it.each([
    [{ Type: 'Customer' }, 'REQUIRED_FIELD_MISSING', ['Name']],
    [{ Name: 'X', Shoe_Size__c: 1 }, 'INVALID_FIELD', ['Shoe_Size__c']],
    [{ Name: 'X', Type: 'Friend' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['Type']],
    [{ Name: 'X', ParentId: 'garbage' }, 'MALFORMED_ID', ['ParentId']],
    [{ Name: 'X', ParentId: salesforceId('001', 88888) }, 'INVALID_CROSS_REFERENCE_KEY', ['ParentId']],
    [{ Name: 'X', Id: salesforceId('001', 1) }, 'INVALID_FIELD_FOR_INSERT_UPDATE', ['Id']],
    [{ Name: 'X', AR_Balance__c: 'lots' }, 'JSON_PARSER_ERROR', ['AR_Balance__c']],
    [{ Name: 'X'.repeat(256) }, 'STRING_TOO_LONG', ['Name']],
  ])('rejects %j with 400 %s', async (body, errorCode, fields) => {
    const res = await call(crm, 'POST', `${API}/sobjects/Account`, { body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ message: expect.any(String), errorCode, fields }]);
  });

  it('rejects an update of an unknown record with 404 and of a required field to null with 400', async () => {
    expect((await call(crm, 'PATCH', `${API}/sobjects/Account/${salesforceId('001', 77777)}`, { body: { Name: 'Y' } })).status).toBe(404);
    const res = await call(crm, 'PATCH', `${API}/sobjects/Opportunity/${world.crm.opportunities[0].Id}`, { body: { CloseDate: null } });
    expect(res.body[0].errorCode).toBe('REQUIRED_FIELD_MISSING');
  });
});

describe('SOQL query', () => {
  it('selects fields, filters with IN and =, orders and limits', async () => {
    const ids = world.crm.accounts.slice(0, 3).map((a) => a.Id);
    const res = await call(crm, 'GET', q(`SELECT Id, Name FROM Account WHERE Id IN ('${ids.join("','")}')`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      totalSize: 3,
      done: true,
      records: ids.map((Id, i) => ({ attributes: { type: 'Account', url: `${API}/sobjects/Account/${Id}` }, Id, Name: world.crm.accounts[i].Name })),
    });

    const won = world.crm.opportunities.filter((o) => o.StageName === 'Closed Won');
    const byStage = await call(crm, 'GET', q("select Id, Amount from opportunity where stagename = 'closed won' order by Amount desc limit 5"));
    expect(byStage.body.totalSize).toBe(5);
    const amounts = won.map((o) => o.Amount!).sort((a, b) => b - a).slice(0, 5);
    expect(byStage.body.records.map((r: { Amount: number }) => r.Amount)).toEqual(amounts);
  });

  it('filters by a reference, a number, a date literal and null', async () => {
    const account = world.crm.accounts.find((a) => world.crm.opportunities.filter((o) => o.AccountId === a.Id).length > 2)!;
    const opps = world.crm.opportunities.filter((o) => o.AccountId === account.Id);
    const byAccount = await call(crm, 'GET', q(`SELECT Id FROM Opportunity WHERE AccountId = '${account.Id}'`));
    expect(byAccount.body.records.map((r: { Id: string }) => r.Id)).toEqual(opps.map((o) => o.Id));

    const amount = await call(crm, 'GET', q(`SELECT Id FROM Opportunity WHERE Amount = ${opps[0].Amount}`));
    expect(amount.body.records.map((r: { Id: string }) => r.Id)).toContain(opps[0].Id);
    const date = await call(crm, 'GET', q(`SELECT Id FROM Opportunity WHERE CloseDate = ${opps[0].CloseDate}`));
    expect(date.body.records.map((r: { Id: string }) => r.Id)).toContain(opps[0].Id);
    const noParent = await call(crm, 'GET', q('SELECT Id FROM Account WHERE ParentId = null'));
    expect(noParent.body.totalSize).toBe(crm.snapshot().accounts.filter((a) => !a.ParentId).length);
    expect(noParent.body.totalSize).toBeGreaterThan(30);
  });

  it('takes 1,000 ids in one IN list', async () => {
    const ids = [...world.crm.opportunities.map((o) => o.Id), ...Array.from({ length: 850 }, (_, i) => salesforceId('006', 500000 + i))];
    expect(ids).toHaveLength(1000);
    const res = await call(crm, 'GET', q(`SELECT Id, StageName FROM Opportunity WHERE Id IN ('${ids.join("','")}')`));
    expect(res.status).toBe(200);
    expect(res.body.totalSize).toBeGreaterThanOrEqual(150);
  });

  it.each([
    ["SELECT Id FROM Account WHERE Name LIKE 'A%'", 'MALFORMED_QUERY'],
    ['SELECT COUNT() FROM Account', 'MALFORMED_QUERY'],
    ['SELECT Id, Account.Name FROM Opportunity', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Account GROUP BY Name', 'MALFORMED_QUERY'],
    ["SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b'", 'MALFORMED_QUERY'],
    ['SELECT Id FROM Account LIMIT', 'MALFORMED_QUERY'],
    ['SELECT * FROM Account', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Contact', 'INVALID_TYPE'],
    ['SELECT Id, Shoe_Size__c FROM Account', 'INVALID_FIELD'],
  ])('rejects %s with 400 %s', async (soql, errorCode) => {
    const res = await call(crm, 'GET', q(soql));
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ message: expect.any(String), errorCode }]);
  });

  it('rejects a missing q', async () => {
    expect((await call(crm, 'GET', `${API}/query`)).body[0].errorCode).toBe('MALFORMED_QUERY');
  });
});

describe('SOQL paging', () => {
  const template: CrmAccount = world.crm.accounts[0];
  const many: CrmData = {
    accounts: Array.from({ length: 4500 }, (_, i) => ({ ...template, Id: salesforceId('001', i + 1), Name: `Account ${i + 1}`, ParentId: null })),
    opportunities: [],
  };
  let big: RunningSystem<CrmData>;
  beforeAll(async () => {
    big = await startCrm({ world: { ...world, crm: many } });
  });
  afterAll(() => big.stop());

  it('pages 2,000 records at a time through nextRecordsUrl', async () => {
    const first = await call(big, 'GET', q('SELECT Id FROM Account'));
    expect(first.body).toMatchObject({ totalSize: 4500, done: false, nextRecordsUrl: expect.stringMatching(/^\/services\/data\/v60\.0\/query\/01g\w+-2000$/) });
    expect(first.body.records).toHaveLength(2000);
    const second = await call(big, 'GET', first.body.nextRecordsUrl);
    expect(second.body).toMatchObject({ totalSize: 4500, done: false });
    const third = await call(big, 'GET', second.body.nextRecordsUrl);
    expect(third.body).toMatchObject({ totalSize: 4500, done: true });
    expect(third.body.nextRecordsUrl).toBeUndefined();
    const ids = [first, second, third].flatMap((p) => p.body.records.map((r: { Id: string }) => r.Id));
    expect(ids).toEqual(many.accounts.map((a) => a.Id));
    const counters = big.counters().byEndpoint;
    expect(counters).toEqual({ 'GET /services/data/v60.0/query': 1, 'GET /services/data/v60.0/query/:cursor': 2 });
  });

  it('answers 400 INVALID_QUERY_LOCATOR for an unknown cursor', async () => {
    const res = await call(big, 'GET', `${API}/query/01gXXXXXXXXXXXX-2000`);
    expect(res.status).toBe(400);
    expect(res.body[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
  });
});

describe('Composite resource (GET subrequests)', () => {
  const composite = (compositeRequest: unknown[]) => call(crm, 'POST', `${API}/composite`, { body: { allOrNone: false, compositeRequest } });
  const opp = world.crm.opportunities.find((o) => o.AccountId)!;

  it('reads an opportunity and, by reference, its account in one call, answering each in order', async () => {
    crm.resetCounters();
    const res = await composite([
      { method: 'GET', url: `${API}/sobjects/Opportunity/${opp.Id}`, referenceId: 'opportunity' },
      { method: 'GET', url: `${API}/sobjects/Account/@{opportunity.AccountId}?fields=Id,Name`, referenceId: 'account' },
    ]);
    expect(res.status).toBe(200);
    const account = world.crm.accounts.find((a) => a.Id === opp.AccountId)!;
    expect(res.body).toEqual({
      compositeResponse: [
        { body: expect.objectContaining({ Id: opp.Id, AccountId: opp.AccountId }), httpHeaders: {}, httpStatusCode: 200, referenceId: 'opportunity' },
        { body: { attributes: expect.any(Object), Id: account.Id, Name: account.Name }, httpHeaders: {}, httpStatusCode: 200, referenceId: 'account' },
      ],
    });
    // one API call, as Salesforce counts it
    expect(crm.counters().byEndpoint).toEqual({ [`POST ${API}/composite`]: 1 });
  });

  it('answers a failed subrequest with its own status, and halts the ones that refer to it', async () => {
    const unknown = salesforceId('006', 99998);
    const res = await composite([
      { method: 'GET', url: `${API}/sobjects/Opportunity/${unknown}`, referenceId: 'opportunity' },
      { method: 'GET', url: `${API}/sobjects/Account/@{opportunity.AccountId}`, referenceId: 'account' },
      { method: 'GET', url: `${API}/sobjects/Opportunity/${opp.Id}`, referenceId: 'other' },
    ]);
    expect(res.status).toBe(200);
    const [first, second, third] = (res.body as { compositeResponse: { httpStatusCode: number; body: unknown }[] }).compositeResponse;
    expect(first).toMatchObject({ httpStatusCode: 404, body: [{ errorCode: 'NOT_FOUND' }] });
    expect(second).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'PROCESSING_HALTED', message: expect.stringContaining('opportunity.AccountId') }] });
    expect(third).toMatchObject({ httpStatusCode: 200, body: { Id: opp.Id } });
  });

  it('refuses what it does not take: no subrequests, more than 25, a write, an unknown object, a reused referenceId', async () => {
    const get = (referenceId: string, url = `${API}/sobjects/Opportunity/${opp.Id}`) => ({ method: 'GET', url, referenceId });
    const refused = async (subs: unknown[], code: string) => {
      const res = await composite(subs);
      expect(res.status).toBe(400);
      expect(res.body).toEqual([expect.objectContaining({ errorCode: code })]);
    };
    await refused([], 'INVALID_FIELD');
    await refused(Array.from({ length: 26 }, (_, i) => get(`r${i}`)), 'LIMIT_EXCEEDED');
    await refused([{ method: 'PATCH', url: `${API}/sobjects/Opportunity/${opp.Id}`, referenceId: 'w', body: { Name: 'x' } }], 'INVALID_FIELD');
    await refused([get('x', `${API}/sobjects/Invoice__x/1`)], 'INVALID_FIELD');
    await refused([get('same'), get('same')], 'INVALID_FIELD');
    // nothing was written
    const after = await call(crm, 'GET', `${API}/sobjects/Opportunity/${opp.Id}`);
    expect((after.body as { Name: string }).Name).toBe(opp.Name);
  });
});

describe('sObject Collections', () => {
  it('reads up to 200 ids in id order, null for unknown ones', async () => {
    const [a, b] = world.crm.accounts;
    const unknown = salesforceId('001', 66666);
    const res = await call(crm, 'GET', `${API}/composite/sobjects/Account?ids=${b.Id},${unknown},${a.Id}&fields=Id,Name`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { attributes: { type: 'Account', url: `${API}/sobjects/Account/${b.Id}` }, Id: b.Id, Name: b.Name },
      null,
      { attributes: { type: 'Account', url: `${API}/sobjects/Account/${a.Id}` }, Id: a.Id, Name: a.Name },
    ]);
    const tooMany = Array.from({ length: 201 }, (_, i) => salesforceId('001', i + 1)).join(',');
    const limited = await call(crm, 'GET', `${API}/composite/sobjects/Account?ids=${tooMany}`);
    expect(limited.status).toBe(400);
    expect(limited.body[0].errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('creates all or none', async () => {
    const before = crm.snapshot().accounts.length;
    const records = [
      { attributes: { type: 'Account' }, Name: 'Batch One' },
      { attributes: { type: 'Account' }, Type: 'Customer' },
    ];
    const none = await call(crm, 'POST', `${API}/composite/sobjects`, { body: { allOrNone: true, records } });
    expect(none.status).toBe(200);
    expect(none.body).toEqual([
      { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: expect.any(String), fields: [] }] },
      { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: expect.any(String), fields: ['Name'] }] },
    ]);
    expect(crm.snapshot().accounts).toHaveLength(before);

    const some = await call(crm, 'POST', `${API}/composite/sobjects`, { body: { allOrNone: false, records } });
    expect(some.body[0]).toEqual({ id: expect.stringMatching(/^001/), success: true, errors: [] });
    expect(some.body[1].success).toBe(false);
    expect(crm.snapshot().accounts).toHaveLength(before + 1);
  });

  it('updates records carrying their Id', async () => {
    const [a, b] = world.crm.accounts;
    const res = await call(crm, 'PATCH', `${API}/composite/sobjects`, {
      body: {
        allOrNone: false,
        records: [
          { attributes: { type: 'Account' }, Id: a.Id, Invoice_Status__c: 'PAID' },
          { attributes: { type: 'Account' }, Id: salesforceId('001', 55555), Invoice_Status__c: 'PAID' },
          { attributes: { type: 'Account' }, Id: b.Id, AR_Balance__c: 10 },
        ],
      },
    });
    expect(res.body.map((r: { success: boolean }) => r.success)).toEqual([true, false, true]);
    expect(res.body[0]).toEqual({ id: a.Id, success: true, errors: [] });
    const read = await call(crm, 'GET', `${API}/composite/sobjects/Account?ids=${a.Id},${b.Id}&fields=Invoice_Status__c,AR_Balance__c`);
    expect(read.body.map((r: { Invoice_Status__c: string; AR_Balance__c: number }) => [r.Invoice_Status__c, r.AR_Balance__c])).toEqual([
      ['PAID', a.AR_Balance__c],
      [b.Invoice_Status__c, 10],
    ]);
  });

  it('rejects a record without a concrete type', async () => {
    const res = await call(crm, 'POST', `${API}/composite/sobjects`, { body: { records: [{ Name: 'No type' }] } });
    expect(res.status).toBe(400);
    expect(res.body[0].errorCode).toBe('INVALID_TYPE');
  });
});
