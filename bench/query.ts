// npm run bench:query — the read path's figures (issue 2). Writes bench/results/query.json.
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { startChildStack, postJson, writeResult, type ChildStack } from './harness';
import { BI_QUERY, SINGLE_SUBGRAPH_QUERY } from './queries';
import { biAnswer, countAnswer, measureFloor } from './floor';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const LATENCY_MS = Number(process.env.BENCH_SYSTEM_LATENCY_MS ?? 5);
const SERIAL_N = Number(process.env.BENCH_SERIAL_REQUESTS ?? 2000);

function say(msg: string) {
  process.stdout.write(`${msg}\n`);
}

/**
 * One autocannon run against `url`, then waits for `stack` to finish the
 * requests autocannon left in flight (it closes their connections at the end
 * of the duration; the stack still works them out), so that the next run is
 * not measured behind them. Without that wait, each measured run began with
 * 40 requests in flight instead of 20: one of the two causes of the warm BI
 * query's old p99 of 2-3 s (the other is in decision 0007, "one in-process
 * fetch per turn").
 */
async function load(stack: ChildStack, url: string, body: unknown, connections: number, duration = DURATION_S, headers: Record<string, string> = {}, settle = true) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    connections,
    duration,
  });
  if (settle) await stack.settle();
  const errors = r.errors + r.non2xx;
  return {
    requestsPerSecond: Math.round(r.requests.average * 10) / 10,
    meanMs: round2(r.latency.mean),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    // answered plus left in flight at the end: what the stack worked on (and settled) for this run
    sent: r.requests.sent,
    errors,
  };
}

/**
 * Latency of one request at a time, timed with sub-millisecond precision
 * (autocannon's percentiles are whole milliseconds, which makes a ratio of ~1 ms
 * figures meaningless): one keep-alive connection, `n` requests after a warm-up.
 */
async function serialLatency(url: string, body: unknown, n: number, headers: Record<string, string> = {}, warmup = 200) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const payload = JSON.stringify(body);
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(payload);
    });
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] * 1000) / 1000;
  return { requests: n, meanMs: Math.round((times.reduce((a, b) => a + b, 0) / n) * 1000) / 1000, p50Ms: at(50), p99Ms: at(99), times };
}

function percentile(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 1000) / 1000;
}

/**
 * What a load balancer's health check sees while `during` runs: GET /healthz on
 * a new connection every 100 ms (the gateway answers it without GraphQL, so its
 * latency is how long the busy event loop keeps a new socket waiting).
 */
