import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemAdmin } from '../admin-client';
import { generateWorld } from '../seed/generate-world';
import type { CrmData, ErpData, PsaData } from '../seed/world';
import { startSystems, stopSystems } from '../start';
import { call } from '../testing';
import type { RunningSystem } from './system-server';

const CRM = '/services/data/v60.0';
const REC = '/services/rest/record/v1';
const PSA = '/api/v1';
const world = generateWorld({ seed: 7, customers: 20, today: '2025-03-15' });

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
}

/** A webhook receiver that records every request and answers with `answer()` (a status, or 'hang'). */
class Receiver {
  readonly received: Received[] = [];
  answer: () => number | 'hang' = () => 200;
  /** wait before answering */
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      res.once('close', () => this.inFlight--);
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
        const a = this.answer();
        if (a === 'hang') return;
        setTimeout(() => res.writeHead(a).end(), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async waitFor(n: number, ms = 3000): Promise<Received[]> {
    const until = Date.now() + ms;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} webhook requests, got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.received;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const SECRETS = { crm: 'crm-test-secret', erp: 'erp-test-secret', psa: 'psa-test-secret' };
const receiver = new Receiver();
let crm: RunningSystem<CrmData>;
let erp: RunningSystem<ErpData>;
let psa: RunningSystem<PsaData>;

beforeAll(async () => {
  await receiver.start();
  const hook = (sys: 'crm' | 'erp' | 'psa') => ({ url: `${receiver.url}/webhooks/${sys}`, secret: SECRETS[sys], retryBaseMs: 20, maxAttempts: 3 });
  ({ crm, erp, psa } = await startSystems({ world, webhooks: { crm: hook('crm'), erp: hook('erp'), psa: hook('psa') } }));
});
afterAll(async () => {
  await stopSystems({ crm, erp, psa });
  await receiver.stop();
});
beforeEach(() => {
  receiver.received.length = 0;
  receiver.answer = () => 200;
  receiver.delayMs = 0;
  receiver.maxInFlight = 0;
});

const openOpportunity = (n = 0) => world.crm.opportunities.filter((o) => !o.StageName.startsWith('Closed'))[n];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CRM opportunity.stage_changed', () => {
  it('is signed, carries the delivery id and timestamp, and names the old and new stage', async () => {
    const opp = openOpportunity(0);
    const res = await call(crm, 'PATCH', `${CRM}/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Won' } });
    expect(res.status).toBe(204);
    const [got] = await receiver.waitFor(1);
    expect(got.path).toBe('/webhooks/crm');
    expect(got.headers['content-type']).toBe('application/json');
    const ts = got.headers['x-tandem-webhook-timestamp'] as string;
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    const expected = `sha256=${createHmac('sha256', SECRETS.crm).update(`${ts}.${got.raw}`).digest('hex')}`;
    expect(got.headers['x-tandem-signature']).toBe(expected);
    expect(got.headers['x-tandem-webhook-id']).toBe(got.body.id);
    expect(got.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'opportunity.stage_changed',
      occurredAt: expect.any(String),
      data: { Id: opp.Id, AccountId: opp.AccountId, StageName: 'Closed Won', PreviousStageName: opp.StageName },
    });
  });

  it('is not sent when StageName does not change', async () => {
    const opp = openOpportunity(1);
    await call(crm, 'PATCH', `${CRM}/sobjects/Opportunity/${opp.Id}`, { body: { Name: 'Renamed deal', StageName: opp.StageName } });
    await sleep(100);
    expect(receiver.received).toHaveLength(0);
  });

  it('is sent once per changed record of a collection PATCH', async () => {
    const [a, b] = [openOpportunity(2), openOpportunity(3)];
    const res = await call(crm, 'PATCH', `${CRM}/composite/sobjects`, {
      body: { allOrNone: false, records: [{ attributes: { type: 'Opportunity' }, Id: a.Id, StageName: 'Closed Won' }, { attributes: { type: 'Opportunity' }, Id: b.Id, StageName: 'Closed Lost' }] },
    });
    expect(res.body.every((r: { success: boolean }) => r.success)).toBe(true);
    const got = await receiver.waitFor(2);
    expect(got.map((g) => [g.body.data.Id, g.body.data.StageName]).sort()).toEqual([[a.Id, 'Closed Won'], [b.Id, 'Closed Lost']].sort());
    expect(new Set(got.map((g) => g.body.id)).size).toBe(2);
  });
});

describe('ERP invoice.status_changed and PSA timesheet.approved', () => {
  it('is sent when a payment pays an invoice off and when an invoice is voided', async () => {
    const open = world.erp.invoices.filter((i) => i.status === 'Open' && i.amountRemaining > 0 && i.amountRemaining === i.total);
    const [paid, voided] = open;
    expect((await call(erp, 'POST', `${REC}/customerPayment`, { body: { custbody_invoice: { id: paid.id }, payment: paid.amountRemaining } })).status).toBe(204);
    expect((await call(erp, 'PATCH', `${REC}/invoice/${voided.id}`, { body: { status: { refName: 'Voided' } } })).status).toBe(204);
    const got = await receiver.waitFor(2);
    const byId = new Map(got.map((g) => [g.body.data.id, g]));
    expect(byId.get(paid.id)!.body).toMatchObject({
      type: 'invoice.status_changed',
      data: { id: paid.id, entity: paid.entity, status: 'Paid In Full', previousStatus: 'Open', amountRemaining: 0 },
    });
    expect(byId.get(voided.id)!.body.data).toMatchObject({ status: 'Voided', previousStatus: 'Open', amountRemaining: 0 });
    expect(byId.get(paid.id)!.path).toBe('/webhooks/erp');
  });

  it('is not sent for a partial payment (the status stays Open)', async () => {
    const inv = world.erp.invoices.filter((i) => i.status === 'Open' && i.amountRemaining > 10)[5];
    expect((await call(erp, 'POST', `${REC}/customerPayment`, { body: { custbody_invoice: { id: inv.id }, payment: 1 } })).status).toBe(204);
    await sleep(100);
    expect(receiver.received).toHaveLength(0);
  });

  it('sends timesheet.approved when a time entry is approved', async () => {
    const entry = world.psa.timeEntries.find((t) => t.status === 'submitted')!;
    const res = await call(psa, 'PUT', `${PSA}/time_entries/${entry.id}`, { body: { time_entries: { status: 'approved' } } });
    expect(res.status).toBe(200);
    const [got] = await receiver.waitFor(1);
    expect(got.path).toBe('/webhooks/psa');
    expect(got.body).toMatchObject({ type: 'timesheet.approved', data: { time_entry_ids: [entry.id], user_id: entry.user_id, workspace_id: entry.workspace_id } });
    // approving it again is no change: nothing is sent
    await call(psa, 'PUT', `${PSA}/time_entries/${entry.id}`, { body: { time_entries: { status: 'approved' } } });
    await sleep(100);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('delivery', () => {
  it('retries a non-2xx answer with the same id and body, then logs it delivered', async () => {
    let n = 0;
    receiver.answer = () => (++n <= 2 ? 503 : 200);
    const opp = openOpportunity(4);
    await call(crm, 'PATCH', `${CRM}/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Lost' } });
    const got = await receiver.waitFor(3);
    expect(new Set(got.map((g) => g.body.id)).size).toBe(1);
    expect(new Set(got.map((g) => g.raw)).size).toBe(1);
    await sleep(30);
    const [logged] = crm.webhookDeliveries();
    expect(logged).toMatchObject({ id: got[0].body.id, status: 'delivered', attempts: 3, lastStatus: 200 });
  });

  it('gives up after maxAttempts, and the admin API redelivers the same id', async () => {
    receiver.answer = () => 500;
    const opp = openOpportunity(5);
    await call(crm, 'PATCH', `${CRM}/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Lost' } });
    await receiver.waitFor(3);
    await sleep(150);
    expect(receiver.received).toHaveLength(3);
    const admin = systemAdmin(crm.url);
    const { deliveries } = await admin.webhooks();
    expect(deliveries[0]).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 500, lastError: 'answered 500' });

    receiver.answer = () => 200;
    const again = await admin.redeliverWebhook(deliveries[0].id);
    expect(again.id).toBe(deliveries[0].id);
    const got = await receiver.waitFor(4);
    expect(got[3].body.id).toBe(deliveries[0].id);
    await sleep(30);
    expect((await admin.webhooks()).deliveries[0]).toMatchObject({ status: 'delivered', attempts: 4 });
    await expect(admin.redeliverWebhook('nope')).rejects.toThrow(/404/);
  });

  it('a burst waits its turn: at most 8 attempts in flight, every event delivered', async () => {
    receiver.delayMs = 60;
    const entries = world.psa.timeEntries.filter((t) => t.status === 'draft' || t.status === 'submitted').slice(10, 30);
    expect(entries).toHaveLength(20);
    await Promise.all(entries.map((e) => call(psa, 'PUT', `${PSA}/time_entries/${e.id}`, { body: { time_entries: { status: 'approved' } } })));
    const got = await receiver.waitFor(20, 5000);
    expect(new Set(got.map((g) => (g.body.data.time_entry_ids as string[])[0]))).toEqual(new Set(entries.map((e) => e.id)));
    expect(receiver.maxInFlight).toBeLessThanOrEqual(8);
    expect(receiver.maxInFlight).toBeGreaterThan(1);
  });

  it('never holds up the vendor request, even when the receiver does not answer', async () => {
    receiver.answer = () => 'hang';
    const opp = openOpportunity(6);
    const res = await call(crm, 'PATCH', `${CRM}/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Lost' } });
    expect(res.status).toBe(204);
    expect(res.ms).toBeLessThan(200);
    await receiver.waitFor(1);
  });

  it('is configured at runtime; the secret is never shown; a bad setting is 400', async () => {
    const admin = systemAdmin(psa.url);
    const settings = await admin.setWebhook({ url: `${receiver.url}/elsewhere`, secret: 'rotated' });
    expect(settings).toEqual({ url: `${receiver.url}/elsewhere`, enabled: true, secretSet: true, retryBaseMs: 20, maxAttempts: 3 });
    expect(JSON.stringify(await admin.webhooks())).not.toContain('rotated');
    await expect(admin.setWebhook({ url: 'ftp://x' } as never)).rejects.toThrow(/400.*url must be/);
    await expect(admin.setWebhook({ colour: 'red' } as never)).rejects.toThrow(/unknown webhook setting/);

    const entry = world.psa.timeEntries.filter((t) => t.status === 'submitted')[1];
    await call(psa, 'PUT', `${PSA}/time_entries/${entry.id}`, { body: { time_entries: { status: 'approved' } } });
    const [got] = await receiver.waitFor(1);
    expect(got.path).toBe('/elsewhere');
    const ts = got.headers['x-tandem-webhook-timestamp'] as string;
    expect(got.headers['x-tandem-signature']).toBe(`sha256=${createHmac('sha256', 'rotated').update(`${ts}.${got.raw}`).digest('hex')}`);

    psa.setWebhook({ enabled: false });
    const next = world.psa.timeEntries.filter((t) => t.status === 'submitted')[2];
    await call(psa, 'PUT', `${PSA}/time_entries/${next.id}`, { body: { time_entries: { status: 'approved' } } });
    await sleep(100);
    expect(receiver.received).toHaveLength(1);
    psa.setWebhook({ enabled: true, url: `${receiver.url}/webhooks/psa`, secret: SECRETS.psa });
  });
});

describe('stop', () => {
  it('cancels pending redeliveries: nothing is sent after stop', async () => {
    const own = await startSystems({ world, only: ['crm'], webhooks: { crm: { url: `${receiver.url}/webhooks/crm`, secret: 's', retryBaseMs: 200 } } });
    receiver.answer = () => 500;
    const opp = openOpportunity(7);
    await call(own.crm!, 'PATCH', `${CRM}/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Lost' } });
    await receiver.waitFor(1);
    await own.crm!.stop();
    await sleep(400);
    expect(receiver.received).toHaveLength(1);
  });
});
