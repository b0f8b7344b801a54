/**
 * Two worker processes on one PostgreSQL store share 100 conversions: each
 * transaction is run by exactly one of them (SKIP LOCKED claims, leases never
 * change hands: the lease is long, 120 s, because a full test run on a loaded
 * 2-core machine once starved a worker past a 30 s lease, and the other worker
 * then took over, correctly, re-running one step under its idempotency key), no step runs twice, nothing is duplicated in any system, and
 * with each process given half the ERP's limit the simulator never sees more
 * calls in flight than it allows (no 429).
 */
import { postgresReachable, skipNotice } from '../../store/test-support';
import { countIn, createClosedWon, sleep, startSharedEnv, startWorkerProcess, type SharedEnv, type WorkerProcess } from '../support/sync-processes';

const pg = postgresReachable();
if (!pg) console.warn(skipNotice('two worker processes sharing work'));
const describePg = pg ? describe : describe.skip;

const N = 100;
const ERP_LIMIT = 10;

describePg('two worker processes share 100 conversions (PostgreSQL)', () => {
  let env: SharedEnv;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    env = await startSharedEnv({ latencyMs: 20, erpConcurrency: ERP_LIMIT });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await env?.close();
  });

  test('each transaction run by exactly one worker, per-system limits split, the ERP limit never exceeded', async () => {
    const opps = await createClosedWon(env, N, 'Shared work');
    const options = (id: string) => ({ id, concurrency: 32, leaseSeconds: 120, pollMs: 50, perSystemLimit: { ERP: ERP_LIMIT / 2, CRM: 10, PSA: 10 } });
    workers.push(...(await Promise.all([startWorkerProcess(env.childEnv, options('worker-a')), startWorkerProcess(env.childEnv, options('worker-b'))])));
    env.systems.erp.resetCounters();

    // convertOpportunity through the gateway, eight at a time (each reads its opportunity from the CRM)
    const ids: string[] = new Array(N);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < N; i = next++) ids[i] = await env.convert(opps[i].id, `shared-${i}`);
      }),
    );

    // watch the leases: who owns which transaction
    const owners = new Map<string, Set<string>>();
    const until = Date.now() + 80_000;
    while ((await countIn(env.store, ids, ['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'])) < N) {
      if (Date.now() > until) throw new Error('transactions unfinished after 80 s');
      const leased = await env.store.prisma.syncOutbox.findMany({ where: { leaseOwner: { not: null } }, select: { transactionId: true, leaseOwner: true } });
      for (const l of leased) {
        const set = owners.get(l.transactionId) ?? new Set<string>();
        set.add(l.leaseOwner!);
        owners.set(l.transactionId, set);
      }
      await sleep(25);
    }

    expect(await countIn(env.store, ids, ['SUCCEEDED'])).toBe(N);
    // both worked; no transaction was ever owned by both
    const seen = new Set([...owners.values()].flatMap((s) => [...s]));
    expect([...seen].sort()).toEqual(['worker-a', 'worker-b']);
    const shared = [...owners.entries()].filter(([, s]) => s.size > 1).map(([id]) => id);
    if (shared.length) {
      const detail = await env.store.prisma.syncStep.findMany({ where: { transactionId: { in: shared } }, select: { transactionId: true, name: true, attempts: true, lastError: true } });
      console.warn('transactions seen under both workers', JSON.stringify(detail, null, 1));
    }
    expect(shared).toEqual([]);
    // no step ran twice
    const steps = await env.store.prisma.syncStep.findMany({ where: { transactionId: { in: ids } }, select: { attempts: true, status: true } });
    expect(steps.length).toBe(N * 6);
    expect(steps.every((s) => s.attempts === 1 && s.status === 'SUCCEEDED')).toBe(true);
    // each vendor call made once: one create per opportunity in the ERP and the PSA
    const calls = await env.store.prisma.syncCall.groupBy({ by: ['operation'], where: { transactionId: { in: ids } }, _count: true });
    const count = Object.fromEntries(calls.map((c) => [c.operation, c._count]));
    expect(count['ERP.createProject']).toBe(N);
    expect(count['PSA.createWorkspace']).toBe(N);
    const crmIds = new Set(opps.map((o) => o.crmId));
    const jobs = env.erp().jobs.filter((j) => j.custentity_sf_opportunity_id && crmIds.has(j.custentity_sf_opportunity_id));
    expect(new Set(jobs.map((j) => j.custentity_sf_opportunity_id)).size).toBe(N);
    expect(jobs).toHaveLength(N);
    // the ERP limit is split: together never above it, and above one process's half (both were calling at once)
    const erp = env.systems.erp.counters();
    expect(erp.maxInFlight).toBeLessThanOrEqual(ERP_LIMIT);
    expect(erp.maxInFlight).toBeGreaterThan(ERP_LIMIT / 2);
    expect(erp.byStatus['429'] ?? 0).toBe(0);

    await Promise.all(workers.splice(0).map((w) => w.stop()));
  }, 150_000);

  test("a worker process is woken by another process's submit (NOTIFY on the outbox), not by its next poll", async () => {
    const [opp] = await createClosedWon(env, 1, 'Woken');
    // idle and polling once a minute: only the NOTIFY can bring the submit to it in time
    workers.push(await startWorkerProcess(env.childEnv, { id: 'worker-idle', concurrency: 4, leaseSeconds: 120, pollMs: 60_000 }));
    await sleep(2000); // its first claim (nothing to do) and its LISTEN are behind it: it waits for a signal now
    const started = Date.now();
    const id = await env.convert(opp.id, 'woken-by-notify');
    while ((await countIn(env.store, [id], ['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'])) < 1) {
      if (Date.now() - started > 30_000) throw new Error('the idle worker did not take the submitted transaction within 30 s');
      await sleep(50);
    }
    expect(await countIn(env.store, [id], ['SUCCEEDED'])).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  }, 60_000);
});
