/**
 * The sync engine's PL/pgSQL functions (migration *_sync_functions) on a real
 * store (PGlite, and PostgreSQL when reachable): sync_claim returns the row in
 * TRANSACTION_JSON_SQL's shape, claims a row once, sync_persist is fenced by
 * the lease, and sync_persist_many applies a batch of them all or nothing.
 */
import pino from 'pino';
import type { Store } from '../store';
import { storeVariants } from '../store/test-support';
import { eventually } from '../test/support/eventually';
import { createSyncEngine, SYNC_DUE_CHANNEL } from './index';

import { parseTransaction, publicRecord, TRANSACTION_JSON_SQL } from './records';

const silent = pino({ level: 'silent' });

const variants = storeVariants('sync functions');

for (const v of variants) {
  (v.skip ? describe.skip : describe)(`sync functions on ${v.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await v.open());
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('sync_claim leases a due row once and returns the transaction as TRANSACTION_JSON_SQL reads it', async () => {
      const engine = createSyncEngine({ store, logger: silent });
      const { transaction } = await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: 'opp-claim' }, idempotencyKey: 'functions-claim' });
      // sync_submit builds the row's JSON itself (sync_transaction_json cannot see the row it inserts): the same record
      const [stored] = await store.raw<{ r: string }>(`SELECT ${TRANSACTION_JSON_SQL} FROM sync_transaction t WHERE t.id = $1`, transaction.id);
      expect({ ...publicRecord(parseTransaction(stored.r)), steps: [] }).toEqual({ ...transaction, steps: [] });
      const claimed = await store.raw<{ transaction_id: string; attempts: number; r: string }>(`SELECT transaction_id, attempts, r FROM sync_claim('w1', 30, 10)`);
      const mine = claimed.filter((c) => c.transaction_id === transaction.id);
      expect(mine).toHaveLength(1);
      expect(Number(mine[0].attempts)).toBe(1);
      const [direct] = await store.raw<{ r: string }>(`SELECT ${TRANSACTION_JSON_SQL} FROM sync_transaction t WHERE t.id = $1`, transaction.id);
      expect(parseTransaction(mine[0].r)).toEqual(parseTransaction(direct.r));
      // marked RUNNING by the claim: the transaction and its first step, with one attempt
      expect(parseTransaction(mine[0].r).status).toBe('RUNNING');
      expect(parseTransaction(mine[0].r).steps.map((s) => [s.status, s.attempts])).toEqual(transaction.steps.map((_, i) => (i === 0 ? ['RUNNING', 1] : ['PENDING', 0])));
      // leased: another worker gets nothing
      const again = await store.raw<{ transaction_id: string }>(`SELECT transaction_id FROM sync_claim('w2', 30, 10)`);
      expect(again.map((c) => c.transaction_id)).not.toContain(transaction.id);
    });

    it('work put in the outbox NOTIFYs tandem_sync_due: a submit and a replay wake listening workers of any process', async () => {
      const engine = createSyncEngine({ store, logger: silent });
      const heard: (string | null)[] = [];
      const unlisten = await store.listen(SYNC_DUE_CHANNEL, (p) => heard.push(p));
      try {
        const { transaction } = await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: 'opp-notify' }, idempotencyKey: 'functions-notify' });
        await eventually('a NOTIFY for the submit', async () => heard.length > 0, 5000, 10);
        expect(heard[0]).toBe('');
        // a dead-lettered transaction replayed: its outbox row comes back (INSERT ... ON CONFLICT)
        await store.raw(`DELETE FROM sync_outbox WHERE transaction_id = $1`, transaction.id);
        await store.raw(`UPDATE sync_transaction SET status = 'DEAD_LETTERED' WHERE id = $1`, transaction.id);
        const before = heard.length;
        await engine.replay(transaction.id);
        await eventually('a NOTIFY for the replay', async () => heard.length > before, 5000, 10);
      } finally {
        await unlisten();
      }
    });

    it('sync_claim takes a row made due now at once, though available_at keeps whole milliseconds (rounded to the nearest)', async () => {
      const engine = createSyncEngine({ store, logger: silent });
      const { transaction } = await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: 'opp-due' }, idempotencyKey: 'functions-due' });
      // in one database transaction, so that both statements see the same now(): a stored
      // now() with a sub-millisecond part of .5 or more is rounded up, past that now()
      const claimedInOne = () =>
        store.prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`UPDATE sync_outbox SET available_at = now(), lease_owner = NULL, lease_until = NULL WHERE transaction_id = $1`, transaction.id);
          const rows = await tx.$queryRawUnsafe<{ transaction_id: string }[]>(`SELECT transaction_id FROM sync_claim('due', 30, 1000)`);
          return rows.some((r) => r.transaction_id === transaction.id);
        });
      // twelve tries: before the fix about half of them (on PostgreSQL) missed the row
      const results: boolean[] = [];
      for (let i = 0; i < 12; i++) results.push(await claimedInOne());
      expect(results).toEqual(Array(12).fill(true));
    });

    it('sync_claim marks only transactions with work left: a finished one and a compensating one are returned as they were', async () => {
      const engine = createSyncEngine({ store, logger: silent });
      const done = (await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: 'opp-done' }, idempotencyKey: 'functions-done' })).transaction;
      const undo = (await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: 'opp-undo' }, idempotencyKey: 'functions-undo' })).transaction;
      await store.raw(`UPDATE sync_transaction SET status = 'SUCCEEDED' WHERE id = $1`, done.id);
      await store.raw(`UPDATE sync_transaction SET status = 'FAILED', context = '{"$compensation": {"position": 1}}'::jsonb WHERE id = $1`, undo.id);
      const claimed = await store.raw<{ transaction_id: string; r: string }>(`SELECT transaction_id, r FROM sync_claim('w3', 30, 100)`);
      const byId = new Map(claimed.map((c) => [c.transaction_id, parseTransaction(c.r)]));
      expect(byId.get(done.id)!.status).toBe('SUCCEEDED');
      expect(byId.get(undo.id)!.status).toBe('FAILED');
      for (const id of [done.id, undo.id]) expect(byId.get(id)!.steps.every((s) => s.status === 'PENDING' && s.attempts === 0)).toBe(true);
    });

    it('sync_submit_many is one sync_submit per entry in order: its row, or null for a key already used; all or nothing', async () => {
      const entry = (key: string, system = 'ERP') => ({
        id: `tx-${key}`,
        workflow: 'invoice-status',
        key,
        inputHash: 'h',
        input: { invoiceId: key },
        subject: { invoiceId: key },
        traceId: '0af7651916cd43dd8448eb211c80319c',
        requestedBy: 'test',
        origin: 'api',
        steps: [{ position: 0, name: 'read-invoice', system }],
      });
      const many = (entries: unknown[]) => store.raw<{ i: number; r: string | null }>(`SELECT i, r FROM sync_submit_many($1::jsonb)`, JSON.stringify(entries));
      const rows = await many([entry('many-submit-a'), entry('many-submit-b'), entry('many-submit-a')]);
      expect(rows.map((r) => Number(r.i))).toEqual([0, 1, 2]);
      expect(rows[2].r).toBeNull();
      const a = publicRecord(parseTransaction(rows[0].r!));
      expect(a).toMatchObject({ id: 'tx-many-submit-a', idempotencyKey: 'many-submit-a', status: 'PENDING', input: { invoiceId: 'many-submit-a' } });
      // the row it returned is the row it stored
      const [stored] = await store.raw<{ r: string }>(`SELECT ${TRANSACTION_JSON_SQL} FROM sync_transaction t WHERE t.id = $1`, 'tx-many-submit-a');
      expect({ ...a, steps: [] }).toEqual({ ...publicRecord(parseTransaction(stored.r)), steps: [] });
      // an entry that cannot be written (an unknown system for its step) rolls back the whole call
      await expect(many([entry('many-submit-c'), entry('many-submit-d', 'NOPE')])).rejects.toThrow(/source_system|NOPE/);
      expect(Number((await store.raw<{ n: number }>(`SELECT count(*)::int AS n FROM sync_transaction WHERE idempotency_key IN ('many-submit-c', 'many-submit-d')`))[0].n)).toBe(0);
    });

    it('sync_persist writes only for the lease owner (audit rows either way)', async () => {
      const engine = createSyncEngine({ store, logger: silent });
      const { transaction } = await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: 'opp-persist' }, idempotencyKey: 'functions-persist' });
      await store.raw(`SELECT transaction_id FROM sync_claim('owner', 30, 100)`);
      const call = { step: 'load-opportunity', system: 'CRM', operation: 'CRM.x', request: [], response: { ok: true }, outcome: 'ok', duration_ms: 3, at: new Date().toISOString() };
      const stranger = await store.raw<{ owned: number }>(`SELECT sync_persist($1, $2, $3::jsonb) AS owned`, transaction.id, 'stranger', JSON.stringify({ tx: { status: 'RUNNING' }, calls: [call] }));
      expect(Number(stranger[0].owned)).toBe(0);
      expect((await engine.get(transaction.id))!.status).toBe('RUNNING');
      const owner = await store.raw<{ owned: number }>(
        `SELECT sync_persist($1, $2, $3::jsonb) AS owned`,
        transaction.id,
        'owner',
        JSON.stringify({ tx: { status: 'FAILED', context: { a: 1 } }, steps: [{ position: 0, status: 'FAILED', last_error: 'x' }], calls: [call] }),
      );
      expect(Number(owner[0].owned)).toBe(1);
      const after = await engine.get(transaction.id);
      expect(after!.status).toBe('FAILED');
      expect(after!.steps[0]).toMatchObject({ status: 'FAILED', attempts: 1, lastError: 'x' });
      const [{ n }] = await store.raw<{ n: number }>(`SELECT count(*)::int AS n FROM sync_call WHERE transaction_id = $1`, transaction.id);
      expect(Number(n)).toBe(2);
    });

    it('sync_persist runs only what its payload asks for: outbox release or delete, events, and no domain_event INSERT (the relay wake-up) without events', async () => {
      const engine = createSyncEngine({ store, logger: silent });
      const { transaction } = await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: 'opp-parts' }, idempotencyKey: 'functions-parts' });
      await store.raw(`SELECT transaction_id FROM sync_claim('parts', 30, 1000)`);
      const persist = async (p: unknown) => Number((await store.raw<{ owned: number }>(`SELECT sync_persist($1, 'parts', $2::jsonb) AS owned`, transaction.id, JSON.stringify(p)))[0].owned);
      const outbox = async () => store.raw<{ lease_owner: string | null; due: boolean }>(`SELECT lease_owner, available_at > now() AS due FROM sync_outbox WHERE transaction_id = $1`, transaction.id);
      const events = async () => Number((await store.raw<{ n: number }>(`SELECT count(*)::int AS n FROM domain_event WHERE key = $1`, transaction.id))[0].n);
      const updatedAt = async () => (await engine.get(transaction.id))!.updatedAt;
      // every INSERT statement on domain_event fires domain_event_notify, which wakes every event relay;
      // NOTIFY is database-wide (other suites share the PostgreSQL database), so count the statements here
      await store.raw(`CREATE TABLE test_event_inserts (n int NOT NULL)`);
      await store.raw(`INSERT INTO test_event_inserts VALUES (0)`);
      await store.raw(`CREATE FUNCTION test_count_event_inserts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE test_event_inserts SET n = n + 1; RETURN NULL; END $$`);
      await store.raw(`CREATE TRIGGER test_count_event_inserts AFTER INSERT ON domain_event FOR EACH STATEMENT EXECUTE FUNCTION test_count_event_inserts()`);
      const inserts = async () => Number((await store.raw<{ n: number }>(`SELECT n FROM test_event_inserts`))[0].n);
      try {
        // an intermediate record: steps and context only; the transaction's updated_at still moves
        const before = await updatedAt();
        const eventsBefore = await events();
        await new Promise((r) => setTimeout(r, 5));
        expect(await persist({ steps: [{ position: 0, status: 'SUCCEEDED', last_error: null, finished: true }], tx: { context: { a: 1 } } })).toBe(1);
        expect(await updatedAt()).not.toEqual(before);
        expect(await events()).toBe(eventsBefore);
        expect(await inserts()).toBe(0);
        expect((await outbox())[0].lease_owner).toBe('parts');

        // a release hands the row back, due after the delay; the status change's own event (trigger) is one INSERT
        expect(await persist({ tx: { status: 'FAILED' }, outbox: { kind: 'release', delayMs: 60_000 } })).toBe(1);
        expect(await outbox()).toEqual([{ lease_owner: null, due: true }]);
        expect(await inserts()).toBe(1);
        expect(await events()).toBe(eventsBefore + 1);

        // claimed again, finished with events: the outbox row goes, the events are written
        await store.raw(`UPDATE sync_outbox SET available_at = now() WHERE transaction_id = $1`, transaction.id);
        await store.raw(`SELECT transaction_id FROM sync_claim('parts', 30, 1000)`);
        const payload = { projectId: transaction.id, customerId: 'c', opportunityId: 'o', code: 'P-1' };
        expect(await persist({ tx: { status: 'SUCCEEDED', result: { ok: true }, finished: true }, outbox: { kind: 'delete' }, events: [{ type: 'project.created.v1', key: transaction.id, payload, trace_id: null }] })).toBe(1);
        expect(await outbox()).toEqual([]);
        const done = (await engine.get(transaction.id))!;
        expect([done.status, done.finishedAt !== null]).toEqual(['SUCCEEDED', true]);
        const types = (await store.raw<{ type: string }>(`SELECT type FROM domain_event WHERE key = $1 ORDER BY id`, transaction.id)).map((r) => r.type);
        expect(types.slice(-2).sort()).toEqual(['project.created.v1', 'sync.transaction-updated.v1']);
      } finally {
        await store.raw(`DROP TRIGGER test_count_event_inserts ON domain_event`);
        await store.raw(`DROP FUNCTION test_count_event_inserts()`);
        await store.raw(`DROP TABLE test_event_inserts`);
      }
    });

    it('sync_persist_many is one sync_persist per entry in order, fenced per entry, and all or nothing', async () => {
      const engine = createSyncEngine({ store, logger: silent });
      const submit = async (key: string) => (await engine.submit({ workflow: 'opportunity-to-project', input: { opportunityId: `opp-${key}` }, idempotencyKey: `functions-${key}` })).transaction;
      const [t1, t2] = [await submit('many-1'), await submit('many-2')];
      await store.raw(`SELECT transaction_id FROM sync_claim('batcher', 30, 1000)`);
      const t3 = await submit('many-3');
      await store.raw(`SELECT transaction_id FROM sync_claim('other', 30, 1000)`);
      const call = (step: string, system = 'ERP') => ({ step, system, operation: `${system}.x`, request: [], response: null, outcome: 'ok', duration_ms: 1, at: new Date().toISOString() });
      const calls = async (id: string) => Number((await store.raw<{ n: number }>(`SELECT count(*)::int AS n FROM sync_call WHERE transaction_id = $1`, id))[0].n);
      const entry = (t: string, status: string, c = call('s')) => ({ t, p: { tx: { status, context: { [t]: status } }, steps: [{ position: 0, status, last_error: null, finished: true }], calls: [c] } });

      const [r] = await store.raw<{ owned: number[] }>(`SELECT sync_persist_many($1, $2::jsonb) AS owned`, 'batcher', JSON.stringify([entry(t1.id, 'FAILED'), entry(t3.id, 'FAILED'), entry(t2.id, 'SUCCEEDED')]));
      expect(r.owned.map(Number)).toEqual([1, 0, 1]);
      const one = (await engine.get(t1.id))!;
      expect([one.status, one.steps[0].status]).toEqual(['FAILED', 'FAILED']);
      expect((await engine.get(t2.id))!.status).toBe('SUCCEEDED');
      // not the batcher's lease: unchanged, but the audit row of what was sent is kept
      expect((await engine.get(t3.id))!.status).toBe('RUNNING');
      expect([await calls(t1.id), await calls(t2.id), await calls(t3.id)]).toEqual([1, 1, 1]);

      // an entry that cannot be written (an unknown system in its audit row) rolls back the whole call
      await expect(
        store.raw(`SELECT sync_persist_many($1, $2::jsonb) AS owned`, 'batcher', JSON.stringify([entry(t1.id, 'SUCCEEDED'), entry(t2.id, 'FAILED', call('s', 'NOPE'))])),
      ).rejects.toThrow(/source_system|NOPE/);
      expect((await engine.get(t1.id))!.status).toBe('FAILED');
      expect((await engine.get(t2.id))!.status).toBe('SUCCEEDED');
      expect([await calls(t1.id), await calls(t2.id)]).toEqual([1, 1]);
    });
  });
}