async function probeHealthWhile<T>(gatewayUrl: string, during: Promise<T>): Promise<{ result: T; healthz: { probes: number; p50Ms: number; p99Ms: number; maxMs: number } }> {
  const url = new URL('/healthz', gatewayUrl).toString();
  const times: number[] = [];
  let done = false;
  const probing = (async () => {
    while (!done) {
      const start = performance.now();
      await new Promise<void>((resolve) => {
        http
          .get(url, { agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          })
          .on('error', () => resolve());
      });
      times.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await during.finally(() => {
    done = true;
  });
  await probing;
  return { result, healthz: { probes: times.length, p50Ms: Math.round(percentile(times, 50)), p99Ms: Math.round(percentile(times, 99)), maxMs: Math.round(Math.max(...times)) } };
}

/**
 * What logging, tracing and metrics cost the read path: two Tandem children side
 * by side, one as deployed (telemetry on, LOG_LEVEL=info) and one with
 * TANDEM_TELEMETRY=off and LOG_LEVEL=silent, the warm 100-customer BI query one
 * request at a time against each in alternating rounds (so drift in the machine's
 * load hits both alike). Reports the pooled p50 of each, their ratio, and the CPU
 * per request of each child.
 */
async function telemetryOverhead() {
  const rounds = Number(process.env.BENCH_TELEMETRY_ROUNDS ?? 6);
  const perRound = Number(process.env.BENCH_TELEMETRY_REQUESTS ?? 60);
  const body = { query: BI_QUERY, variables: { first: 100 } };
  const on = await startChildStack({ customers: 100, latencyMs: LATENCY_MS, externalSystems: true, env: { TANDEM_TELEMETRY: 'on', LOG_LEVEL: 'info' } });
  const off = await startChildStack({ customers: 100, latencyMs: LATENCY_MS, externalSystems: true, env: { TANDEM_TELEMETRY: 'off', LOG_LEVEL: 'silent' } });
  try {
    const runs = { on: { stack: on, times: [] as number[], cpuMs: 0 }, off: { stack: off, times: [] as number[], cpuMs: 0 } };
    for (const r of Object.values(runs)) await serialLatency(r.stack.gatewayUrl, body, 1, r.stack.authHeaders, 30);
    for (let round = 0; round < rounds; round++) {
      for (const key of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const r = runs[key];
        const cpu = r.stack.cpuMs();
        const s = await serialLatency(r.stack.gatewayUrl, body, perRound, r.stack.authHeaders, 5);
        r.cpuMs += r.stack.cpuMs() - cpu;
        r.times.push(...s.times);
      }
    }
    const summary = (r: (typeof runs)['on']) => ({
      requests: r.times.length,
      p50Ms: percentile(r.times, 50),
      p99Ms: percentile(r.times, 99),
      cpuMsPerRequest: Math.round((r.cpuMs / Math.max(r.times.length, 1)) * 10) / 10,
    });
    const withTelemetry = summary(runs.on);
    const without = summary(runs.off);
    return {
      withTelemetry,
      without,
      p50Ratio: round2(withTelemetry.p50Ms / without.p50Ms),
      cpuRatio: round2(withTelemetry.cpuMsPerRequest / Math.max(without.cpuMsPerRequest, 0.1)),
      target: 'p50Ratio <= 1.10',
    };
  } finally {
    await on.stop();
    await off.stop();
  }
}

async function callsPerQuery(stack: ChildStack) {
  await stack.ask('stale');
  await stack.ask('reset');
  const cold = await postJson(stack.gatewayUrl, { query: BI_QUERY, variables: { first: 500 } }, stack.authHeaders);
  if (cold.errors) throw new Error(JSON.stringify(cold.errors));
  const coldStats = await stack.ask<{ calls: Record<string, number>; roundTrips: number }>('stats');
  await stack.ask('reset');
  await postJson(stack.gatewayUrl, { query: BI_QUERY, variables: { first: 500 } }, stack.authHeaders);
  const warmStats = await stack.ask<{ calls: Record<string, number>; roundTrips: number }>('stats');
  return { customers: cold.data.customers.edges.length, cold: coldStats, warm: warmStats };
}

async function main() {
  const loadAtStart = os.loadavg().map((n) => Math.round(n * 100) / 100);
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores`,
    systemLatencyMs: LATENCY_MS,
    durationS: DURATION_S,
    // the gateway of the stack child calls its subgraphs in-process unless TANDEM_INPROCESS_SUBGRAPHS=false
    inProcessSubgraphs: process.env.TANDEM_INPROCESS_SUBGRAPHS !== 'false',
    // peakRssMb is the Tandem child's (gateway, subgraphs, store); the simulators run in a child of their own
    simulators: 'own process (bench/query-systems-child); systemsPeakRssMb is theirs',
  };

  if (process.env.BENCH_TELEMETRY_ONLY === '1') {
    // only step 7, into bench/results/telemetry.json (the full run keeps it in query.json)
    say('overhead of logging, tracing and metrics (step 7 of bench:query alone)');
    result.telemetryOverhead = await telemetryOverhead();
    say(`    ${JSON.stringify(result.telemetryOverhead)}`);
    result.loadAverage = { atStart: loadAtStart, atEnd: os.loadavg().map((n) => Math.round(n * 100) / 100) };
    say(`wrote ${writeResult('telemetry', result)}`);
    return;
  }

  say('1/7 source calls and database round trips of one BI query, at 10 and at 100 customers');
  const counts: Record<string, unknown> = {};
  for (const customers of [10, 100]) {
    const stack = await startChildStack({ customers, latencyMs: LATENCY_MS, externalSystems: true });
    try {
      counts[`customers${customers}`] = await callsPerQuery(stack);
      say(`    ${customers} customers: ${JSON.stringify(counts[`customers${customers}`])}`);
    } finally {
      await stack.stop();
    }
  }
  result.callsPerBiQuery = counts;

  const stack = await startChildStack({ customers: 100, latencyMs: LATENCY_MS, externalSystems: true });
  try {
    say(`2/7 gateway overhead: a single-subgraph query through the gateway and direct, 10 connections, ${DURATION_S} s each`);
    // the direct call carries the gateway's internal token (subgraphs answer nothing else); the gateway call a bearer token
    const gw = stack.authHeaders;
    const sub = stack.subgraphHeaders;
    await load(stack, stack.gatewayUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, 2, gw);
    await load(stack, stack.customerUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, 2, sub);
    const direct = await load(stack, stack.customerUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, DURATION_S, sub);
    const viaGateway = await load(stack, stack.gatewayUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, DURATION_S, gw);
    const serialDirect = await serialLatency(stack.customerUrl, { query: SINGLE_SUBGRAPH_QUERY }, SERIAL_N, sub);
    const serialViaGateway = await serialLatency(stack.gatewayUrl, { query: SINGLE_SUBGRAPH_QUERY }, SERIAL_N, gw);
    result.gatewayOverhead = {
      direct,
      viaGateway,
      p50Ratio: round2(viaGateway.p50Ms / Math.max(direct.p50Ms, 0.5)),
      p99Ratio: round2(viaGateway.p99Ms / Math.max(direct.p99Ms, 0.5)),
      meanRatio: round2(viaGateway.meanMs / direct.meanMs),
      // one request at a time, timed to the microsecond: what the gateway adds to a request
      serial: {
        direct: { ...serialDirect, times: undefined },
        viaGateway: { ...serialViaGateway, times: undefined },
        p50Ratio: round2(serialViaGateway.p50Ms / serialDirect.p50Ms),
        addedP50Ms: Math.round((serialViaGateway.p50Ms - serialDirect.p50Ms) * 1000) / 1000,
      },
      target: 'p50Ratio <= 1.5',
    };
    say(`    ${JSON.stringify(result.gatewayOverhead)}`);

    say(`3/7 the 100-customer BI query, 20 connections, warm cache, ${DURATION_S} s`);
    await postJson(stack.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, gw);
    // a warm-up at the same load, not measured: the first burst of 20 at once meets a cold JIT (its
    // requests took 1-1.6 s, enough to set p99 alone); the figures below are the steady state
    await load(stack, stack.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, 20, 3, gw);
    // the peak of this step: the lifetime peak also holds the start (seeding and indexing the world) and
    // step 2's 100,000 requests; both are reported
    const lifetimePeakBefore = stack.peakRssMb();
    const peakIsStep = stack.resetPeakRss();
    await stack.ask('loop-delay'); // starts the event loop's delay histogram over
    const cpuBefore = stack.cpuMs();
    const { result: warm, healthz } = await probeHealthWhile(
      stack.gatewayUrl,
      load(stack, stack.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, 20, DURATION_S, gw, false),
    );
    const loop = await stack.ask<{ p50: number; p99: number; max: number }>('loop-delay');
    await stack.settle();
    // CPU time of the Tandem child per request (those left in flight included, once finished): stays
    // meaningful when other work shares the machine
    const cpuMsPerRequest = Math.round((stack.cpuMs() - cpuBefore) / Math.max(warm.sent, 1) * 10) / 10;
    result.biWarm = {
      ...warm,
      cpuMsPerRequest,
      // how long the Tandem child's event loop was kept from polling sockets while the step ran
      eventLoopDelayMs: { p50: round2(loop.p50), p99: round2(loop.p99), max: round2(loop.max) },
      // GET /healthz on a new connection every 100 ms during the run
      healthzUnderLoad: healthz,
      // the peak while this step ran (VmHWM reset at its start), and the child's peak since it started
      peakRssMb: stack.peakRssMb(),
      peakRssIsThisStep: peakIsStep,
      rssAfterMb: stack.rssMb(),
      lifetimePeakRssMb: Math.max(lifetimePeakBefore, stack.peakRssMb()),
      systemsPeakRssMb: stack.systemsPeakRssMb(),
      target: 'p99 < 250 ms, RSS < 500 MB',
    };
    say(`    ${JSON.stringify(result.biWarm)}`);

    say(`4/7 the framework floor: the same query and load on Apollo Gateway, Server and subgraphs alone, resolvers over in-memory maps (bench/floor.ts), ${DURATION_S} s`);
    // the floor's world is sized from this stack's answer, so both answers hold as much
    const tandemAnswer = countAnswer(await biAnswer(stack.gatewayUrl, gw));
    const floor = await measureFloor(DURATION_S, tandemAnswer);
    result.biFloor = {
      ...floor,
      tandemAnswer,
      // measured in the same run: how much of the warm step's CPU per request is the frameworks' floor
      tandemCpuOverFloor: round2(cpuMsPerRequest / floor.cpuMsPerRequest),
    };
    say(`    ${JSON.stringify(result.biFloor)}`);

    say(`5/7 security overhead: the same BI query with authentication and all limits on, and without them, 20 connections, alternating, ${DURATION_S} s each`);
    result.securityOverhead = await securityOverhead(stack);
    say(`    ${JSON.stringify(result.securityOverhead)}`);
    // written now too: the figures above survive a failure in the last section
    writeResult('query', { ...result, loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((n) => Math.round(n * 100) / 100) } });
  } finally {
    await stack.stop();
  }

  say(`6/7 the same query with a cold cache (freshness budget 0: every read through the adapters), 20 connections, ${DURATION_S} s`);
  const cold = await startChildStack({ customers: 100, latencyMs: LATENCY_MS, ttlSeconds: 0, externalSystems: true });
  try {
    const r = await load(cold, cold.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, 20, DURATION_S, cold.authHeaders);
    result.biCold = { ...r, peakRssMb: cold.peakRssMb(), systemsPeakRssMb: cold.systemsPeakRssMb() };
    say(`    ${JSON.stringify(result.biCold)}`);
  } finally {
    await cold.stop();
  }

  say('7/7 overhead of logging, tracing and metrics: the warm BI query one at a time, telemetry on (LOG_LEVEL=info) against TANDEM_TELEMETRY=off (LOG_LEVEL=silent), alternating rounds');
  result.telemetryOverhead = await telemetryOverhead();
  say(`    ${JSON.stringify(result.telemetryOverhead)}`);

  // other work on the machine skews every figure above: record how busy it was
  result.loadAverage = { atStart: loadAtStart, atEnd: os.loadavg().map((n) => Math.round(n * 100) / 100) };
  const file = writeResult('query', result);
  say(`wrote ${file}`);
}

/**
 * The BI query through the stack's gateway (bearer token verified, per-caller
 * rate limit, operation limits, APQ, internal token to the subgraphs) and
 * through a second gateway over the same in-process subgraphs with none of it
 * but the internal token the subgraphs require: in one process, under the same
 * conditions. Under load (20 connections) in short alternating runs, and one
 * request at a time in small interleaved batches (latency to the microsecond,
 * and the stack's CPU per request, the steadiest figure on a shared machine):
 * the order flips each round so that drift in the machine's load falls on both.
 * Each figure with its ratio on/off.
 */
async function securityOverhead(stack: ChildStack) {
  const body = { query: BI_QUERY, variables: { first: 100 } };
  const modes = { off: { url: stack.openGatewayUrl, headers: {} as Record<string, string> }, on: { url: stack.gatewayUrl, headers: stack.authHeaders } };
  const order = (i: number) => (i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  await load(stack, modes.off.url, body, 20, 2, modes.off.headers);
  await load(stack, modes.on.url, body, 20, 2, modes.on.headers);

  // under load: 20 connections, short runs alternating (the order flips each round) so drift in the machine's load falls on both
  const ROUNDS = 4;
  const loadRuns: Record<'off' | 'on', (Awaited<ReturnType<typeof load>> & { cpuMsPerRequest: number })[]> = { off: [], on: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const mode of order(i)) {
      const cpu = stack.cpuMs();
      const r = await load(stack, modes[mode].url, body, 20, Math.max(2, Math.round(DURATION_S / 2)), modes[mode].headers);
      loadRuns[mode].push({ ...r, cpuMsPerRequest: Math.round(((stack.cpuMs() - cpu) / Math.max(r.sent, 1)) * 10) / 10 });
    }
  }

  // one request at a time, interleaved in small batches: latency to the microsecond, and the stack's CPU per request
  const agents = { off: new http.Agent({ keepAlive: true, maxSockets: 1 }), on: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  const payload = JSON.stringify(body);
  const once = (mode: 'off' | 'on') =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        modes[mode].url,
        { method: 'POST', agent: agents[mode], headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...modes[mode].headers } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const serial: Record<'off' | 'on', { times: number[]; cpuMs: number; n: number }> = { off: { times: [], cpuMs: 0, n: 0 }, on: { times: [], cpuMs: 0, n: 0 } };
  for (const mode of ['off', 'on'] as const) for (let j = 0; j < 10; j++) await once(mode);
  const BATCHES = Math.max(10, Math.round(SERIAL_N / 50));
  for (let i = 0; i < BATCHES; i++) {
    for (const mode of order(i)) {
      const cpu = stack.cpuMs();
      for (let j = 0; j < 10; j++) {
        const start = performance.now();
        await once(mode);
        serial[mode].times.push(performance.now() - start);
      }
      serial[mode].cpuMs += stack.cpuMs() - cpu;
      serial[mode].n += 10;
    }
  }
  agents.off.destroy();
  agents.on.destroy();
  const serialP50 = { off: round3(median(serial.off.times)), on: round3(median(serial.on.times)) };
  const serialCpu = { off: round2(serial.off.cpuMs / serial.off.n), on: round2(serial.on.cpuMs / serial.on.n) };
  const p50 = { off: median(loadRuns.off.map((r) => r.p50Ms)), on: median(loadRuns.on.map((r) => r.p50Ms)) };
  return {
    query: `BI, first: 100, warm cache; off = same subgraphs behind a gateway without authentication, limits or rate limit`,
    underLoad: { connections: 20, rounds: ROUNDS, off: loadRuns.off, on: loadRuns.on, p50Ms: p50, p50Ratio: round2(p50.on / p50.off) },
    serial: { requests: serial.off.n, p50Ms: serialP50, p50Ratio: round2(serialP50.on / serialP50.off), addedP50Ms: round3(serialP50.on - serialP50.off), cpuMsPerRequest: serialCpu, cpuRatio: round2(serialCpu.on / serialCpu.off) },
    errors: [...loadRuns.off, ...loadRuns.on].reduce((n, r) => n + r.errors, 0),
    target: 'p50Ratio <= 1.10',
  };
}

function round3(n: number) {
  return Math.round(n * 1000) / 1000;
}

function round2(n: number) {
  return Math.round(n * 100) / 100;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
