// `npm run bench:sync`: 1,000 opportunity conversions (issue 3) against simulators
// with 20 ms per call and an ERP concurrency limit of 10, submitted as
// convertOpportunity mutations through the gateway. Run A: embedded PGlite with
// in-process workers (ERP max in flight 10). Run B: PostgreSQL with two
// `tandem worker` processes (ERP max in flight 5 each), no in-process workers.
// Writes bench/results/sync.json. README "Benchmarks" explains the figures.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
process.env.NODE_ENV ??= 'production';
process.env.LOG_LEVEL ??= 'warn';
import 'reflect-metadata';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAdapters } from '../adapters';
import { canonicalId } from '../canonical-schema';
import { startAll, type RunningTandem } from '../runtime';
import { dropSchema, postgresReachable, urlWithSchema } from '../store/test-support';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs';

const N = Number(process.env.BENCH_SYNC_N ?? 1000);
/** which runs, by letter: `A` (PGlite on its own thread), `P` (PGlite on the calling thread, docs/decisions/store-pglite-thread.md), `B` (PostgreSQL, two worker processes) */
const RUNS = process.env.BENCH_SYNC_RUNS ?? 'APB';
const LATENCY_MS = 20;
const ERP_CONCURRENCY = 10;
const CLIENT_CONCURRENCY = 16;
const WORKER_CONCURRENCY = Number(process.env.BENCH_SYNC_WORKER_CONCURRENCY ?? 64);
const PHYSICAL_ERP_CALLS_PER_S = ERP_CONCURRENCY / (LATENCY_MS / 1000);

type Counters = Record<'CRM' | 'ERP' | 'PSA', { total: number; byStatus: Record<string, number>; maxInFlight: number }> & {
  /** place-ms the ERP had in use per bucket since the counters' reset (bench/sync-systems-child) */
  erpBusy: { bucketMs: number; placeMs: number[] };
};

/** CPU time (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function procCpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

interface SystemsChild {
  accountId: string;
  systems: Record<'CRM' | 'ERP' | 'PSA', { url: string; token: string }>;
  ask<T>(cmd: string, args?: object): Promise<T>;
  stop(): Promise<void>;
}

async function startSystemsChild(): Promise<SystemsChild> {
  const child = fork(path.join(__dirname, 'sync-systems-child.js'), [JSON.stringify({ latencyMs: LATENCY_MS, erpConcurrency: ERP_CONCURRENCY })]);
  const ready = await new Promise<Omit<SystemsChild, 'ask' | 'stop'>>((resolve, reject) => {
    child.once('message', (m: any) => (m.ready ? resolve(m) : reject(new Error('systems child did not start'))));
    child.once('exit', (code) => reject(new Error(`systems child exited with ${code}`)));
  });
  let queue = Promise.resolve<unknown>(undefined);
  const ask = <T>(cmd: string, args: object = {}) => {
    const p = queue.then(() => new Promise<T>((resolve) => (child.once('message', (m) => resolve(m as T)), child.send({ ...args, cmd }))));
    queue = p.catch(() => undefined);
    return p;
  };
  return { ...ready, ask, stop: async () => void (await ask('stop'), await new Promise((r) => child.once('exit', r))) };
}

/** Starts `tandem worker` (dist/bin/tandem.js) and resolves once it says it runs. */
async function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'bin', 'tandem.js'), 'worker'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`tandem worker exited with ${code}: ${out}`)));
  });
  return child;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

