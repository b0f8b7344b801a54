import { Writable } from 'node:stream';
import pino from 'pino';
import { canonicalId } from '../../canonical-schema';
import type { Store } from '../../store';
import { storeVariants } from '../../store/test-support';
import { generateWorld, startSystems, stopSystems, type RunningSystems } from '../../systems';
import { call } from '../../systems/testing';
import type { SubmitCommand, SyncEngine } from '../api';
import { createSyncEngine } from '../engine';
import { closedWonKey, startWebhookServer, webhookSignature, type RunningWebhookServer } from './index';

const SECRETS = { crm: 'crm-receiver-test', erp: 'erp-receiver-test', psa: 'psa-receiver-test' };
const OPP = '006000000000001AAA';

const variants = storeVariants('webhook receiver');

for (const v of variants) {
  (v.skip ? describe.skip : describe)(`webhook receiver on ${v.name}`, () => {
    let store: Store;
    let engine: SyncEngine;
    let receiver: RunningWebhookServer;
    const submits: SubmitCommand[] = [];
    let logText = '';

    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await v.open());
      const real = createSyncEngine({ store, logger: pino({ level: 'silent' }) });
      // the real engine, with its submits recorded so a test can count them
      engine = {
        ...real,
        submit: (command) => {
          submits.push(command);
          return real.submit(command);
        },
      };
      const sink = new Writable({
        write(chunk, _enc, done) {
          logText += chunk.toString();
          done();
        },
      });
      receiver = await startWebhookServer({ engine, store, port: 0, secrets: SECRETS, logger: pino({ level: 'debug' }, sink) });
    });
    afterAll(async () => {
      await receiver?.stop();
      await store?.close();
      await cleanup?.();
    });
    beforeEach(() => {
      submits.length = 0;
    });

    let seq = 0;
    function event(type: string, data: Record<string, unknown>, id = `delivery-${++seq}`) {
      return { id, type, occurredAt: new Date().toISOString(), data };
    }

    async function post(
      system: 'crm' | 'erp' | 'psa',
      body: unknown,
      opts: { secret?: string; ts?: number; headers?: Record<string, string | undefined>; raw?: string } = {},
    ) {
      const raw = opts.raw ?? JSON.stringify(body);
      const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
      const id = (body as { id?: string } | undefined)?.id ?? 'no-id';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const all: Record<string, string | undefined> = {
        'x-tandem-webhook-id': id,
        'x-tandem-webhook-timestamp': ts,
        'x-tandem-signature': webhookSignature(opts.secret ?? SECRETS[system], ts, raw),
        ...opts.headers,
      };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) headers[k] = v;
      const res = await fetch(`${receiver.url}/webhooks/${system}`, { method: 'POST', headers, body: raw });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    }

    const deliveries = () => store.prisma.webhookDelivery.count();
    const transactions = async () => Number((await store.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM sync_transaction'))[0].n);

    describe('verification', () => {
      it('a good signature is accepted: 202 with the transaction, one submit with the business key', async () => {
        const e = event('opportunity.stage_changed', { Id: OPP, AccountId: '001000000000001AAA', StageName: 'Closed Won', PreviousStageName: 'Negotiation/Review' });
        const res = await post('crm', e);
        expect(res.status).toBe(202);
        expect(res.body).toEqual({ transactionId: expect.any(String), created: true });
        expect(submits).toEqual([
          {
            workflow: 'opportunity-to-project',
            input: { opportunityId: canonicalId('opportunity', OPP) },
            idempotencyKey: closedWonKey(OPP),
            origin: 'webhook',
            requestedBy: 'webhook:crm',
            // the delivery's trace (a new one: this delivery sent no traceparent)
            traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
          },
        ]);
        const tx = await engine.get(res.body.transactionId);
        expect(tx).toMatchObject({ workflow: 'opportunity-to-project', status: 'PENDING', origin: 'webhook', idempotencyKey: `crm:opportunity:${OPP}:closed-won` });
        // the id map lets the workflow find the CRM record even before the indexer saw it
        expect(await store.canonicalIds('opportunity', 'CRM', [OPP])).toEqual(new Map([[OPP, canonicalId('opportunity', OPP)]]));
        expect(await store.prisma.webhookDelivery.findUnique({ where: { system_deliveryId: { system: 'CRM', deliveryId: e.id } } })).toMatchObject({
          type: 'opportunity.stage_changed',
          outcome: 'submitted',
          transactionId: res.body.transactionId,
        });
      });

      it('a bad, missing or stale signature is 401 and records nothing', async () => {
        const before = { deliveries: await deliveries(), transactions: await transactions() };
        const e = () => event('opportunity.stage_changed', { Id: '006000000000002AAA', StageName: 'Closed Won', PreviousStageName: 'Proposal/Price Quote' });
        const wrong = await post('crm', e(), { secret: 'not-the-secret' });
        expect(wrong.status).toBe(401);
        expect(wrong.body.error).toMatch(/does not match/);
        expect((await post('crm', e(), { headers: { 'x-tandem-signature': undefined } })).body.error).toMatch(/missing X-Tandem-Signature/);
        expect((await post('crm', e(), { headers: { 'x-tandem-webhook-timestamp': undefined } })).status).toBe(401);
        const stale = await post('crm', e(), { ts: Math.floor(Date.now() / 1000) - 301 });
        expect(stale.status).toBe(401);
        expect(stale.body.error).toMatch(/more than 300 s/);
        expect((await post('crm', e(), { ts: Math.floor(Date.now() / 1000) + 400 })).status).toBe(401);
        // signed with another system's secret
        expect((await post('erp', event('invoice.status_changed', { id: '20001', status: 'Voided' }), { secret: SECRETS.crm })).status).toBe(401);
        expect(submits).toHaveLength(0);
        expect({ deliveries: await deliveries(), transactions: await transactions() }).toEqual(before);
      });

      it('a signed body that is not JSON or not a known event is 400; a body over 1 MiB is 413', async () => {
        const notJson = await post('crm', { id: 'x' }, { raw: '{"id": "x", ' });
        expect(notJson).toEqual({ status: 400, body: { error: 'the body is not JSON' } });
        const unknown = await post('crm', event('opportunity.deleted', { Id: OPP }));
        expect(unknown.status).toBe(400);
        expect(unknown.body.error).toMatch(/not a known CRM webhook event: type/);
        const wrongShape = await post('psa', event('timesheet.approved', { time_entry_ids: [] }));
        expect(wrongShape.status).toBe(400);
        expect(wrongShape.body.error).toMatch(/data.time_entry_ids/);
        const big = await post('crm', event('opportunity.stage_changed', { Id: OPP, StageName: 'x'.repeat(1024 * 1024), PreviousStageName: null }));
        expect(big.status).toBe(413);
        expect(submits).toHaveLength(0);
      });

      it('answers GET /health, 404 elsewhere, 405 for a GET of a webhook path', async () => {
        expect((await fetch(`${receiver.url}/health`)).status).toBe(200);
        expect(await (await fetch(`${receiver.url}/health`)).json()).toEqual({ ok: true });
        expect((await fetch(`${receiver.url}/webhooks/hr`, { method: 'POST' })).status).toBe(404);
        expect((await fetch(`${receiver.url}/webhooks/crm`)).status).toBe(405);
      });
    });

    describe('de-duplication and commands', () => {
      it('the same delivery twice yields one transaction; the second answer is 200 duplicate', async () => {
        const opp = '006000000000003AAA';
        const e = event('opportunity.stage_changed', { Id: opp, StageName: 'Closed Won', PreviousStageName: 'Proposal/Price Quote' });
        const before = await transactions();
        const first = await post('crm', e);
        const second = await post('crm', e);
        expect(first.status).toBe(202);
        expect(second).toEqual({ status: 200, body: { duplicate: true, transactionId: first.body.transactionId } });
        expect(submits).toHaveLength(1);
        expect(await transactions()).toBe(before + 1);
      });

      it('the same delivery arriving five times at once yields one transaction', async () => {
        const opp = '006000000000006AAA';
        const e = event('opportunity.stage_changed', { Id: opp, StageName: 'Closed Won', PreviousStageName: 'Proposal/Price Quote' });
        const before = await transactions();
        const answers = await Promise.all(Array.from({ length: 5 }, () => post('crm', e)));
        expect(answers.every((a) => a.status === 202 || (a.status === 200 && a.body.duplicate === true))).toBe(true);
        expect(new Set(answers.map((a) => a.body.transactionId)).size).toBe(1);
        expect(await transactions()).toBe(before + 1);
        expect(await store.prisma.webhookDelivery.count({ where: { deliveryId: e.id } })).toBe(1);
      });

      it('the same business event in another delivery (or after a crash between submit and record) reuses the transaction', async () => {
        const opp = '006000000000004AAA';
        // as if the receiver had crashed after the engine recorded the submit but before webhook_delivery was written
        const { transaction } = await engine.submit({
          workflow: 'opportunity-to-project',
          input: { opportunityId: canonicalId('opportunity', opp) },
          idempotencyKey: closedWonKey(opp),
          origin: 'webhook',
          requestedBy: 'webhook:crm',
        });
        const before = await transactions();
        const res = await post('crm', event('opportunity.stage_changed', { Id: opp, StageName: 'Closed Won', PreviousStageName: 'Negotiation/Review' }));
        expect(res).toEqual({ status: 202, body: { transactionId: transaction.id, created: false } });
        expect(await transactions()).toBe(before);
      });

      it('a stage change to anything but Closed Won is acknowledged, recorded and ignored', async () => {
        const e = event('opportunity.stage_changed', { Id: '006000000000005AAA', StageName: 'Closed Lost', PreviousStageName: 'Negotiation/Review' });
        const res = await post('crm', e);
        expect(res).toEqual({ status: 200, body: { ignored: expect.stringMatching(/stage changed to Closed Lost/) } });
        expect(submits).toHaveLength(0);
        expect(await store.prisma.webhookDelivery.findUnique({ where: { system_deliveryId: { system: 'CRM', deliveryId: e.id } } })).toMatchObject({
          outcome: 'ignored',
          transactionId: null,
        });
        expect((await post('crm', e)).body).toMatchObject({ duplicate: true });
      });

      it('a timesheet approval becomes time-approval, an invoice status change invoice-status, with canonical ids', async () => {
        const psa = await post('psa', event('timesheet.approved', { time_entry_ids: ['100042', '100007'], user_id: '10001', workspace_id: '30001' }));
        expect(psa.status).toBe(202);
        const erpEvent = event('invoice.status_changed', { id: '20077', entity: '1003', status: 'Paid In Full', previousStatus: 'Open', amountRemaining: 0 });
        const erp = await post('erp', erpEvent);
        expect(erp.status).toBe(202);
        expect(submits).toEqual([
          expect.objectContaining({
            workflow: 'time-approval',
            input: { ids: [canonicalId('timeEntry', '100042'), canonicalId('timeEntry', '100007')] },
            idempotencyKey: 'psa:time-entries:100007,100042:approved',
            requestedBy: 'webhook:psa',
          }),
          expect.objectContaining({
            workflow: 'invoice-status',
            input: { invoiceId: canonicalId('invoice', '20077') },
            idempotencyKey: `erp:invoice:20077:status:Paid In Full:${erpEvent.occurredAt}`,
            requestedBy: 'webhook:erp',
          }),
        ]);
        expect(await store.canonicalIds('timeEntry', 'PSA', ['100042'])).toEqual(new Map([['100042', canonicalId('timeEntry', '100042')]]));
      });

      it('never logs a secret or a signature', () => {
        expect(logText).toContain('webhook accepted');
        expect(logText).toContain('webhook refused: not verified');
        for (const secret of Object.values(SECRETS)) expect(logText).not.toContain(secret);
        expect(logText).not.toMatch(/sha256=[0-9a-f]{64}/);
      });
    });

    describe('a simulator posting to the running receiver', () => {
      let systems: Partial<RunningSystems>;
      afterAll(() => (systems ? stopSystems(systems) : undefined));

      it('CRM PATCH StageName to Closed Won → a verified delivery → a submit for that opportunity', async () => {
        const world = generateWorld({ seed: 11, customers: 10, today: '2025-03-15' });
        systems = await startSystems({ world, only: ['crm'], webhooks: { crm: { url: receiver.endpoints.crm, secret: SECRETS.crm } } });
        const crm = systems.crm!;
        const opp = world.crm.opportunities.find((o) => !o.StageName.startsWith('Closed'))!;
        const res = await call(crm, 'PATCH', `/services/data/v60.0/sobjects/Opportunity/${opp.Id}`, { body: { StageName: 'Closed Won' } });
        expect(res.status).toBe(204);
        const until = Date.now() + 10_000;
        while (crm.webhookDeliveries()[0]?.status !== 'delivered' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        expect(crm.webhookDeliveries()[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 202 });
        expect(submits).toEqual([expect.objectContaining({ workflow: 'opportunity-to-project', input: { opportunityId: canonicalId('opportunity', opp.Id) } })]);
        const page = await engine.list({ workflow: 'opportunity-to-project', first: 50 });
        expect(page.nodes.filter((t) => t.idempotencyKey === closedWonKey(opp.Id))).toHaveLength(1);

        // the simulator's redelivery of the same id is a duplicate: still one transaction
        crm.redeliverWebhook(crm.webhookDeliveries()[0].id);
        const redelivered = Date.now() + 10_000;
        while (!(crm.webhookDeliveries()[0]?.attempts === 2 && crm.webhookDeliveries()[0]?.status === 'delivered') && Date.now() < redelivered) await new Promise((r) => setTimeout(r, 20));
        expect(crm.webhookDeliveries()[0]).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
        expect(submits).toHaveLength(1);
      });
    });
  });
}
