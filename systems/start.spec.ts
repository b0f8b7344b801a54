import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWorld, startCrm, startErp, startSystems, stopSystems, systemAdmin, systemFilePath, systemsConfigFromEnv } from '.';
import { call } from './testing';

const world = generateWorld({ seed: 42, customers: 10, today: '2025-03-15' });

describe('startSystems', () => {
  it('starts the three systems on free ports over one world', async () => {
    const systems = await startSystems({ world, ports: { crm: 0, erp: 0, psa: 0 } });
    try {
      expect(Object.keys(systems)).toEqual(['crm', 'erp', 'psa']);
      expect([systems.crm.system, systems.erp.system, systems.psa.system]).toEqual(['CRM', 'ERP', 'PSA']);
      expect([systems.crm.token, systems.erp.token, systems.psa.token]).toEqual(['crm-dev-token', 'erp-dev-token', 'psa-dev-token']);
      expect(new Set([systems.crm.url, systems.erp.url, systems.psa.url]).size).toBe(3);
      expect(systems.crm.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const account = world.crm.accounts.find((a) => a.ERP_Customer_Id__c)!;
      const customer = await call(systems.erp, 'GET', `/services/rest/record/v1/customer/${account.ERP_Customer_Id__c}`);
      expect(customer.body.externalId).toBe(account.Id);
      expect(systems.erp.faults.latencyMs).toBe(0);
    } finally {
      await stopSystems(systems);
    }
  });

  it('starts only the systems asked for, with given tokens and limits', async () => {
    const systems = await startSystems({ world, only: ['psa'], tokens: { psa: 'secret' }, concurrency: { psa: 3 }, latencyMs: 2 });
    try {
      expect(Object.keys(systems)).toEqual(['psa']);
      expect(systems.psa!.token).toBe('secret');
      expect(systems.psa!.faults).toMatchObject({ concurrency: 3, latencyMs: 2 });
      expect((await call(systems.psa!, 'GET', '/api/v1/users?per_page=1')).status).toBe(200);
    } finally {
      await stopSystems(systems);
    }
  });

  it('stops the started systems when one cannot start', async () => {
    const crm = await startCrm({ world });
    const port = Number(new URL(crm.url).port);
    await expect(startSystems({ world, ports: { crm: 0, erp: port, psa: 0 } })).rejects.toThrow(/already in use/);
    await crm.stop();
  });
});

describe('persistence', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tandem-systems-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('seeds a missing file, keeps changes across stop and start, and replays idempotent writes after a restart', async () => {
    const file = systemFilePath(dataDir, 'erp');
    const first = await startErp({ world, dataDir });
    expect(existsSync(file)).toBe(true);
    const headers = { 'idempotency-key': 'persisted-key' };
    const created = await call(first, 'POST', '/services/rest/record/v1/customer', { body: { companyName: 'Persisted AG', subsidiary: { id: '3' } }, headers });
    const location = created.headers.get('location')!;
    await first.stop();
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ format: 'tandem-system/1', system: 'erp' });
    expect(saved.data.customers.some((c: { companyName: string }) => c.companyName === 'Persisted AG')).toBe(true);

    const other = generateWorld({ seed: 99, customers: 10, today: '2025-03-15' });
    const second = await startErp({ world: other, dataDir });
    try {
      const id = location.split('/').pop();
      const read = await call(second, 'GET', `/services/rest/record/v1/customer/${id}`);
      expect(read.body).toMatchObject({ companyName: 'Persisted AG', currency: { refName: 'EUR' } });
      expect(second.snapshot().customers.map((c) => c.companyName)).toEqual(expect.arrayContaining(world.erp.customers.map((c) => c.companyName)));
      const replay = await call(second, 'POST', '/services/rest/record/v1/customer', { body: { companyName: 'Persisted AG' }, headers });
      expect(replay.headers.get('location')!.split('/').pop()).toBe(id);
      expect(second.snapshot().customers.filter((c) => c.companyName === 'Persisted AG')).toHaveLength(1);
      const next = await call(second, 'POST', '/services/rest/record/v1/customer', { body: { companyName: 'Next Co' } });
      expect(Number(next.headers.get('location')!.split('/').pop())).toBe(Number(id) + 1);
    } finally {
      await second.stop();
    }
  });

  it('writes changes shortly after they happen, without a stop', async () => {
    const crm = await startCrm({ world, dataDir });
    try {
      const file = systemFilePath(dataDir, 'crm');
      const before = readFileSync(file, 'utf8');
      await call(crm, 'POST', '/services/data/v60.0/sobjects/Account', { body: { Name: 'Written Soon' } });
      const deadline = Date.now() + 3000;
      while (readFileSync(file, 'utf8') === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(file, 'utf8')).toContain('Written Soon');
    } finally {
      await crm.stop();
    }
  });

  it('refuses a file it cannot read rather than re-seeding over it', async () => {
    const file = systemFilePath(dataDir, 'crm');
    const first = await startCrm({ world, dataDir });
    await first.stop();
    writeFileSync(file, '{"format": "tandem-system/1", "system": "crm", "data": ');
    await expect(startCrm({ world, dataDir })).rejects.toThrow(/cannot read .*crm\.json.*delete it to re-seed/);
  });

  it('persists all three under one data directory', async () => {
    const systems = await startSystems({ world, dataDir });
    await stopSystems(systems);
    for (const name of ['crm', 'erp', 'psa'] as const) expect(existsSync(join(dataDir, 'systems', `${name}.json`))).toBe(true);
  });
});

