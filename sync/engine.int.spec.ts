/**
 * The engine's API on a real store (PGlite, and PostgreSQL when reachable): what
 * submit records, idempotency, listing, replay guards, metrics and health. No
 * workers here (sync/workers.int.spec.ts runs them against the simulators).
 */
import pino from 'pino';
import { CanonicalValidationError, canonicalId, type Opportunity } from '../canonical-schema';
import type { Store } from '../store';
import { observeRaw, storeVariants } from '../store/test-support';
import { createSyncEngine, IdempotencyConflictError, NotReplayableError, type SyncEngine, type SyncTransactionRecord } from './index';

const silent = pino({ level: 'silent' });

const variants = storeVariants('sync engine');

for (const v of variants) {
  (v.skip ? describe.skip : describe)(`sync engine API on ${v.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let engine: SyncEngine;
    beforeAll(async () => {
      ({ store, cleanup } = await v.open());
      engine = createSyncEngine({ store, logger: silent });
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    test('submit records the transaction, every step PENDING and one outbox row, in one go', async () => {
      const seen: SyncTransactionRecord[] = [];
      const off = engine.onTransactionUpdated((tx) => seen.push(tx));
      const { transaction, created } = await engine.submit({
        workflow: 'opportunity-to-project',
        input: { opportunityId: 'opp-1' },
        idempotencyKey: 'k-1',
        requestedBy: 'tester',
      });
      off();
      expect(created).toBe(true);
      expect(transaction).toMatchObject({
        workflow: 'opportunity-to-project',
        status: 'PENDING',
        idempotencyKey: 'k-1',
        requestedBy: 'tester',
        origin: 'api',
        input: { opportunityId: 'opp-1' },
        subject: { opportunityId: 'opp-1' },
        error: null,
        result: null,
        finishedAt: null,
      });
      expect(transaction.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(transaction.steps.map((s) => [s.name, s.system, s.status, s.attempts])).toEqual([
        ['load-opportunity', 'CRM', 'PENDING', 0],
        ['upsert-erp-customer', 'ERP', 'PENDING', 0],
        ['create-erp-project', 'ERP', 'PENDING', 0],
        ['create-psa-workspace', 'PSA', 'PENDING', 0],
        ['link-erp-project', 'ERP', 'PENDING', 0],
        ['link-crm-opportunity', 'CRM', 'PENDING', 0],
      ]);
      expect(seen.map((t) => t.id)).toEqual([transaction.id]);
      const outbox = await store.prisma.syncOutbox.findMany({ where: { transactionId: transaction.id } });
      expect(outbox).toHaveLength(1);
      expect(await engine.get(transaction.id)).toEqual(transaction);
    });

    test('the same key and input gives the same transaction; another input is a conflict', async () => {
      const a = await engine.submit({ workflow: 'time-approval', input: { ids: ['t1', 't2'] }, idempotencyKey: 'k-2' });
      const b = await engine.submit({ workflow: 'time-approval', input: { ids: ['t1', 't2'] }, idempotencyKey: 'k-2' });
      expect(b.created).toBe(false);
      expect(b.transaction.id).toBe(a.transaction.id);
      await expect(engine.submit({ workflow: 'time-approval', input: { ids: ['t1'] }, idempotencyKey: 'k-2' })).rejects.toThrow(IdempotencyConflictError);
      await expect(engine.submit({ workflow: 'invoice-status', input: { invoiceId: 't1' }, idempotencyKey: 'k-2' })).rejects.toThrow(IdempotencyConflictError);
      // concurrent submits with one key: one transaction
      const many = await Promise.all(
        Array.from({ length: 5 }, () => engine.submit({ workflow: 'invoice-status', input: { invoiceId: 'inv-9' }, idempotencyKey: 'k-race' })),
      );
      expect(new Set(many.map((m) => m.transaction.id)).size).toBe(1);
      expect(many.filter((m) => m.created)).toHaveLength(1);
      expect(await store.prisma.syncOutbox.count({ where: { transactionId: many[0].transaction.id } })).toBe(1);
    });

    test('concurrent submits share statements, each getting its own transaction; a key used twice in one batch is one transaction', async () => {
      let calls = 0;
      const counted = createSyncEngine({ store: observeRaw(store, (sql) => void (/sync_submit/.test(sql) && calls++)), logger: silent });
      const asks = Array.from({ length: 12 }, (_, i) => ({ workflow: 'invoice-status' as const, input: { invoiceId: `inv-batch-${i}` }, idempotencyKey: `k-batch-${i}` }));
      // the last one repeats the sixth's key and input: it joins the same transaction
      const got = await Promise.all([...asks, asks[5]].map((a) => counted.submit(a)));
      // the first alone, the rest together
      expect(calls).toBe(2);
      expect(new Set(got.map((g) => g.transaction.id)).size).toBe(12);
      expect(got[12].transaction.id).toBe(got[5].transaction.id);
      expect(got.filter((g) => g.created)).toHaveLength(12);
      for (const [i, g] of got.slice(0, 12).entries()) {
        expect(g.transaction).toMatchObject({ workflow: 'invoice-status', status: 'PENDING', idempotencyKey: `k-batch-${i}`, input: { invoiceId: `inv-batch-${i}` } });
        expect(g.transaction.steps.every((st) => st.status === 'PENDING')).toBe(true);
        // as stored, and with its outbox row
        expect((await engine.get(g.transaction.id))!.input).toEqual({ invoiceId: `inv-batch-${i}` });
        expect(await store.prisma.syncOutbox.count({ where: { transactionId: g.transaction.id } })).toBe(1);
      }
    });

    test('bad input is rejected by the canonical validators and records nothing', async () => {
      const before = await store.prisma.syncTransaction.count();
      await expect(
        engine.submit({ workflow: 'staffing', input: { projectId: 'p', resourceId: 'r', role: 'Dev', plannedHours: -3 }, idempotencyKey: 'k-bad' }),
      ).rejects.toThrow(/input\.plannedHours/);
      await expect(
        engine.submit({ workflow: 'payment', input: { invoiceId: 'i', amount: '12.5.0' }, idempotencyKey: 'k-bad2' }),
      ).rejects.toThrow(CanonicalValidationError);
      await expect(engine.submit({ workflow: 'payment', input: { invoiceId: 'i', amount: '1' }, idempotencyKey: '  ' })).rejects.toThrow(/idempotencyKey/);
      await expect(engine.submit({ workflow: 'nope' as 'payment', input: { invoiceId: 'i', amount: '1' }, idempotencyKey: 'k' })).rejects.toThrow(/unknown workflow/);
      expect(await store.prisma.syncTransaction.count()).toBe(before);
    });

    test('list pages newest first with a keyset cursor, filters and a total', async () => {
      for (let i = 0; i < 5; i++) {
        await engine.submit({ workflow: 'payment', input: { invoiceId: `inv-${i}`, amount: '10.00' }, idempotencyKey: `pay-${i}` });
        await new Promise((r) => setTimeout(r, 3)); // distinct created_at (ms), so the expected order is certain
      }
      const all = await engine.list({ first: 100 });
      expect(all.totalCount).toBe(await store.prisma.syncTransaction.count());
      const payments = await engine.list({ workflow: 'payment', first: 2 });
      expect(payments.totalCount).toBe(5);
      expect(payments.nodes.map((n) => (n.input as { invoiceId: string }).invoiceId)).toEqual(['inv-4', 'inv-3']);
      expect(payments.hasNextPage).toBe(true);
      const next = await engine.list({ workflow: 'payment', first: 2, after: payments.endCursor });
      expect(next.nodes.map((n) => (n.input as { invoiceId: string }).invoiceId)).toEqual(['inv-2', 'inv-1']);
      const last = await engine.list({ workflow: 'payment', first: 2, after: next.endCursor });
      expect(last.nodes.map((n) => (n.input as { invoiceId: string }).invoiceId)).toEqual(['inv-0']);
      expect(last.hasNextPage).toBe(false);
      expect((await engine.list({ status: 'SUCCEEDED', first: 10 })).totalCount).toBe(0);
      expect((await engine.list({ status: 'PENDING', workflow: 'payment', first: 0 })).totalCount).toBe(5);
      await expect(engine.list({ first: 1, after: 'garbage' })).rejects.toThrow(/cursor/);
    });

    test('replay refuses what is not failed, and re-queues a dead letter from its failed step', async () => {
      const { transaction } = await engine.submit({ workflow: 'invoice-status', input: { invoiceId: 'inv-r' }, idempotencyKey: 'k-replay' });
      await expect(engine.replay(transaction.id)).rejects.toThrow(NotReplayableError);
      await expect(engine.replay('00000000-0000-0000-0000-000000000000')).rejects.toThrow(/no sync transaction/);
      // what a worker leaves behind after a permanent failure in the second step
      await store.prisma.$executeRawUnsafe(
        `UPDATE sync_transaction SET status = 'DEAD_LETTERED', error_code = 'SOURCE_REJECTED', error_message = 'no', remediation = 'fix it', finished_at = now() WHERE id = $1`,
        transaction.id,
      );
      await store.prisma.$executeRawUnsafe(`UPDATE sync_step SET status = 'SUCCEEDED' WHERE transaction_id = $1 AND position = 0`, transaction.id);
      await store.prisma.$executeRawUnsafe(`UPDATE sync_step SET status = 'DEAD_LETTERED', last_error = 'no' WHERE transaction_id = $1 AND position = 1`, transaction.id);
      await store.prisma.$executeRawUnsafe(`DELETE FROM sync_outbox WHERE transaction_id = $1`, transaction.id);
      const dead = await engine.get(transaction.id);
      expect(dead?.error).toEqual({ code: 'SOURCE_REJECTED', message: 'no', remediation: 'fix it' });
      const replayed = await engine.replay(transaction.id);
      expect(replayed.status).toBe('PENDING');
      expect(replayed.error).toBeNull();
      expect(replayed.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'PENDING']);
      expect(await store.prisma.syncOutbox.count({ where: { transactionId: transaction.id } })).toBe(1);
      await expect(engine.replay(transaction.id)).rejects.toThrow(NotReplayableError);
    });

    test('metrics count awaiting opportunities, blocked invoices, backlog and dead letters', async () => {
      const opp = (i: number, projectId: string | null): Opportunity => ({
        id: canonicalId('opportunity', `m-${i}`),
        name: `Opp ${i}`,
        customerId: canonicalId('customer', 'm-c'),
        stage: 'CLOSED_WON',
        amount: { amount: '100.00', currency: 'USD' },
        closeDate: null,
        serviceLine: null,
        projectId,
        externalIds: [],
      });
      await store.putMany('opportunity', [opp(1, null), opp(2, null), opp(3, 'p')], 'CRM');
      const m = await engine.metrics();
      expect(m.opportunitiesAwaitingProject).toBe(2);
      expect(m.invoicesBlocked).toBe(0);
      expect(m.syncBacklog).toBe(await store.prisma.syncTransaction.count({ where: { status: { in: ['PENDING', 'RUNNING', 'FAILED'] } } }));
      expect(m.syncBacklog).toBeGreaterThan(0);
      expect(m.deadLettered).toBe(0);
      expect(m.oldestPendingSeconds).toBeGreaterThanOrEqual(0);
    });

    test('health reads circuits and the last five minutes of calls', async () => {
      await store.prisma.syncCircuit.create({ data: { system: 'ERP', state: 'OPEN' } });
      await store.prisma.syncCall.createMany({
        data: [10, 20, 30].map((ms, i) => ({ transactionId: 'x', step: 's', system: 'ERP' as const, operation: 'ERP.op', outcome: i === 0 ? 'UNAVAILABLE' : 'ok', durationMs: ms })),
      });
      const h = await engine.health();
      const at = expect.any(Date);
      expect(h).toEqual([
        { system: 'CRM', circuit: 'CLOSED', latencyP50Ms: null, errorRate: 0, calls: 0, checkedAt: at },
        { system: 'ERP', circuit: 'OPEN', latencyP50Ms: 20, errorRate: 1 / 3, calls: 3, checkedAt: at },
        { system: 'PSA', circuit: 'CLOSED', latencyP50Ms: null, errorRate: 0, calls: 0, checkedAt: at },
      ]);
      // the verdict: DOWN with the circuit open (this engine has no probe), UP otherwise
      expect(await engine.verdict(h[1])).toEqual({ status: 'DOWN', reason: expect.stringContaining('circuit breaker is open'), probeLatencyMs: null });
      expect(await engine.verdict(h[0])).toEqual({ status: 'UP', reason: null, probeLatencyMs: null });
    });
  });
}
