// bench:subscriptions — the subscribers, in their own process: one graphql-ws
// connection (graphql-ws createClient over `ws`) and one subscription each, as
// many browser pages would hold. Records every event's cursor and its delivery
// latency (arrival here minus the change's time in the store: occurredAt is the
// status trigger's clock_timestamp() inside the committing transaction).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

interface Plan {
  /** gateway URL per subscriber (http…/graphql) */
  urls: string[];
  /** customer filter per subscriber (null: every invoice) */
  filters: (string | null)[];
  query: string;
  /** `Bearer …` sent in connection_init */
  authorization?: string;
}

interface Subscriber {
  filter: string | null;
  seqs: number[];
  errors: number;
  closes: number[];
}

const subscribers: Subscriber[] = [];
const clients: Client[] = [];
const latencies: number[] = [];

function connectAll(plan: Plan): void {
  plan.filters.forEach((filter, i) => {
    const s: Subscriber = { filter, seqs: [], errors: 0, closes: [] };
    subscribers.push(s);
    const client = createClient({
      url: plan.urls[i].replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: plan.authorization ? { authorization: plan.authorization } : undefined,
      on: { closed: (e) => void s.closes.push((e as { code: number }).code) },
    });
    clients.push(client);
    client.subscribe(
      { query: plan.query, variables: { c: filter } },
      {
        next: (r) => {
          const now = performance.timeOrigin + performance.now();
          const ext = r.extensions as { cursor: string; event: { occurredAt: string } };
          s.seqs.push(Number(ext.cursor));
          latencies.push(now - Date.parse(ext.event.occurredAt));
          if (r.errors) s.errors++;
        },
        error: () => void s.errors++,
        complete: () => undefined,
      },
    );
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Compares what each subscriber received with the events it should have: those of its customer, or all. */
function report(events: [number, string][]) {
  const all = events.map((e) => e[0]);
  const byCustomer = new Map<string, number[]>();
  for (const [seq, c] of events) byCustomer.set(c, [...(byCustomer.get(c) ?? []), seq]);
  let expected = 0;
  let lost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let errors = 0;
  const closes: Record<string, number> = {};
  for (const s of subscribers) {
    const want = s.filter === null ? all : (byCustomer.get(s.filter) ?? []);
    expected += want.length;
    const got = new Set(s.seqs);
    duplicates += s.seqs.length - got.size;
    for (const w of want) if (!got.has(w)) lost++;
    const wanted = new Set(want);
    for (const g of got) if (!wanted.has(g)) unexpected++;
    for (let i = 1; i < s.seqs.length; i++) if (s.seqs[i] <= s.seqs[i - 1]) outOfOrder++;
    errors += s.errors;
    for (const c of s.closes) closes[c] = (closes[c] ?? 0) + 1;
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    subscribers: subscribers.length,
    expectedDeliveries: expected,
    deliveries: latencies.length,
    lost,
    duplicates,
    outOfOrder,
    unexpected,
    errors,
    closes,
    latencyMs: {
      p50: Math.round(percentile(sorted, 0.5) * 10) / 10,
      p90: Math.round(percentile(sorted, 0.9) * 10) / 10,
      p99: Math.round(percentile(sorted, 0.99) * 10) / 10,
      max: Math.round((sorted[sorted.length - 1] ?? NaN) * 10) / 10,
    },
  };
}

process.on('message', async (msg: { cmd: string; plan?: Plan; events?: [number, string][] }) => {
  if (msg.cmd === 'connect') {
    connectAll(msg.plan!);
    process.send!({ ok: true });
  } else if (msg.cmd === 'progress') {
    process.send!({ deliveries: latencies.length, errors: subscribers.reduce((n, s) => n + s.errors, 0) });
  } else if (msg.cmd === 'report') {
    process.send!(report(msg.events!));
  } else if (msg.cmd === 'stop') {
    await Promise.all(clients.map((c) => c.dispose()));
    process.send!({ stopped: true }, () => process.exit(0));
  }
});
process.send!({ ready: true });
