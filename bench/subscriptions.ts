// `npm run bench:subscriptions` (issue 4): 1,000 graphql-ws subscribers, invoice
// statuses changing 100 times a second for 60 s in the canonical store, each change
// its own commit. Reports delivery latency from the change (its trigger's time in
// the committing transaction) to the subscriber's process receiving it, events lost,
// duplicated or out of order, and the gateway's memory per subscriber. Run A: the
// embedded default (one process, in-process bus). Run B: two gateway replicas on
// NATS JetStream (the stack's gateway and a gateway alone in another process), the
// subscribers split between them (skipped when NATS is not reachable).
// Writes bench/results/subscriptions.json; README "Benchmarks" explains the figures.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
process.env.NODE_ENV ??= 'production';
process.env.LOG_LEVEL ??= 'warn';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import path from 'node:path';
import { connect } from 'nats';
import { dropSchema, postgresReachable, urlWithSchema } from '../store/test-support';
import { writeResult } from './harness';

const SUBSCRIBERS = Number(process.env.BENCH_SUBS_SUBSCRIBERS ?? 1000);
const RATE = Number(process.env.BENCH_SUBS_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SUBS_SECONDS ?? 60);
const CUSTOMERS = Number(process.env.BENCH_SUBS_CUSTOMERS ?? 100);
/** subscribers watching every invoice (dashboards); the others watch one customer each (account teams) */
const UNFILTERED = Number(process.env.BENCH_SUBS_UNFILTERED ?? 50);
const RUNS = process.env.BENCH_SUBS_RUNS ?? 'AB';
/** run A again at this rate (0: not) */
const EMBEDDED_RATE = Number(process.env.BENCH_SUBS_EMBEDDED_RATE ?? 40);
const NATS_URL = process.env.TANDEM_TEST_NATS_URL || process.env.NATS_URL || 'nats://127.0.0.1:4222';
const BUFFER = 1000;
const P99_TARGET_MS = 200;

/** The selection of the issue: reaches into billing, customer, project and resource. */
const QUERY = `subscription($c: ID) { invoiceStatusChanged(customerId: $c) {
  number status balance { amount } customer { name arBalance { amount } } project { code assignments { resource { name } } }
} }`;

interface Child {
  ready: any;
  pid: number;
  ask<T = any>(cmd: string, args?: object): Promise<T>;
  stop(): Promise<void>;
}

async function forkChild(file: string, args: object, execArgv: string[] = []): Promise<Child> {
  const child = fork(path.join(__dirname, file), [JSON.stringify(args)], { execArgv: [...process.execArgv, ...execArgv], env: process.env });
  const ready = await new Promise<any>((resolve, reject) => {
    child.once('message', (m: any) => (m.ready ? resolve(m) : reject(new Error(`${file} did not start`))));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  let queue = Promise.resolve<unknown>(undefined);
  const ask = <T>(cmd: string, a: object = {}) => {
    const p = queue.then(
      () =>
        new Promise<T>((resolve, reject) => {
          child.once('message', (m: any) => (m?.error ? reject(new Error(m.error)) : resolve(m as T)));
          child.send({ ...a, cmd });
        }),
    );
    queue = p.catch(() => undefined);
    return p;
  };
  return {
    ready,
    pid: child.pid!,
    ask,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      await ask('stop');
      await exited;
    },
  };
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function natsReachable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2000, maxReconnectAttempts: 0 });
    await (await nc.jetstreamManager()).getAccountInfo();
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