describe('systemsConfigFromEnv', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('has the documented defaults', () => {
    for (const k of Object.keys(process.env)) if (k.startsWith('TANDEM_')) delete process.env[k];
    expect(systemsConfigFromEnv()).toEqual({
      host: '127.0.0.1',
      ports: { crm: 4101, erp: 4102, psa: 4103 },
      tokens: { crm: 'crm-dev-token', erp: 'erp-dev-token', psa: 'psa-dev-token' },
      concurrency: { crm: 25, erp: 10, psa: 25 },
      latencyMs: 5,
      seed: 42,
      customers: 50,
      today: undefined,
      webhooks: {
        crm: { url: null, secret: 'crm-dev-webhook-secret' },
        erp: { url: null, secret: 'erp-dev-webhook-secret' },
        psa: { url: null, secret: 'psa-dev-webhook-secret' },
      },
    });
  });

  it('reads overrides and names a bad variable', () => {
    process.env.TANDEM_ERP_PORT = '5102';
    process.env.TANDEM_PSA_TOKEN = 'psa-secret';
    process.env.TANDEM_ERP_CONCURRENCY = '4';
    process.env.TANDEM_SYSTEM_LATENCY_MS = '0';
    process.env.TANDEM_SEED_CUSTOMERS = '120';
    process.env.TANDEM_ERP_WEBHOOK_URL = 'http://127.0.0.1:4010/webhooks/erp';
    process.env.TANDEM_ERP_WEBHOOK_SECRET = 'erp-rotated';
    process.env.TANDEM_SEED_TODAY = '2026-06-15';
    expect(systemsConfigFromEnv()).toMatchObject({
      today: '2026-06-15',
      webhooks: { erp: { url: 'http://127.0.0.1:4010/webhooks/erp', secret: 'erp-rotated' }, crm: { url: null } },
      ports: { erp: 5102 },
      tokens: { psa: 'psa-secret' },
      concurrency: { erp: 4 },
      latencyMs: 0,
      customers: 120,
    });
    process.env.TANDEM_CRM_PORT = 'eighty';
    expect(() => systemsConfigFromEnv()).toThrow(/TANDEM_CRM_PORT/);
  });

  it('TANDEM_SEED_TODAY sets the generated world\'s date', async () => {
    process.env.TANDEM_SEED_TODAY = '2025-03-10';
    const systems = await startSystems({ customers: 5 });
    try {
      const dates = (systems.erp.snapshot() as { invoices: { tranDate: string }[] }).invoices.map((i) => i.tranDate).sort();
      expect(dates.length).toBeGreaterThan(0);
      expect(dates[dates.length - 1] <= '2025-03-10').toBe(true);
      expect(dates[dates.length - 1] >= '2025-02-01').toBe(true);
    } finally {
      await stopSystems(systems);
    }
    process.env.TANDEM_SEED_TODAY = '2025-02-30';
    await expect(startSystems({ customers: 5 })).rejects.toThrow(/TANDEM_SEED_TODAY must be a day/);
  });
});

describe('systemAdmin', () => {
  it('drives faults and counters of a running system over HTTP', async () => {
    const crm = await startCrm({ world });
    try {
      const admin = systemAdmin(`${crm.url}/`);
      await admin.setFaults({ error5xx: true });
      expect((await call(crm, 'GET', '/services/data/v60.0/query?q=SELECT+Id+FROM+Account')).status).toBe(503);
      expect(await admin.counters()).toMatchObject({ total: 1, byStatus: { '503': 1 } });
      await admin.clearFaults();
      await admin.resetCounters();
      expect(crm.counters().total).toBe(0);
      expect(crm.faults.error5xx).toBe(false);
    } finally {
      await crm.stop();
    }
  });
});
