/**
 * Issue 3: "A worker process killed with SIGKILL at random moments during 200
 * workflows, then restarted: every workflow completes exactly once (count records
 * in each simulated system)."
 *
 * The workers run in a real child process (test/support/sync-worker-child.ts) over
 * a store shared through PostgreSQL (a fresh schema); the simulators, subgraphs and
 * gateway run in this process, and every conversion is a `convertOpportunity`
 * mutation through the gateway. PostgreSQL only: an embedded PGlite cannot be shared
 * between processes.
 */
import { postgresReachable, skipNotice } from '../../store/test-support';
import { countIn, createClosedWon, sleep, startSharedEnv, startWorkerProcess, type SharedEnv, type WorkerProcess } from '../support/sync-processes';

const pg = postgresReachable();
if (!pg) console.warn(skipNotice('crash test (SIGKILLed worker process)'));
const describePg = pg ? describe : describe.skip;

const N = 200;
const WORKER = { concurrency: 32, leaseSeconds: 2, pollMs: 100, retry: { baseMs: 50, capMs: 500 }, perSystemLimit: { ERP: 8 } };

describePg('a worker process SIGKILLed at random moments during 200 conversions (PostgreSQL)', () => {
  let env: SharedEnv;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    env = await startSharedEnv({ latencyMs: 5 });
  });
  afterAll(async () => {
    await worker?.kill();
    await env?.close();
  });

  test('restarted each time, every workflow completes exactly once in every system', async () => {
    const opps = await createClosedWon(env, N, 'Crash test');
    const crmIds = new Set(opps.map((o) => o.crmId));
    const jobsBefore = env.erp().jobs.length;
    const workspacesBefore = env.psa().workspaces.length;

    worker = await startWorkerProcess(env.childEnv, WORKER);
    const ids: string[] = [];
    for (const [i, o] of opps.entries()) {
      ids.push(await env.convert(o.id, `crash-${i}`));
    }

    // kill it at random moments while work remains, restarting it each time. The moments are
    // drawn in progress, not in wall time (a random point within each fifth of the run), so
    // the kills land mid-run however fast or slow the machine is.
    const doneAtKill: number[] = [];
    for (let k = 0; k < 4; k++) {
      const target = Math.floor(N * (0.1 + 0.2 * k + Math.random() * 0.1));
      const waitUntil = Date.now() + 60_000;
      let done = await countIn(env.store, ids, ['SUCCEEDED']);
      while (done < target && Date.now() < waitUntil) {
        await sleep(20);
        done = await countIn(env.store, ids, ['SUCCEEDED']);
      }
      if (done === N) break;
      await worker.kill();
      doneAtKill.push(done);
      worker = await startWorkerProcess(env.childEnv, WORKER);
    }

    const until = Date.now() + 80_000;
    let done = 0;
    while ((done = await countIn(env.store, ids, ['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'])) < N) {
      if (Date.now() > until) throw new Error(`${N - done} of ${N} transactions unfinished; killed at ${doneAtKill.join(', ')} done`);
      await sleep(200);
    }
    await worker.stop();
    worker = undefined;

    // the kills landed mid-run: at least three, each with work still unfinished
    expect(doneAtKill.length).toBeGreaterThanOrEqual(3);
    expect(doneAtKill.every((d) => d < N)).toBe(true);
    // ...and they interrupted work: some transactions were claimed again after a lease ran out
    const reclaimed = await env.store.prisma.syncStep.count({ where: { transactionId: { in: ids }, attempts: { gt: 1 } } });
    expect(reclaimed).toBeGreaterThan(0);

    expect(await countIn(env.store, ids, ['SUCCEEDED'])).toBe(N);
    // ERP: exactly one job per opportunity, and no other new job
    const erp = env.erp();
    const jobs = erp.jobs.filter((j) => j.custentity_sf_opportunity_id && crmIds.has(j.custentity_sf_opportunity_id));
    expect(jobs).toHaveLength(N);
    expect(new Set(jobs.map((j) => j.custentity_sf_opportunity_id)).size).toBe(N);
    expect(erp.jobs.length - jobsBefore).toBe(N);
    // PSA: exactly one workspace per job, and no other new workspace
    const jobIds = new Set(jobs.map((j) => j.id));
    const workspaces = env.psa().workspaces.filter((w) => w.external_reference && jobIds.has(w.external_reference));
    expect(workspaces).toHaveLength(N);
    expect(new Set(workspaces.map((w) => w.external_reference)).size).toBe(N);
    expect(env.psa().workspaces.length - workspacesBefore).toBe(N);
    // CRM: every opportunity linked to its job and workspace
    const byJob = new Map(jobs.map((j) => [j.custentity_sf_opportunity_id!, j]));
    const wsByJob = new Map(workspaces.map((w) => [w.external_reference!, w]));
    const linked = env.crm().opportunities.filter((o) => crmIds.has(o.Id) && o.ERP_Project_Id__c === byJob.get(o.Id)?.id && o.PSA_Workspace_Id__c === wsByJob.get(o.ERP_Project_Id__c!)?.id);
    expect(linked).toHaveLength(N);
    // one project.created.v1 per opportunity
    const events = await env.store.prisma.domainEvent.findMany({ where: { type: 'project.created.v1' } });
    const oppIds = new Set(opps.map((o) => o.id));
    const ours = events.filter((e) => oppIds.has((e.payload as { opportunityId: string }).opportunityId));
    expect(ours).toHaveLength(N);
    expect(new Set(ours.map((e) => (e.payload as { opportunityId: string }).opportunityId)).size).toBe(N);
    expect(await env.store.prisma.syncOutbox.count()).toBe(0);
  }, 150_000);
});
