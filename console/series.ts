import { registry } from '../telemetry';

/** One sample of the last interval: what the gateway served and what the source systems were asked. */
export interface SeriesPoint {
  /** end of the interval, ms since the epoch */
  t: number;
  /** GraphQL operations the gateway answered in the interval */
  requests: number;
  /** of which answered with errors */
  errors: number;
  /** per second over the interval */
  rps: number;
  /** latency percentiles over the interval (null: no requests), ms, from the histogram buckets */
  p50Ms: number | null;
  p95Ms: number | null;
  /** calls to each source system in the interval, and how many failed */
  sources: Record<string, { calls: number; errors: number }>;
}

interface Totals {
  count: number;
  errors: number;
  /** cumulative count per bucket upper bound (seconds) */
  buckets: Map<number, number>;
  sources: Map<string, { calls: number; errors: number }>;
}

async function read(server: string): Promise<Totals> {
  const totals: Totals = { count: 0, errors: 0, buckets: new Map(), sources: new Map() };
  const duration = await registry.getSingleMetric('tandem_graphql_request_duration_seconds')?.get();
  for (const v of (duration?.values ?? []) as { value: number; labels: Record<string, string | number | undefined>; metricName?: string }[]) {
    if (v.labels.server !== server) continue;
    if (v.metricName?.endsWith('_bucket')) {
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
      totals.buckets.set(le, (totals.buckets.get(le) ?? 0) + v.value);
    } else if (v.metricName?.endsWith('_count')) {
      totals.count += v.value;
    }
  }
  const errors = await registry.getSingleMetric('tandem_graphql_errors_total')?.get();
  for (const v of errors?.values ?? []) if (v.labels.server === server) totals.errors += v.value;
  const calls = await registry.getSingleMetric('tandem_source_requests_total')?.get();
  for (const v of calls?.values ?? []) {
    const system = String(v.labels.system);
    const s = totals.sources.get(system) ?? { calls: 0, errors: 0 };
    s.calls += v.value;
    if (v.labels.outcome !== 'ok') s.errors += v.value;
    totals.sources.set(system, s);
  }
  return totals;
}

/** The `q` quantile (0..1) of the requests counted in cumulative `buckets`, interpolated within its bucket; ms. */
export function quantileMs(buckets: Map<number, number>, q: number): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? (bounds.length ? buckets.get(bounds.at(-1)!)! : 0);
  if (!total) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const b of bounds) {
    const c = buckets.get(b)!;
    if (c >= rank) {
      if (b === Infinity) return prevBound * 1000;
      const within = c - prevCount;
      const frac = within > 0 ? (rank - prevCount) / within : 1;
      return Math.round((prevBound + (b - prevBound) * frac) * 1000 * 100) / 100;
    }
    prevBound = b;
    prevCount = c;
  }
  return prevBound * 1000;
}

/**
 * Samples the gateway's request metrics every `everyMs` into a ring of the last
 * hour, for the console's throughput and latency charts. Reads this process's
 * registry, so it sees the gateway it runs beside.
 */
export function startSeries(options: { server?: string; everyMs?: number; keepMs?: number } = {}) {
  const server = options.server ?? 'gateway';
  const everyMs = options.everyMs ?? 10_000;
  const capacity = Math.max(2, Math.ceil((options.keepMs ?? 3_600_000) / everyMs));
  const points: SeriesPoint[] = [];
  let last: { at: number; totals: Totals } | undefined;
  let busy = false;

  async function sample(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const totals = await read(server);
      const at = Date.now();
      if (last) {
        const requests = totals.count - last.totals.count;
        const delta = new Map<number, number>();
        for (const [le, c] of totals.buckets) delta.set(le, c - (last.totals.buckets.get(le) ?? 0));
        const sources: SeriesPoint['sources'] = {};
        for (const [system, s] of totals.sources) {
          const before = last.totals.sources.get(system) ?? { calls: 0, errors: 0 };
          sources[system] = { calls: s.calls - before.calls, errors: s.errors - before.errors };
        }
        points.push({
          t: at,
          requests,
          errors: totals.errors - last.totals.errors,
          rps: Math.round((requests / ((at - last.at) / 1000)) * 100) / 100,
          p50Ms: quantileMs(delta, 0.5),
          p95Ms: quantileMs(delta, 0.95),
          sources,
        });
        if (points.length > capacity) points.splice(0, points.length - capacity);
      }
      last = { at, totals };
    } finally {
      busy = false;
    }
  }

  void sample();
  const timer = setInterval(() => void sample(), everyMs);
  timer.unref();
  return {
    everyMs,
    points: (): SeriesPoint[] => points.slice(),
    /** Takes a sample now (tests). */
    sample,
    stop: () => clearInterval(timer),
  };
}
