// Profiles the stack under the warm BI load: starts the 100-customer stack in a
// child, runs the BI query with autocannon while the child records a CPU
// profile (only the load, not the start), and prints self time by package /
// file and by function.
//   node dist/bench/profile-bi.js [seconds] [connections]
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { startChildStack, postJson } from './harness';
import { BI_QUERY } from './queries';
import { summarise } from './cpuprofile-summary';

async function main() {
  const seconds = Number(process.argv[2] ?? 10);
  const connections = Number(process.argv[3] ?? 20);
  const dir = process.env.PROFILE_DIR ?? path.join(os.tmpdir(), 'tandem-profiles');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bi-${Date.now()}.cpuprofile`);
  const stack = await startChildStack(
    { customers: 100, latencyMs: 5, externalSystems: true, ttlSeconds: process.env.BENCH_TTL === undefined ? undefined : Number(process.env.BENCH_TTL) },
    (process.env.CHILD_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  );
  try {
    for (let i = 0; i < 3; i++) await postJson(stack.gatewayUrl, { query: BI_QUERY, variables: { first: 100 } }, stack.authHeaders);
    // warm the JIT at the same load first, as bench:query does (PROFILE_WARMUP_S, default 5)
    await autocannon({
      url: stack.gatewayUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.authHeaders },
      body: JSON.stringify({ query: BI_QUERY, variables: { first: 100 } }),
      connections,
      duration: Number(process.env.PROFILE_WARMUP_S ?? 5),
    });
    // the warm-up's last requests are still being worked on: the measured run starts after them
    await stack.settle();
    const profiling = process.env.NO_PROFILE !== '1';
    if (profiling) await stack.ask('profile-start');
    const cpu0 = stack.cpuMs();
    const r = await autocannon({
      url: stack.gatewayUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.authHeaders },
      body: JSON.stringify({ query: BI_QUERY, variables: { first: 100 } }),
      connections,
      duration: seconds,
    });
    // CPU per request counts the requests left in flight too, once the stack has finished them
    await stack.settle();
    const cpuMs = stack.cpuMs() - cpu0;
    if (profiling) await stack.ask('profile-stop', { file });
    process.stdout.write(
      `${JSON.stringify({ rps: r.requests.average, requests: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, cpuMsPerRequest: Math.round((cpuMs / r.requests.sent) * 10) / 10, peakRssMb: stack.peakRssMb() })}\n`,
    );
  } finally {
    await stack.stop();
  }
  if (process.env.NO_PROFILE === '1') return;
  process.stdout.write(`${file}\n`);
  process.stdout.write(summarise(file));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
