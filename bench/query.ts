// npm run bench:query — the read path's figures (issue 2). Writes bench/results/query.json.
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { startChildStack, postJson, writeResult, type ChildStack } from './harness';
import { BI_QUERY, SINGLE_SUBGRAPH_QUERY } from './queries';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const LATENCY_MS = Number(process.env.BENCH_SYSTEM_LATENCY_MS ?? 5);
const SERIAL_N = Number(process.env.BENCH_SERIAL_REQUESTS ?? 2000);

function say(msg: string) {
  process.stdout.write(`${msg}\n`);
}

async function load(url: string, body: unknown, connections: number, duration = DURATION_S, headers: Record<string, string> = {}) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    connections,
    duration,
  });
  const errors = r.errors + r.non2xx;
  return {
    requestsPerSecond: Math.round(r.requests.average * 10) / 10,
    meanMs: round2(r.latency.mean),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    errors,
  };
}

/**
 * Latency of one request at a time, timed with sub-millisecond precision
 * (autocannon's percentiles are whole milliseconds, which makes a ratio of ~1 ms
 * figures meaningless): one keep-alive connection, `n` requests after a warm-up.
 */
async function serialLatency(url: string, body: unknown, n: number, headers: Record<string, string> = {}) {
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
  for (let i = 0; i < 200; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] * 1000) / 1000;
  return { requests: n, meanMs: Math.round((times.reduce((a, b) => a + b, 0) / n) * 1000) / 1000, p50Ms: at(50), p99Ms: at(99) };
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

  say('1/5 source calls and database round trips of one BI query, at 10 and at 100 customers');
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
    say(`2/5 gateway overhead: a single-subgraph query through the gateway and direct, 10 connections, ${DURATION_S} s each`);
    // the direct call carries the gateway's internal token (subgraphs answer nothing else); the gateway call a bearer token
    const gw = stack.authHeaders;
    const sub = stack.subgraphHeaders;
    await load(stack.gatewayUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, 2, gw);
    await load(stack.customerUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, 2, sub);
    const direct = await load(stack.customerUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, DURATION_S, sub);
    const viaGateway = await load(stack.gatewayUrl, { query: SINGLE_SUBGRAPH_QUERY }, 10, DURATION_S, gw);
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
        direct: serialDirect,
        viaGateway: serialViaGateway,
        p50Ratio: round2(serialViaGateway.p50Ms / serialDirect.p50Ms),
        addedP50Ms: Math.round((serialViaGateway.p50Ms - serialDirect.p50Ms) * 1000) / 1000,
      },
      target: 'p50Ratio <= 1.5',
    };
    say(`    ${JSON.stringify(result.gatewayOverhead)}`);

    say(`3/5 the 100-customer BI query, 20 connections, warm cache, ${DURATION_S} s`);
    await postJson(stack.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, gw);
    const cpuBefore = stack.cpuMs();
    const warm = await load(stack.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, 20, DURATION_S, gw);
    // CPU time of the Tandem child per request: stays meaningful when other work shares the machine
    const cpuMsPerRequest = Math.round((stack.cpuMs() - cpuBefore) / Math.max(warm.requests, 1) * 10) / 10;
    result.biWarm = { ...warm, cpuMsPerRequest, peakRssMb: stack.peakRssMb(), systemsPeakRssMb: stack.systemsPeakRssMb(), target: 'p99 < 250 ms, RSS < 500 MB' };
    say(`    ${JSON.stringify(result.biWarm)}`);

    say(`4/5 security overhead: the same BI query with authentication and all limits on, and without them, 20 connections, alternating, ${DURATION_S} s each`);
    result.securityOverhead = await securityOverhead(stack);
    say(`    ${JSON.stringify(result.securityOverhead)}`);
  } finally {
    await stack.stop();
  }

  say(`5/5 the same query with a cold cache (freshness budget 0: every read through the adapters), 20 connections, ${DURATION_S} s`);
  const cold = await startChildStack({ customers: 100, latencyMs: LATENCY_MS, ttlSeconds: 0, externalSystems: true });
  try {
    const r = await load(cold.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, 20, DURATION_S, cold.authHeaders);
    result.biCold = { ...r, peakRssMb: cold.peakRssMb(), systemsPeakRssMb: cold.systemsPeakRssMb() };
    say(`    ${JSON.stringify(result.biCold)}`);
  } finally {
    await cold.stop();
  }

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
 * conditions, alternating off/on twice so that load from elsewhere falls on
 * both. Reports p50 (20 connections) and serial p50 (one at a time, to the
 * microsecond), with their ratios on/off.
 */
async function securityOverhead(stack: ChildStack) {
  const body = { query: BI_QUERY, variables: { first: 100 } };
  const on = { url: stack.gatewayUrl, headers: stack.authHeaders };
  const off = { url: stack.openGatewayUrl, headers: {} };
  await load(off.url, body, 20, 2, off.headers);
  await load(on.url, body, 20, 2, on.headers);
  const runs: { off: Awaited<ReturnType<typeof load>>[]; on: Awaited<ReturnType<typeof load>>[] } = { off: [], on: [] };
  for (let i = 0; i < 2; i++) {
    runs.off.push(await load(off.url, body, 20, DURATION_S, off.headers));
    runs.on.push(await load(on.url, body, 20, DURATION_S, on.headers));
  }
  const serialN = Math.max(50, Math.round(SERIAL_N / 10));
  const serialOff = await serialLatency(off.url, body, serialN, off.headers);
  const serialOn = await serialLatency(on.url, body, serialN, on.headers);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const p50Off = median(runs.off.map((r) => r.p50Ms));
  const p50On = median(runs.on.map((r) => r.p50Ms));
  return {
    query: 'BI, first: 100, warm cache',
    off: { runs: runs.off, serial: serialOff },
    on: { runs: runs.on, serial: serialOn },
    p50Ratio: round2(p50On / p50Off),
    serialP50Ratio: round2(serialOn.p50Ms / serialOff.p50Ms),
    serialAddedP50Ms: Math.round((serialOn.p50Ms - serialOff.p50Ms) * 1000) / 1000,
    errors: [...runs.off, ...runs.on].reduce((n, r) => n + r.errors, 0),
    target: 'p50Ratio <= 1.10',
  };
}

function round2(n: number) {
  return Math.round(n * 100) / 100;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
