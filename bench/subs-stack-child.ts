// bench:subscriptions — a whole Tandem in its own process (the gateway serving the
// subscribers, the store, the relay) plus the writer that changes invoice statuses
// in the canonical store at a given rate. Told what to start through argv (JSON),
// answers { cmd } messages from bench/subscriptions.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
process.env.NODE_ENV ??= 'production';
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventBusConfig } from '../events';
import type { Invoice } from '../canonical-schema';
import { startAll } from '../runtime';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs';
import { cpuProfiler } from './profiler';

interface ChildOptions {
  customers: number;
  /** PostgreSQL (a schema of the bench's own); unset: embedded PGlite in memory */
  databaseUrl?: string;
  events: Partial<EventBusConfig>;
  subscriberBuffer: number;
}

const HOUR = 3600;

async function main() {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-subs-'));
  const tandem = await startAll({
    config: {
      dataDir,
      gatewayPort: 0,
      subgraphPorts: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, 0])) as Record<SubgraphName, number>,
      indexIntervalSeconds: 0,
      embeddedSystems: true,
      // the writer below is the only source of events
      workers: false,
      webhooks: false,
      reconcileIntervalSeconds: 0,
    },
    store: opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : { memory: true },
    systems: { latencyMs: 0, customers: opts.customers, persist: false },
    // the bench measures the event path, not read-through: everything stays fresh for the run
    freshness: { customer: HOUR, opportunity: HOUR, project: HOUR, resource: HOUR, assignment: HOUR, timeEntry: HOUR, invoice: HOUR, payment: HOUR },
    events: { natsUrl: '', ...opts.events },
    subscriptions: { subscriberBuffer: opts.subscriberBuffer, maxSubscriptionsPerConnection: 10 },
    // a thousand connections of one caller within seconds: above the default per-caller rate limit
    security: { rateLimit: { ratePerSecond: 100_000, burst: 100_000 } },
  });
  const rows = await tandem.store.raw<{ id: string }>(`SELECT id FROM invoice ORDER BY id`);
  const invoiceIds = rows.map((r) => r.id);
  // the writer's own copy of each invoice: it alone changes them during the run
  const invoices = new Map([...(await tandem.store.getMany('invoice', invoiceIds))].map(([id, r]) => [id, r.value]));
  const customers = (await tandem.store.raw<{ customer_id: string }>(`SELECT DISTINCT customer_id FROM invoice ORDER BY customer_id`)).map((r) => r.customer_id);

  // statements the event path sends that no request waits for (relay, stream), by their first words
  const background = new Map<string, number>();
  const rawBackground = tandem.store.rawBackground.bind(tandem.store);
  tandem.store.rawBackground = <T>(text: string, ...params: unknown[]) => {
    const key = text.trim().replace(/\s+/g, ' ').slice(0, 60);
    background.set(key, (background.get(key) ?? 0) + 1);
    return rawBackground<T>(text, ...params);
  };

  /** Changes one invoice's status every 1000/rate ms for `seconds`, each its own commit. */
  async function write(rate: number, seconds: number) {
    await tandem.events.relay!.flush();
    const startSeq = (await tandem.events.stream!.head()).last;
    background.clear();
    tandem.store.resetRoundTrips();
    const interval = 1000 / rate;
    const total = Math.round(rate * seconds);
    const durations: number[] = [];
    const started = performance.now();
    let next = started;
    // on PostgreSQL several commits may be in flight (each on another invoice); PGlite runs one at a time
    const maxInFlight = opts.databaseUrl ? 16 : 1;
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < total; i++) {
      const id = invoiceIds[i % invoiceIds.length];
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const p = (async () => {
        const t0 = performance.now();
        const current = invoices.get(id)!;
        const changed: Invoice = { ...current, status: current.status === 'BLOCKED' ? 'OVERDUE' : 'BLOCKED' };
        invoices.set(id, changed);
        await tandem.store.putMany('invoice', [changed], 'ERP');
        durations.push(performance.now() - t0);
      })().finally(() => inFlight.delete(p));
      inFlight.add(p);
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    const elapsed = (performance.now() - started) / 1000;
    await tandem.events.relay!.flush();
    const endSeq = (await tandem.events.stream!.head()).last;
    durations.sort((a, b) => a - b);
    return {
      startSeq,
      endSeq,
      writes: total,
      seconds: elapsed,
      achievedPerSecond: total / elapsed,
      commitMsP50: durations[Math.floor(durations.length / 2)],
      commitMsP99: durations[Math.floor(durations.length * 0.99)],
      /** statements of requests (the writer's, the subgraphs' reads) and of background work (relay, stream), per event */
      statementsPerEvent: {
        requests: Math.round((tandem.store.roundTrips() / Math.max(1, endSeq - startSeq)) * 10) / 10,
        background: Math.round(([...background.values()].reduce((a, b) => a + b, 0) / Math.max(1, endSeq - startSeq)) * 10) / 10,
      },
      backgroundStatements: Object.fromEntries(background),
    };
  }

  const profiler = cpuProfiler();
  process.on('message', async (msg: { cmd: string; rate?: number; seconds?: number; after?: number; upTo?: number; file?: string }) => {
    try {
      if (msg.cmd === 'profile-start') {
        await profiler.start();
        process.send!({ ok: true });
      } else if (msg.cmd === 'profile-stop') {
        await profiler.stop(msg.file!);
        process.send!({ file: msg.file });
      } else if (msg.cmd === 'memory') {
        global.gc?.();
        const m = process.memoryUsage();
        process.send!({ heapUsed: m.heapUsed, rss: m.rss, stats: tandem.gateway.subscriptions!.stats() });
      } else if (msg.cmd === 'write') {
        process.send!(await write(msg.rate!, msg.seconds!));
      } else if (msg.cmd === 'events') {
        const events = await tandem.store.raw<{ seq: number; customer: string }>(
          `SELECT seq::float8 AS seq, payload->>'customerId' AS customer FROM domain_event
           WHERE seq > $1 AND seq <= $2 AND type = 'invoice.status-changed.v1' ORDER BY seq`,
          msg.after,
          msg.upTo,
        );
        process.send!({ events: events.map((e) => [Number(e.seq), e.customer]) });
      } else if (msg.cmd === 'stop') {
        await tandem.stop();
        rmSync(dataDir, { recursive: true, force: true });
        process.send!({ stopped: true }, () => process.exit(0));
      }
    } catch (err) {
      process.send!({ error: String((err as Error)?.stack ?? err) });
    }
  });
  process.send!({
    ready: true,
    gatewayUrl: tandem.gatewayUrl,
    supergraphSdl: tandem.supergraphSdl,
    subgraphs: Object.values(tandem.subgraphs).map((s) => ({ name: s.name, url: s.url })),
    customers,
    invoices: invoiceIds.length,
    bus: tandem.events.kind,
    // the subscribers' token (account teams), and the policies replica B verifies it with
    token: tandem.devTokens?.['account-team'],
    security: { ...tandem.security.gateway.security, rateLimit: { ratePerSecond: 100_000, burst: 100_000 } },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
