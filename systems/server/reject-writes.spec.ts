import { systemAdmin } from '../admin-client';
import { generateWorld } from '../seed/generate-world';
import type { CrmData, ErpData, PsaData } from '../seed/world';
import { startSystems, stopSystems } from '../start';
import { call } from '../testing';
import type { RunningSystem } from './system-server';

const CRM = '/services/data/v60.0';
const REC = '/services/rest/record/v1';
const world = generateWorld({ seed: 3, customers: 10, today: '2025-03-15' });

let crm: RunningSystem<CrmData>;
let erp: RunningSystem<ErpData>;
let psa: RunningSystem<PsaData>;
beforeAll(async () => {
  ({ crm, erp, psa } = await startSystems({ world }));
});
afterAll(() => stopSystems({ crm, erp, psa }));
afterEach(() => {
  crm.clearFaults();
  erp.clearFaults();
  psa.clearFaults();
});

describe('the rejectWrites fault', () => {
  it('CRM: every write answers FIELD_CUSTOM_VALIDATION_EXCEPTION and creates nothing; reads still work', async () => {
    crm.setFaults({ rejectWrites: true });
    const before = crm.snapshot().accounts.length;
    const res = await call(crm, 'POST', `${CRM}/sobjects/Account`, { body: { Name: 'Refused Ltd' }, headers: { 'idempotency-key': 'k1' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual([{ message: expect.stringContaining('rejectWrites'), errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', fields: [] }]);
    const opp = world.crm.opportunities[0];
    const patch = await call(crm, 'PATCH', `${CRM}/sobjects/Opportunity/${opp.Id}`, { body: { Name: 'changed' } });
    expect(patch.status).toBe(400);
    // sObject Collections answer 200 with a failed result per record, as for a validation rule
    const coll = await call(crm, 'PATCH', `${CRM}/composite/sobjects`, { body: { records: [{ attributes: { type: 'Opportunity' }, Id: opp.Id, Name: 'x' }] } });
    expect(coll.status).toBe(200);
    expect(coll.body).toEqual([{ id: opp.Id, success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: expect.any(String), fields: [] }] }]);
    expect(crm.snapshot().accounts).toHaveLength(before);
    expect(crm.snapshot().opportunities.find((o) => o.Id === opp.Id)!.Name).toBe(opp.Name);
    expect((await call(crm, 'GET', `${CRM}/sobjects/Opportunity/${opp.Id}`)).status).toBe(200);

    // the refusal is not remembered under the idempotency key: the retry after the fault creates the record
    crm.clearFaults();
    const retried = await call(crm, 'POST', `${CRM}/sobjects/Account`, { body: { Name: 'Refused Ltd' }, headers: { 'idempotency-key': 'k1' } });
    expect(retried.status).toBe(201);
  });

  it('a route template refuses only that route (PSA 422 validation), set through the admin API', async () => {
    const admin = systemAdmin(psa.url);
    expect(await admin.setFaults({ rejectWrites: 'POST /api/v1/workspaces' })).toMatchObject({ rejectWrites: 'POST /api/v1/workspaces' });
    const ws = await call(psa, 'POST', '/api/v1/workspaces', { body: { workspaces: [{ title: 'Refused' }] } });
    expect(ws.status).toBe(422);
    expect(ws.body).toEqual({ errors: [{ type: 'validation', message: expect.stringContaining('POST /api/v1/workspaces') }] });
    expect(psa.snapshot().workspaces.some((w) => w.title === 'Refused')).toBe(false);
    const user = await call(psa, 'POST', '/api/v1/users', { body: { users: [{ full_name: 'Allowed Person', email_address: 'a@b.c' }] } });
    expect(user.status).toBe(200);
    const existing = world.psa.workspaces[0];
    expect((await call(psa, 'PUT', `/api/v1/workspaces/${existing.id}`, { body: { workspaces: { title: 'renamed' } } })).status).toBe(200);
  });

  it('ERP: writes answer 400 USER_ERROR, SuiteQL (a POST that reads) still answers', async () => {
    erp.setFaults({ rejectWrites: true });
    const res = await call(erp, 'POST', `${REC}/customer`, { body: { companyName: 'Refused Inc' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, 'o:errorDetails': [{ 'o:errorCode': 'USER_ERROR', detail: expect.stringContaining('rejectWrites') }] });
    expect(erp.snapshot().customers.some((c) => c.companyName === 'Refused Inc')).toBe(false);
    const q = await call(erp, 'POST', '/services/rest/query/v1/suiteql', { body: { q: 'SELECT id FROM customer' }, headers: { prefer: 'transient' } });
    expect(q.status).toBe(200);
  });

  it('rejects a bad switch value with 400', async () => {
    const admin = systemAdmin(erp.url);
    await expect(admin.setFaults({ rejectWrites: 'workspaces' })).rejects.toThrow(/rejectWrites must be/);
    await expect(admin.setFaults({ rejectWrites: 1 as never })).rejects.toThrow(/400/);
  });
});
