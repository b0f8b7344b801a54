import { request as httpRequest, Agent } from 'node:http';
import { systemAdmin } from '../admin-client';
import { generateWorld } from '../seed/generate-world';
import type { CrmData, ErpData, PsaData } from '../seed/world';
import { startCrm, startErp, startPsa } from '../start';
import { call } from '../testing';
import type { RunningSystem } from './system-server';

const world = generateWorld({ seed: 42, customers: 10, today: '2025-03-15' });
const ACCOUNT = `/services/data/v60.0/sobjects/Account/${world.crm.accounts[0].Id}`;
const SOQL = `/services/data/v60.0/query?q=${encodeURIComponent('SELECT Id FROM Account')}`;

let crm: RunningSystem<CrmData>;
let erp: RunningSystem<ErpData>;
let psa: RunningSystem<PsaData>;

beforeAll(async () => {
  [crm, erp, psa] = await Promise.all([startCrm({ world }), startErp({ world }), startPsa({ world })]);
});
afterAll(async () => {
  await Promise.all([crm.stop(), erp.stop(), psa.stop()]);
});
afterEach(() => {
  for (const s of [crm, erp, psa]) {
    s.clearFaults();
    s.resetCounters();
  }
});

describe('bearer auth', () => {
  it.each([
    ['CRM', () => crm, ACCOUNT, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]],
    ['PSA', () => psa, '/api/v1/users', { errors: [{ type: 'unauthorized', message: expect.any(String) }] }],
  ])('%s answers 401 with the vendor body for a missing or wrong token', async (_name, system, path, body) => {
    for (const token of [false, 'nope'] as const) {
      const res = await call(system(), 'GET', path, { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(body);
    }
  });

  it('ERP answers 401 INVALID_LOGIN in the NetSuite error shape', async () => {
    const res = await call(erp, 'GET', '/services/rest/record/v1/customer/1001', { token: 'nope' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      type: expect.stringContaining('rfc9110'),
      title: 'Unauthorized',
      status: 401,
      'o:errorDetails': [{ detail: expect.any(String), 'o:errorCode': 'INVALID_LOGIN' }],
    });
  });
});

describe('routing', () => {
  it('answers 404 in the vendor shape for an unknown path and 405 for a wrong method', async () => {
    const missing = await call(crm, 'GET', '/services/data/v60.0/sobjects/Contact/003000000000001');
    expect(missing.status).toBe(404);
    expect(missing.body[0].errorCode).toBe('NOT_FOUND');
    const wrong = await call(psa, 'DELETE', '/api/v1/users/10001');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, PUT');
    expect(wrong.body.errors[0].type).toBe('method_not_allowed');
  });

  it('answers 400 in the vendor shape for a body that is not JSON', async () => {
    const res = await call(crm, 'POST', '/services/data/v60.0/sobjects/Account', { body: '{"Name": ' });
    expect(res.status).toBe(400);
    expect(res.body[0].errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('accepts request lines long enough for 1,000 ids', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => String(100001 + i));
    const res = await call(psa, 'GET', `/api/v1/time_entries?only=${ids.join(',')}&per_page=2000`);
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(1000);
  });
});

describe('admin API', () => {
  it('reports health, faults and counters without auth, and is never counted or faulted', async () => {
    const admin = systemAdmin(erp.url);
    await expect(admin.health()).resolves.toEqual({ ok: true, system: 'ERP' });
    expect(await admin.faults()).toEqual({
      down: false,
      slowMs: 0,
      error5xx: false,
      garbage: false,
      rateLimited: false,
      retryAfterSeconds: 1,
      latencyMs: 0,
      concurrency: 10,
      rejectWrites: false,
    });
    await admin.setFaults({ error5xx: true, down: true });
    await expect(admin.health()).resolves.toEqual({ ok: true, system: 'ERP' });
    expect((await admin.counters()).total).toBe(0);
    expect((await admin.clearFaults()).down).toBe(false);
  });

  it('merges fault switches with PUT, restores them with DELETE and rejects bad values', async () => {
    const admin = systemAdmin(crm.url);
    expect(await admin.setFaults({ slowMs: 20 })).toMatchObject({ slowMs: 20, down: false });
    expect(await admin.setFaults({ rateLimited: true })).toMatchObject({ slowMs: 20, rateLimited: true });
    expect(crm.faults).toMatchObject({ slowMs: 20, rateLimited: true });
    await expect(admin.setFaults({ down: 'yes' } as never)).rejects.toThrow(/down must be true or false/);
    await expect(admin.setFaults({ sideways: true } as never)).rejects.toThrow(/unknown fault switch/);
    await expect(admin.setFaults({ concurrency: 0 })).rejects.toThrow(/at least 1/);
    expect(await admin.clearFaults()).toMatchObject({ slowMs: 0, rateLimited: false });
    expect(() => crm.setFaults({ slowMs: -1 })).toThrow(/slowMs/);
  });

  it('counts requests by route template and by status, and resets', async () => {
    await call(crm, 'GET', ACCOUNT);
    await call(crm, 'GET', `/services/data/v60.0/sobjects/Account/${world.crm.accounts[1].Id}`);
    await call(crm, 'GET', '/services/data/v60.0/sobjects/Account/001000000000000AAA');
    await call(crm, 'GET', SOQL);
    await call(crm, 'GET', '/nowhere');
    const counters = await systemAdmin(crm.url).counters();
    expect(counters).toEqual({
      total: 5,
      byEndpoint: {
        'GET /services/data/v60.0/sobjects/Account/:id': 3,
        'GET /services/data/v60.0/query': 1,
        'GET (unmatched)': 1,
      },
      byStatus: { '200': 3, '404': 2 },
      inFlight: 0,
      maxInFlight: 1,
    });
    await systemAdmin(crm.url).resetCounters();
    expect(crm.counters()).toEqual({ total: 0, byEndpoint: {}, byStatus: {}, inFlight: 0, maxInFlight: 0 });
  });
});

describe('concurrency limit', () => {
  it('answers 429 with Retry-After and the vendor body beyond the limit, and the admin API stays up', async () => {
    // a long latency, so that the two admitted calls are surely still in flight when the
    // other four arrive, even on a loaded machine (no fixed sleep: wait until all six arrived)
    erp.setFaults({ concurrency: 2, latencyMs: 1500, retryAfterSeconds: 3 });
    const calls = Array.from({ length: 6 }, () => call(erp, 'GET', '/services/rest/record/v1/customer/1001'));
    const arrived = Date.now() + 1200;
    while (erp.counters().total < 6 && Date.now() < arrived) await new Promise((r) => setTimeout(r, 5));
    expect(erp.counters().total).toBe(6);
    expect((await systemAdmin(erp.url).counters()).inFlight).toBe(2);
    const answers = await Promise.all(calls);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body['o:errorDetails'][0]['o:errorCode']).toBe('CONCURRENCY_LIMIT_EXCEEDED');
    expect(limited.ms).toBeLessThan(1000); // refused at once, without the 1,500 ms latency
    const counters = erp.counters();
    expect(counters.maxInFlight).toBeGreaterThanOrEqual(3);
    expect(counters.byStatus).toEqual({ '200': 2, '429': 4 });
    expect(counters.inFlight).toBe(0);
  });

  it('defaults to 25 in flight (ERP 10)', () => {
    expect(crm.faults.concurrency).toBe(25);
    expect(psa.faults.concurrency).toBe(25);
    expect(erp.faults.concurrency).toBe(10);
  });
});

describe('faults', () => {
  it('down destroys the connection without answering', async () => {
    psa.setFaults({ down: true });
    await expect(call(psa, 'GET', '/api/v1/users')).rejects.toThrow(/fetch failed/);
    psa.clearFaults();
    expect((await call(psa, 'GET', '/api/v1/users')).status).toBe(200);
    expect(psa.counters().total).toBe(2);
  });

  it('error5xx answers 503 with the vendor body', async () => {
    crm.setFaults({ error5xx: true });
    const res = await call(crm, 'GET', ACCOUNT);
    expect(res.status).toBe(503);
    expect(res.body[0].errorCode).toBe('SERVER_UNAVAILABLE');
    psa.setFaults({ error5xx: true });
    expect((await call(psa, 'GET', '/api/v1/users')).body.errors[0].type).toBe('service_unavailable');
  });

  it('garbage answers 200 JSON that does not parse', async () => {
    erp.setFaults({ garbage: true });
    const res = await call(erp, 'GET', '/services/rest/record/v1/customer/1001');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(() => JSON.parse(res.text)).toThrow(SyntaxError);
  });

  it('rateLimited answers 429 with Retry-After: retryAfterSeconds', async () => {
    psa.setFaults({ rateLimited: true });
    const res = await call(psa, 'GET', '/api/v1/users');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body.errors[0].type).toBe('rate_limited');
    psa.setFaults({ retryAfterSeconds: 9 });
    expect((await call(psa, 'GET', '/api/v1/users')).headers.get('retry-after')).toBe('9');
    crm.setFaults({ rateLimited: true });
    expect((await call(crm, 'GET', ACCOUNT)).body[0].errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
  });

  it('slowMs and latencyMs delay the answer', async () => {
    crm.setFaults({ slowMs: 80, latencyMs: 40 });
    const res = await call(crm, 'GET', ACCOUNT);
    expect(res.status).toBe(200);
    expect(res.ms).toBeGreaterThanOrEqual(115);
  });

  it('a faulted write changes nothing', async () => {
    crm.setFaults({ error5xx: true });
    const before = crm.snapshot().accounts.length;
    const res = await call(crm, 'POST', '/services/data/v60.0/sobjects/Account', { body: { Name: 'Faulted Co' } });
    expect(res.status).toBe(503);
    expect(crm.snapshot().accounts).toHaveLength(before);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer of a repeated write and creates one record', async () => {
    const write = (key: string, name: string) =>
      call(psa, 'POST', '/api/v1/workspaces', { body: { workspaces: [{ title: name, currency: 'EUR' }] }, headers: { 'idempotency-key': key } });
    const before = psa.snapshot().workspaces.length;
    const first = await write('key-1', 'Replay Test');
    const again = await write('key-1', 'Something Else');
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(psa.snapshot().workspaces).toHaveLength(before + 1);
    const other = await write('key-2', 'Another');
    expect(other.body.results[0].id).not.toBe(first.body.results[0].id);
    expect(psa.snapshot().workspaces).toHaveLength(before + 2);
  });

  it('replays the Location of an ERP create', async () => {
    const body = { companyName: 'Idempotent GmbH', subsidiary: { id: '3' } };
    const headers = { 'idempotency-key': 'erp-create-1' };
    const first = await call(erp, 'POST', '/services/rest/record/v1/customer', { body, headers });
    const again = await call(erp, 'POST', '/services/rest/record/v1/customer', { body, headers });
    expect(first.status).toBe(204);
    expect(again.status).toBe(204);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(erp.snapshot().customers.filter((c) => c.companyName === 'Idempotent GmbH')).toHaveLength(1);
  });

  it('does not remember failed writes', async () => {
    const headers = { 'idempotency-key': 'crm-fail-then-fix' };
    const bad = await call(crm, 'POST', '/services/data/v60.0/sobjects/Account', { body: {}, headers });
    expect(bad.status).toBe(400);
    const good = await call(crm, 'POST', '/services/data/v60.0/sobjects/Account', { body: { Name: 'Fixed Co' }, headers });
    expect(good.status).toBe(201);
  });
});

describe('stop', () => {
  it('closes idle keep-alive connections and stops promptly', async () => {
    const extra = await startPsa({ world });
    const agent = new Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${extra.url}/api/v1/users?per_page=1`, { agent, headers: { authorization: `Bearer ${extra.token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    const started = performance.now();
    await extra.stop();
    expect(performance.now() - started).toBeLessThan(500);
    await extra.stop();
    agent.destroy();
  });
});
