// A Tandem stack in its own process, so the load generator does not share its
// event loop. Told what to start through argv (JSON), reports its URLs over IPC,
// and answers { cmd } messages from the benchmark driver.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
// measured as deployed: graphql-js (and Apollo) take their production paths only
// when NODE_ENV is production at load time (graphql's dev-mode instanceOf checks
// alone cost ~5% of the BI query's CPU)
process.env.NODE_ENV ??= 'production';
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import { createGatewaySecurity, createInternalTokenSigner, INTERNAL_TOKEN_HEADER, startGateway } from '../gateway';
import { createLogger } from '../lib';
import { startAll } from '../runtime';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs';
import { cpuProfiler } from './profiler';

interface ChildOptions {
  customers: number;
  latencyMs: number;
  /** freshness budget in seconds for every entity (0 = every read goes to the source) */
  ttlSeconds?: number;
  /**
   * The simulators run in another process (bench/query-systems-child) and the
   * adapters reach them through TANDEM_<SYS>_URL/TOKEN, so this process holds
   * only Tandem. @default false (simulators embedded, as bench/profile-bi runs)
   */
  externalSystems?: boolean;
}

async function main() {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  // the per-caller rate limit runs, set above what one bench client sends
  process.env.TANDEM_RATE_LIMIT_PER_SECOND ??= '1000000';
  process.env.TANDEM_RATE_LIMIT_BURST ??= '1000000';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
  const ttl = opts.ttlSeconds;
  const tandem = await startAll({
    config: {
      dataDir,
      gatewayPort: 0,
      subgraphPorts: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, 0])) as Record<SubgraphName, number>,
      indexIntervalSeconds: 0,
      embeddedSystems: !opts.externalSystems,
      // the read path only: idle sync workers poll the outbox, and their statements
      // would be counted as the BI query's database round trips
      workers: false,
    },
    // on disk under dataDir, as `npm start` keeps it (an in-memory PGlite holds the
    // whole database in its WebAssembly heap, which no user runs)
    store: { dataDir },
    systems: { latencyMs: opts.latencyMs, customers: opts.customers, persist: false },
    freshness:
      ttl === undefined
        ? { customer: 3600, opportunity: 3600, project: 3600, resource: 3600, assignment: 3600, timeEntry: 3600, invoice: 3600, payment: 3600 }
        : { customer: ttl, opportunity: ttl, project: ttl, resource: ttl, assignment: ttl, timeEntry: ttl, invoice: ttl, payment: ttl },
  });
  const profiler = cpuProfiler();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  process.on('message', async (msg: { cmd: string; file?: string }) => {
    if (msg.cmd === 'profile-start') {
      // a CPU profile of this process from now until profile-stop (bench/profile-bi)
      await profiler.start();
      process.send!({ ok: true });
    } else if (msg.cmd === 'profile-stop') {
      await profiler.stop(msg.file!);
      process.send!({ file: msg.file });
    } else if (msg.cmd === 'reset') {
      tandem.adapters.resetStats();
      tandem.store.resetRoundTrips();
      process.send!({ ok: true });
    } else if (msg.cmd === 'stats') {
      const s = tandem.adapters.stats();
      process.send!({ calls: { CRM: s.CRM.calls, ERP: s.ERP.calls, PSA: s.PSA.calls }, roundTrips: tandem.store.roundTrips() });
    } else if (msg.cmd === 'loop-delay') {
      // the event loop's delay since the last ask (ms): a stall shows as a max far above p99
      const h = loopDelay;
      process.send!({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 });
      h.reset();
    } else if (msg.cmd === 'stale') {
      await tandem.store.markStale();
      process.send!({ ok: true });
    } else if (msg.cmd === 'stop') {
      if (worker) {
        const w = worker;
        await new Promise((resolve) => {
          w.once('message', resolve);
          w.postMessage({ cmd: 'stop' });
        });
        await w.terminate();
      }
      await open.stop();
      await tandem.stop();
      rmSync(dataDir, { recursive: true, force: true });
      process.send!({ stopped: true }, () => process.exit(0));
    }
  });
  const secret = tandem.security.devKeys!.internalTokenSecret;
  // the same subgraphs behind a gateway without authentication, operation limits or rate limit: what bench:query compares against
  const gatewayLogger = createLogger('gateway-open');
  const open = await startGateway({
    port: 0,
    supergraphSdl: tandem.supergraphSdl,
    logger: gatewayLogger,
    localSubgraphs: process.env.TANDEM_INPROCESS_SUBGRAPHS === 'false' ? undefined : tandem.subgraphs,
    security: createGatewaySecurity(
      { auth: false, anonymousClaims: { sub: 'bench', roles: ['bi'] }, internalToken: { secret }, limits: false, rateLimit: false },
      gatewayLogger,
    ),
  });
  const subgraphHeaders = { [INTERNAL_TOKEN_HEADER]: await createInternalTokenSigner({ secret, ttlSeconds: 6 * 3600 }).sign({ sub: 'bench', roles: ['bi'], auth: 'bearer' }) };
  const authHeaders = { authorization: `Bearer ${tandem.devTokens!.bi}` };
  let gatewayUrl = tandem.gatewayUrl;
  let worker: Worker | undefined;
  if (process.env.BENCH_GATEWAY === 'thread') {
    worker = new Worker(path.join(__dirname, 'gateway-thread.js'), { workerData: { supergraphSdl: tandem.supergraphSdl, host: '127.0.0.1', secret, dataDir } });
    gatewayUrl = await new Promise<string>((resolve, reject) =>
      worker!.once('message', (m: { url?: string; error?: string }) => (m.url ? resolve(m.url) : reject(new Error(m.error)))),
    );
  }
  process.send!({ ready: true, gatewayUrl, customerUrl: tandem.subgraphs.customer.url, openGatewayUrl: open.url, authHeaders, subgraphHeaders });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