async function runOnce(label: string, mode: { kind: 'pglite'; thread: boolean } | { kind: 'postgres'; databaseUrl: string; workerProcesses: number }) {
  const sys = await startSystemsChild();
  for (const s of ['CRM', 'ERP', 'PSA'] as const) {
    process.env[`TANDEM_${s}_URL`] = sys.systems[s].url;
    process.env[`TANDEM_${s}_TOKEN`] = sys.systems[s].token;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-sync-'));
  const tandem: RunningTandem = await startAll({
    config: {
      dataDir,
      gatewayPort: 0,
      subgraphPorts: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, 0])) as Record<SubgraphName, number>,
      indexIntervalSeconds: 0,
      embeddedSystems: false,
      workers: mode.kind === 'pglite',
      webhookPort: 0,
      reconcileIntervalSeconds: 0,
    },
    store: mode.kind === 'pglite' ? { memory: true, thread: mode.thread } : { databaseUrl: mode.databaseUrl },
    workers: { concurrency: WORKER_CONCURRENCY, perSystemLimit: { ERP: ERP_CONCURRENCY } },
    // one integrator sends every mutation: the per-caller rate limit runs, set above what the bench sends
    security: { rateLimit: { ratePerSecond: 1_000_000, burst: 1_000_000 } },
  });
  const bearer = `Bearer ${tandem.devTokens!.integrator}`;
  const workerProcs: ChildProcess[] = [];
  try {
    if (mode.kind === 'postgres') {
      const env = {
        ...process.env,
        DATABASE_URL: mode.databaseUrl,
        TANDEM_ERP_MAX_IN_FLIGHT: String(ERP_CONCURRENCY / mode.workerProcesses),
        // the CRM and PSA allow 25 concurrent requests: the default 20 per process twice would draw 429s
        TANDEM_CRM_MAX_IN_FLIGHT: String(20 / mode.workerProcesses),
        TANDEM_PSA_MAX_IN_FLIGHT: String(20 / mode.workerProcesses),
        TANDEM_SYNC_CONCURRENCY: String(WORKER_CONCURRENCY / mode.workerProcesses),
        // one port per host: the bench needs no webhook receiver nor reconciliation in the workers
        TANDEM_WEBHOOKS: 'false',
        TANDEM_RECONCILE_INTERVAL_SECONDS: '0',
      };
      for (let i = 0; i < mode.workerProcesses; i++) workerProcs.push(await startWorkerProcess(env));
    }

    // 1,000 Closed Won opportunities without project, through the CRM's collections API
    const tag = `Bench ${randomBytes(3).toString('hex')}`;
    const crmIds: string[] = [];
    for (let start = 0; start < N; start += 200) {
      const records = Array.from({ length: Math.min(200, N - start) }, (_, i) => ({
        attributes: { type: 'Opportunity' }, Name: `${tag} ${start + i}`, AccountId: sys.accountId, StageName: 'Closed Won', CloseDate: '2025-06-01', Amount: 10_000 + start + i,
      }));
      const res = await fetch(`${sys.systems.CRM.url}/services/data/v60.0/composite/sobjects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sys.systems.CRM.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ allOrNone: true, records }),
      });
      const body = (await res.json()) as { id: string; success: boolean }[];
      if (!res.ok || !body.every((r) => r.success)) throw new Error(`creating opportunities failed: ${res.status}`);
      crmIds.push(...body.map((r) => r.id));
    }
    // indexed into the canonical store as tandem's index sweep would have done: the
    // mutation checks the cached stage (the workflow re-checks it against the CRM)
    const crm = createAdapters().CRM;
    for (let start = 0; start < crmIds.length; start += 500) {
      await tandem.store.putMany('opportunity', await crm.fetchMany('opportunity', crmIds.slice(start, start + 500)), 'CRM');
    }
    await sys.ask('reset');

    // submit through the gateway, CLIENT_CONCURRENCY at a time, from a client process of its own
    // (an integrator calls from elsewhere; in this process its fetches would take the CPU of the thread measured)
    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    const workerCpuBefore = workerProcs.map((w) => procCpuMs(w.pid));
    tandem.store.resetRoundTrips();
    let submitted = 0;
    let doneCount = 0;
    // the bench's own polling, cheap and uncounted (one plain statement, no 1,000-id IN list through Prisma):
    // it shares the process and the database with what it measures
    const tally = async () =>
      (
        await tandem.store.rawBackground<{ done: number; ended: number }>(
          `SELECT count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS done, count(*) FILTER (WHERE status IN ('SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'))::int AS ended
             FROM sync_transaction WHERE position($1 in idempotency_key) > 0`,
          `${tag}:`,
        )
      )[0];
    const progress = setInterval(() => {
      void tally()
        .then((n) => (doneCount = n.done))
        .catch(() => undefined);
      process.stdout.write(`  [${label}] ${((Date.now() - started) / 1000).toFixed(0)} s: submitted ${submitted}/${N}, done ${doneCount}/${N}\n`);
    }, 1000);
    const client = fork(path.join(__dirname, 'sync-client-child.js'), [
      JSON.stringify({ gatewayUrl: tandem.gatewayUrl, authorization: bearer, opportunityIds: crmIds.map((id) => canonicalId('opportunity', id)), tag, concurrency: CLIENT_CONCURRENCY }),
    ]);
    const { ids, submitMs, cpuMs: clientCpuMs } = await new Promise<{ ids: string[]; submitMs: number[]; cpuMs: number }>((resolve, reject) => {
      client.on('message', (m: { submitted?: number; done?: boolean; ids?: string[]; submitMs?: number[]; cpuMs?: number }) => {
        if (m.done) resolve({ ids: m.ids!, submitMs: m.submitMs!, cpuMs: m.cpuMs! });
        else if (m.submitted !== undefined) submitted = m.submitted;
      });
      client.once('exit', (code) => reject(new Error(`the bench client exited with ${code} before submitting everything`)));
    });
    submitted = ids.length;
    const submittedAfterMs = Date.now() - started;
    // wait until every transaction ended
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const { ended } = await tally();
      if (ended >= N) break;
      if (Date.now() > deadline) throw new Error(`${N - ended} transactions unfinished after 10 min`);
      await new Promise((r) => setTimeout(r, 200));
    }
    clearInterval(progress);
    const cpu = process.cpuUsage(cpuBefore);
    const workerCpuMs = workerProcs.map((w, i) => (procCpuMs(w.pid) ?? NaN) - (workerCpuBefore[i] ?? NaN));
    const roundTrips = tandem.store.roundTrips();
    process.stdout.write(`  [${label}] all ${N} ended after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    const rows = await tandem.store.prisma.syncTransaction.findMany({ where: { id: { in: ids } }, select: { status: true, createdAt: true, finishedAt: true } });
    const counters = await sys.ask<Counters>('counters');
    const records = await sys.ask<Record<string, number>>('records', { tag });
    const succeeded = rows.filter((r) => r.status === 'SUCCEEDED');
    const durations = succeeded.map((r) => r.finishedAt!.getTime() - r.createdAt.getTime()).sort((a, b) => a - b);
    const first = Math.min(...rows.map((r) => r.createdAt.getTime()));
    const last = Math.max(...succeeded.map((r) => r.finishedAt!.getTime()));
    const wallS = (last - first) / 1000;
    const workflowsPerS = succeeded.length / wallS;
    const erpCallsPerWorkflow = counters.ERP.total / N;
    const limitWorkflowsPerS = PHYSICAL_ERP_CALLS_PER_S / erpCallsPerWorkflow;
    const erpCallsPerS = counters.ERP.total / wallS;
    // the ERP's places over the run: share in use per second, and how long the
    // simulator held a place per call (its latency plus its own handling)
    const { bucketMs, placeMs } = counters.erpBusy;
    const perSecond = Math.round(1000 / bucketMs);
    const erpPlacesInUseBySecond: number[] = [];
    for (let i = 0; i < placeMs.length; i += perSecond) {
      const span = placeMs.slice(i, i + perSecond);
      erpPlacesInUseBySecond.push(+(span.reduce((a, b) => a + b, 0) / (ERP_CONCURRENCY * bucketMs * span.length)).toFixed(2));
    }
    const erpPlaceMs = placeMs.reduce((a, b) => a + b, 0);
    const byStatus429 = (['CRM', 'ERP', 'PSA'] as const).reduce((n, s) => n + (counters[s].byStatus['429'] ?? 0), 0);
    const result = {
      label,
      store: mode.kind === 'pglite' ? `embedded PGlite (${mode.thread ? 'own thread' : 'calling thread'})` : 'PostgreSQL',
      workers: mode.kind === 'pglite' ? `in-process (concurrency ${WORKER_CONCURRENCY}, ERP max in flight ${ERP_CONCURRENCY})` : `${mode.workerProcesses} tandem worker processes (TANDEM_ERP_MAX_IN_FLIGHT=${ERP_CONCURRENCY / mode.workerProcesses}, TANDEM_CRM_MAX_IN_FLIGHT and TANDEM_PSA_MAX_IN_FLIGHT=${20 / mode.workerProcesses}, TANDEM_SYNC_CONCURRENCY=${WORKER_CONCURRENCY / mode.workerProcesses} each)`,
      workflows: N,
      statuses: rows.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {}),
      wallSeconds: +wallS.toFixed(2),
      submitSeconds: +(submittedAfterMs / 1000).toFixed(2),
      submitLatencyMs: { p50: +pct([...submitMs].sort((a, b) => a - b), 50).toFixed(1), p99: +pct([...submitMs].sort((a, b) => a - b), 99).toFixed(1) },
      workflowsPerSecond: +workflowsPerS.toFixed(1),
      mutationToSucceededMs: { p50: pct(durations, 50), p99: pct(durations, 99), max: durations[durations.length - 1] },
      calls: { CRM: counters.CRM.total, ERP: counters.ERP.total, PSA: counters.PSA.total },
      erpCallsPerWorkflow: +erpCallsPerWorkflow.toFixed(2),
      maxInFlight: { CRM: counters.CRM.maxInFlight, ERP: counters.ERP.maxInFlight, PSA: counters.PSA.maxInFlight },
      http429: byStatus429,
      physicalLimit: { erpCallsPerSecond: PHYSICAL_ERP_CALLS_PER_S, workflowsPerSecond: +limitWorkflowsPerS.toFixed(1) },
      ratioToPhysicalLimit: +(workflowsPerS / limitWorkflowsPerS).toFixed(3),
      erpUtilisation: +(erpCallsPerS / PHYSICAL_ERP_CALLS_PER_S).toFixed(3),
      // the ERP simulator's own time per call (20 ms latency plus its handling and its process's waits for a core):
      // at 10 places the ERP cannot answer more than 10 / this per second
      erpSimulatorMsPerCall: +(erpPlaceMs / counters.ERP.total).toFixed(1),
      // share of the ERP's places in use each second from the first mutation on (the simulator's count)
      erpPlacesInUseBySecond,
      // CPU of the bench process (gateway, subgraphs, store, and in run A the workers) per workflow
      benchProcessCpuMsPerWorkflow: +((cpu.user + cpu.system) / 1000 / N).toFixed(1),
      // statements the bench process sent to its store (run A: submission and work; run B: submission only), progress polling included
      benchProcessStoreRoundTripsPerWorkflow: +(roundTrips / N).toFixed(1),
      // CPU of the load client (its own process, node:http keep-alive) per mutation: it shares the machine's cores
      clientCpuMsPerMutation: +(clientCpuMs / N).toFixed(2),
      ...(workerProcs.length ? { workerProcessCpuMsPerWorkflow: workerCpuMs.map((ms) => +(ms / N).toFixed(1)) } : {}),
      records,
    };
    process.stdout.write(
      `  [${label}] ${result.workflowsPerSecond} workflows/s (limit ${result.physicalLimit.workflowsPerSecond}: ratio ${result.ratioToPhysicalLimit}), ` +
        `p50 ${result.mutationToSucceededMs.p50} ms, p99 ${result.mutationToSucceededMs.p99} ms, ${result.erpCallsPerWorkflow} ERP calls/workflow, ` +
        `ERP utilisation ${result.erpUtilisation}, 429s ${result.http429}, ERP max in flight ${result.maxInFlight.ERP}, ${result.benchProcessCpuMsPerWorkflow} ms CPU and ${result.benchProcessStoreRoundTripsPerWorkflow} store statements per workflow (bench process), client ${result.clientCpuMsPerMutation} ms CPU per mutation` +
        `${result.workerProcessCpuMsPerWorkflow ? `, worker processes ${result.workerProcessCpuMsPerWorkflow.join(' + ')} ms CPU per workflow` : ''}; ` +
        `ERP simulator ${result.erpSimulatorMsPerCall} ms per call, places in use by second ${erpPlacesInUseBySecond.join(' ')}\n`,
    );
    return result;
  } finally {
    for (const w of workerProcs) {
      w.kill('SIGTERM');
      await new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)));
    }
    await tandem.stop();
    await sys.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const runs: unknown[] = [];
  process.stdout.write(`bench:sync — ${N} conversions, ${LATENCY_MS} ms per call, ERP concurrency ${ERP_CONCURRENCY}\n`);
  if (RUNS.includes('A')) runs.push(await runOnce('A: PGlite on its own thread, in-process workers', { kind: 'pglite', thread: true }));
  if (RUNS.includes('P')) runs.push(await runOnce('P: PGlite on the calling thread, in-process workers', { kind: 'pglite', thread: false }));
  let skipped: string | undefined;
  if (!RUNS.includes('B')) skipped = 'run B not asked for (BENCH_SYNC_RUNS)';
  else if (postgresReachable()) {
    const schema = `tandem_bench_${randomBytes(4).toString('hex')}`;
    try {
      runs.push(await runOnce('B: PostgreSQL, 2 worker processes', { kind: 'postgres', databaseUrl: urlWithSchema(schema), workerProcesses: 2 }));
    } finally {
      await dropSchema(schema);
    }
  } else {
    skipped = 'run B (PostgreSQL, two worker processes) SKIPPED: PostgreSQL not reachable (TANDEM_TEST_DATABASE_URL)';
    process.stdout.write(`  ${skipped}\n`);
  }
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'sync.json');
  const out = {
    benchmark: 'sync',
    at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
    setup: { conversions: N, latencyMs: LATENCY_MS, erpConcurrency: ERP_CONCURRENCY, clientConcurrency: CLIENT_CONCURRENCY, simulators: 'own child process' },
    runs,
    ...(skipped ? { skipped } : {}),
  };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
