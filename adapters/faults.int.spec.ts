/**
 * Every SourceError code, produced by the simulators' fault switches over real HTTP,
 * for each of the three systems.
 */
import type { EntityType, SourceSystem } from '../canonical-schema';
import { systemAdmin } from '../systems';
import type { Adapters } from './index';
import type { SystemConfig } from './config';
import { startSimulatedAdapters, type SimulatedAdapters } from './testing/simulated-adapters';
import { sourceFailure } from '../test/support/source-failure';

let env: SimulatedAdapters;
beforeAll(async () => {
  env = await startSimulatedAdapters({ customers: 10 });
});
afterAll(async () => {
  await env?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['CRM', 'ERP', 'PSA'] as const)('%s faults', (system: SourceSystem) => {
  const entity: EntityType = { CRM: 'customer', ERP: 'payment', PSA: 'resource' }[system] as EntityType;
  /** Requests of one successful read (ERP payments also look up their customers). */
  const okCalls = { CRM: 1, ERP: 2, PSA: 1 }[system];
  let id: string;
  const sim = () => env.sim[system];
  const read = (adapters: Adapters) => adapters[system].fetchMany(entity, [id]);
  const adapters = (over: Partial<SystemConfig> = {}) => env.make(over);

  beforeAll(() => {
    id = { CRM: env.world.crm.accounts[0].Id, ERP: env.world.erp.payments[0].id, PSA: env.world.psa.users[0].id }[system];
  });
  beforeEach(() => {
    sim().clearFaults();
    sim().resetCounters();
  });
  afterAll(() => sim().clearFaults());

  it('reads normally without faults', async () => {
    expect(await read(adapters())).toHaveLength(1);
  });

  it('down → UNAVAILABLE after the retries', async () => {
    sim().setFaults({ down: true });
    const a = adapters({ readRetries: 2 });
    const err = await sourceFailure(read(a));
    expect(err).toMatchObject({ code: 'UNAVAILABLE', system, retryable: true });
    expect(a.stats()[system]).toMatchObject({ calls: 3, errors: 3 });
    // and recovers once the system is back
    sim().clearFaults();
    expect(await read(a)).toHaveLength(1);
  });

  it('slowMs past the timeout → TIMEOUT (retryable, retried)', async () => {
    sim().setFaults({ slowMs: 800 });
    const a = adapters({ timeoutMs: 150, readRetries: 1 });
    const started = Date.now();
    const err = await sourceFailure(read(a));
    expect(err).toMatchObject({ code: 'TIMEOUT', system, retryable: true });
    expect(err.message).toContain('no answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(800);
    expect(sim().counters().total).toBe(2);
  });

  it('error5xx → UNAVAILABLE after 2 retries (3 requests)', async () => {
    sim().setFaults({ error5xx: true });
    const err = await sourceFailure(read(adapters({ readRetries: 2 })));
    expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503, system });
    expect(sim().counters()).toMatchObject({ total: 3, byStatus: { '503': 3 } });
  });

  it('garbage → BAD_RESPONSE without retrying', async () => {
    sim().setFaults({ garbage: true });
    const err = await sourceFailure(read(adapters()));
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', system, retryable: false });
    expect(sim().counters().total).toBe(1);
  });

  it('rateLimited with Retry-After 1 → waits, retries, and succeeds once the limit lifts', async () => {
    sim().setFaults({ rateLimited: true, retryAfterSeconds: 1 });
    const started = Date.now();
    const pending = read(adapters({ readRetries: 2 }));
    await sleep(300);
    sim().clearFaults();
    expect(await pending).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(sim().counters()).toMatchObject({ total: 1 + okCalls, byStatus: { '429': 1, '200': okCalls } });
  });

  it('rateLimited that persists → RATE_LIMITED with retryAfterMs', async () => {
    sim().setFaults({ rateLimited: true, retryAfterSeconds: 1 });
    const err = await sourceFailure(read(adapters({ readRetries: 1 })));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterMs: 1000, retryable: true, system });
    expect(sim().counters().total).toBe(2);
  });

  it('Retry-After beyond maxRetryAfterMs → RATE_LIMITED at once', async () => {
    sim().setFaults({ rateLimited: true, retryAfterSeconds: 10 });
    const started = Date.now();
    const err = await sourceFailure(read(adapters({ maxRetryAfterMs: 2000 })));
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(sim().counters().total).toBe(1);
  });

  it('wrong token → UNAUTHORIZED without retrying', async () => {
    const err = await sourceFailure(read(env.make({}, { [system]: { token: 'not-the-token' } })));
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', status: 401, system, retryable: false });
    expect(err.vendorCode).toBe({ CRM: 'INVALID_SESSION_ID', ERP: 'INVALID_LOGIN', PSA: 'unauthorized' }[system]);
    expect(sim().counters().total).toBe(1);
  });

  it('the admin API over HTTP sees the same counters', async () => {
    await read(adapters());
    const admin = systemAdmin(sim().url);
    expect((await admin.counters()).total).toBe(okCalls);
    await admin.setFaults({ error5xx: true });
    await sourceFailure(read(adapters({ readRetries: 0 })));
    await admin.clearFaults();
    expect((await admin.counters()).byStatus).toEqual({ '200': okCalls, '503': 1 });
  });
});

describe('NOT_FOUND and REJECTED from the vendor clients', () => {
  it('CRM: unknown sObject id → NOT_FOUND; bad SOQL → REJECTED with MALFORMED_QUERY', async () => {
    const crm = env.adapters.CRM.client;
    const { accountWire } = await import('./crm/crm-wire');
    expect(await sourceFailure(crm.getSObject('Account', '001Zz0000000000AAA', accountWire))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    const bad = await sourceFailure(crm.query('SELECT Id FROM Account WHERE Name LIKE \'A%\'', accountWire));
    expect(bad).toMatchObject({ code: 'REJECTED', status: 400, vendorCode: 'MALFORMED_QUERY', retryable: false });
  });

  it('ERP: unknown record → NOT_FOUND (NONEXISTENT_ID); bad SuiteQL → REJECTED', async () => {
    const erp = env.adapters.ERP.client;
    const { restRecordWire, jobRow } = await import('./erp/erp-wire');
    expect(await sourceFailure(erp.getRecord('job', '99999999', restRecordWire))).toMatchObject({ code: 'NOT_FOUND', vendorCode: 'NONEXISTENT_ID' });
    expect(await sourceFailure(erp.suiteql('SELECT id FROM job WHERE id > 3', jobRow))).toMatchObject({ code: 'REJECTED', vendorCode: 'INVALID_PARAMETER' });
  });

  it('PSA: unknown id → NOT_FOUND; invalid write → REJECTED with the vendor message', async () => {
    const psa = env.adapters.PSA.client;
    expect(await sourceFailure(psa.get('users', '99999999'))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    const err = await sourceFailure(psa.create('users', [{ full_name: 'X', email_address: 'not-an-email' }]));
    expect(err).toMatchObject({ code: 'REJECTED', retryable: false });
    expect(err.message).toContain('email_address');
  });
});