async function run(
  name: string,
  rate: number,
  nats: { natsUrl: string; natsStream: string; natsSubjectPrefix: string; retentionHours: number } | null,
  databaseUrl?: string,
) {
  process.stdout.write(`run ${name}: starting the stack (${CUSTOMERS} customers, ${databaseUrl ? 'PostgreSQL' : 'PGlite'})${nats ? ' on NATS' : ''}...\n`);
  const stack = await forkChild('subs-stack-child.js', { customers: CUSTOMERS, events: nats ?? {}, subscriberBuffer: BUFFER, databaseUrl }, ['--expose-gc']);
  const gateways: Child[] = [stack];
  const clients = await forkChild('subs-clients-child.js', {});
  try {
    if (nats) {
      const b = await forkChild(
        'subs-gateway-child.js',
        { supergraphSdl: stack.ready.supergraphSdl, subgraphs: stack.ready.subgraphs, events: nats, subscriberBuffer: BUFFER, security: stack.ready.security },
        ['--expose-gc'],
      );
      gateways.push(b);
    }
    const urls = gateways.map((g) => g.ready.gatewayUrl as string);
    const customers = stack.ready.customers as string[];
    const filters = Array.from({ length: SUBSCRIBERS }, (_, i) => (i < UNFILTERED ? null : customers[i % customers.length]));
    const memory = async () => Promise.all(gateways.map((g) => g.ask<{ heapUsed: number; rss: number; stats: { subscriptions: number } }>('memory')));

    const before = await memory();
    process.stdout.write(`run ${name}: connecting ${SUBSCRIBERS} subscribers to ${urls.length} gateway(s)...\n`);
    await clients.ask('connect', { plan: { urls: filters.map((_, i) => urls[i % urls.length]), filters, query: QUERY, authorization: stack.ready.token ? `Bearer ${stack.ready.token}` : undefined } });
    await until('every subscription live', async () => (await memory()).reduce((n, m) => n + m.stats.subscriptions, 0) >= SUBSCRIBERS, 180_000);
    const after = await memory();

    process.stdout.write(`run ${name}: ${rate} invoice status changes per second for ${SECONDS} s...\n`);
    // BENCH_SUBS_PROFILE=<file>: a CPU profile of the stack process while it writes (dist/bench/cpuprofile-summary.js summarises it)
    if (process.env.BENCH_SUBS_PROFILE) await stack.ask('profile-start');
    const written = await stack.ask<{ startSeq: number; endSeq: number; writes: number; seconds: number; achievedPerSecond: number; commitMsP50: number; commitMsP99: number }>('write', {
      rate,
      seconds: SECONDS,
    });
    if (process.env.BENCH_SUBS_PROFILE) await stack.ask('profile-stop', { file: `${process.env.BENCH_SUBS_PROFILE}.${name}.cpuprofile` });
    const { events } = await stack.ask<{ events: [number, string][] }>('events', { after: written.startSeq, upTo: written.endSeq });
    const expected = events.reduce((n, [, c]) => n + filters.filter((f) => f === null || f === c).length, 0);
    // the last events are still on their way: wait for them (what never comes is reported lost)
    await until('the last deliveries', async () => (await clients.ask<{ deliveries: number }>('progress')).deliveries >= expected, 60_000).catch(() => undefined);
    const report = await clients.ask('report', { events });
    const final = await memory();
    const perSubscriberHeap = (after.reduce((n, m) => n + m.heapUsed, 0) - before.reduce((n, m) => n + m.heapUsed, 0)) / SUBSCRIBERS;
    const perSubscriberRss = (after.reduce((n, m) => n + m.rss, 0) - before.reduce((n, m) => n + m.rss, 0)) / SUBSCRIBERS;
    return {
      run: name,
      bus: nats ? 'nats' : 'in-process',
      store: databaseUrl ? 'postgres' : 'pglite',
      gateways: urls.length,
      subscribers: SUBSCRIBERS,
      unfilteredSubscribers: UNFILTERED,
      customerFilteredSubscribers: SUBSCRIBERS - UNFILTERED,
      customers: customers.length,
      invoices: stack.ready.invoices,
      targetEventsPerSecond: rate,
      seconds: SECONDS,
      writes: written,
      events: events.length,
      deliveriesPerSecond: Math.round(report.deliveries / written.seconds),
      ...report,
      p99TargetMs: P99_TARGET_MS,
      p99Met: report.latencyMs.p99 < P99_TARGET_MS,
      memoryPerSubscriber: { heapKb: Math.round(perSubscriberHeap / 102.4) / 10, rssKb: Math.round(perSubscriberRss / 102.4) / 10 },
      gatewayRssMb: final.map((m) => Math.round(m.rss / 1048576)),
    };
  } finally {
    await clients.stop().catch(() => undefined);
    for (const g of gateways.slice(1)) await g.stop().catch(() => undefined);
    await stack.stop().catch(() => undefined);
  }
}

async function main() {
  const started = new Date().toISOString();
  const load = loadavg();
  const runs: unknown[] = [];
  if (RUNS.includes('A')) runs.push(await run('A', RATE, null));
  // the embedded store's own ceiling: PGlite runs in the process's one thread, and the status changes'
  // commits alone take most of it at 100/s on this machine; the same run at a rate it sustains
  if (RUNS.includes('A') && EMBEDDED_RATE > 0) runs.push(await run(`A at ${EMBEDDED_RATE}/s`, EMBEDDED_RATE, null));
  if (RUNS.includes('B')) {
    if (await natsReachable()) {
      const id = randomBytes(4).toString('hex');
      const nats = { natsUrl: NATS_URL, natsStream: `TANDEM_BENCH_${id}`, natsSubjectPrefix: `tandem-bench.${id}`, retentionHours: 1 };
      // scale-out as deployed: the store on PostgreSQL where reachable (its work off the gateways' threads)
      const schema = `bench_subs_${id}`;
      const pg = postgresReachable();
      try {
        runs.push(await run('B', RATE, nats, pg ? urlWithSchema(schema) : undefined));
      } finally {
        if (pg) await dropSchema(schema).catch(() => undefined);
        const nc = await connect({ servers: NATS_URL });
        await (await nc.jetstreamManager()).streams.delete(nats.natsStream).catch(() => undefined);
        await nc.close();
      }
    } else {
      runs.push({ run: 'B', skipped: `NATS JetStream not reachable at ${NATS_URL}` });
    }
  }
  const result = {
    benchmark: 'subscriptions',
    startedAt: started,
    machine: { cpus: (await import('node:os')).cpus().length, loadAverageAtStart: load.map((l) => Math.round(l * 10) / 10), loadAverageAtEnd: loadavg().map((l) => Math.round(l * 10) / 10) },
    selection: QUERY.replace(/\s+/g, ' '),
    latency: 'from the status change (clock_timestamp() of the invoice trigger, in the committing transaction) to the subscriber process receiving the event',
    runs,
  };
  const file = writeResult('subscriptions', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwritten to ${file}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
