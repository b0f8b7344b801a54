/**
 * The process's Prometheus metrics (prom-client), served at `/metrics` by every
 * role. One registry per process: in `tandem start` every role shares it.
 * Recording is a no-op with `TANDEM_TELEMETRY=off`.
 *
 * Names are listed in README.md ("Metrics"); keep both in step.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { telemetryEnabled } from '../lib';

/** The registry `/metrics` serves. */
export const registry = new Registry();
let defaultsCollected = false;

/** Process metrics (CPU, memory, event-loop lag, GC) under `tandem_process_*`/`tandem_nodejs_*`; once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected || !telemetryEnabled()) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry, prefix: 'tandem_' });
}

/** Latency buckets in seconds: 1 ms to 30 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Workflow durations in seconds: 50 ms to 1 h. */
const WORKFLOW_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export const graphqlRequests = new Counter({
  name: 'tandem_graphql_requests_total',
  help: 'GraphQL operations served, by server (gateway or subgraph name), operation name and type',
  labelNames: ['server', 'operation', 'type'] as const,
  registers: [registry],
});
export const graphqlErrors = new Counter({
  name: 'tandem_graphql_errors_total',
  help: 'GraphQL operations answered with errors, by server, operation name and first error code',
  labelNames: ['server', 'operation', 'code'] as const,
  registers: [registry],
});
export const graphqlDuration = new Histogram({
  name: 'tandem_graphql_request_duration_seconds',
  help: 'Time to answer a GraphQL operation, by server, operation name and type',
  labelNames: ['server', 'operation', 'type'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const subgraphFetchDuration = new Histogram({
  name: 'tandem_gateway_subgraph_fetch_duration_seconds',
  help: 'Time of one gateway fetch from a subgraph, by subgraph, transport (http or in-process) and outcome (ok or error)',
  labelNames: ['subgraph', 'transport', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const sourceRequests = new Counter({
  name: 'tandem_source_requests_total',
  help: 'Calls to a source system (each attempt), by system, endpoint and outcome (ok or an error code)',
  labelNames: ['system', 'endpoint', 'outcome'] as const,
  registers: [registry],
});
export const sourceErrors = new Counter({
  name: 'tandem_source_errors_total',
  help: 'Failed calls to a source system, by system, endpoint and error code (UNAVAILABLE, TIMEOUT, RATE_LIMITED, ...)',
  labelNames: ['system', 'endpoint', 'code'] as const,
  registers: [registry],
});
export const sourceDuration = new Histogram({
  name: 'tandem_source_request_duration_seconds',
  help: 'Latency of a call to a source system, by system and endpoint',
  labelNames: ['system', 'endpoint'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const workflowDuration = new Histogram({
  name: 'tandem_workflow_duration_seconds',
  help: 'From submit to a final status (SUCCEEDED, DEAD_LETTERED, COMPENSATED), by workflow and status',
  labelNames: ['workflow', 'status'] as const,
  buckets: WORKFLOW_BUCKETS,
  registers: [registry],
});
export const workflowSteps = new Counter({
  name: 'tandem_workflow_steps_total',
  help: 'Workflow step attempts run by this process, by workflow, step and outcome (succeeded, retry, dead_lettered)',
  labelNames: ['workflow', 'step', 'outcome'] as const,
  registers: [registry],
});
export const stepDuration = new Histogram({
  name: 'tandem_workflow_step_duration_seconds',
  help: 'Time of one workflow step attempt, by workflow and step',
  labelNames: ['workflow', 'step'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const webhooksReceived = new Counter({
  name: 'tandem_webhooks_received_total',
  help: 'Webhook deliveries received, by system and outcome (submitted, duplicate, ignored, refused, failed)',
  labelNames: ['system', 'outcome'] as const,
  registers: [registry],
});
export const simulatorRequests = new Counter({
  name: 'tandem_simulator_requests_total',
  help: 'Requests a simulated source system answered, by system and HTTP status (0: connection dropped)',
  labelNames: ['system', 'status'] as const,
  registers: [registry],
});
export const simulatorDuration = new Histogram({
  name: 'tandem_simulator_request_duration_seconds',
  help: 'Time a simulated source system took to answer, by system',
  labelNames: ['system'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

// Read from the store when scraped (sync/metrics.ts registers the hook that sets them).
export const circuitState = new Gauge({
  name: 'tandem_circuit_state',
  help: 'Circuit breaker of the sync workers per source system: 0 CLOSED, 1 HALF_OPEN, 2 OPEN',
  labelNames: ['system'] as const,
  registers: [registry],
});
export const outboxDepth = new Gauge({ name: 'tandem_sync_outbox_depth', help: 'Outbox rows waiting for or held by a worker', registers: [registry] });
export const syncBacklog = new Gauge({ name: 'tandem_sync_backlog', help: 'Sync transactions PENDING, RUNNING or FAILED (retry scheduled)', registers: [registry] });
export const deadLetters = new Gauge({ name: 'tandem_sync_dead_letters', help: 'Sync transactions DEAD_LETTERED (waiting for a fix and a replay)', registers: [registry] });
export const oldestPendingSeconds = new Gauge({
  name: 'tandem_sync_oldest_pending_seconds',
  help: 'Age of the oldest PENDING or FAILED sync transaction (0 when none)',
  registers: [registry],
});
export const opportunitiesAwaitingProject = new Gauge({
  name: 'tandem_opportunities_awaiting_project',
  help: 'Closed Won opportunities without a project',
  registers: [registry],
});
export const invoicesBlocked = new Gauge({ name: 'tandem_invoices_blocked', help: 'Invoices BLOCKED (by missing master data)', registers: [registry] });
export const unbilledAmount = new Gauge({
  name: 'tandem_unbilled_amount',
  help: 'Approved, billable, not yet invoiced time at its bill rate, by currency',
  labelNames: ['currency'] as const,
  registers: [registry],
});

/**
 * A label value from an open set (operation names come from clients): the value
 * while fewer than `max` distinct values were seen, then `other`, so a client
 * cannot grow the metrics without bound.
 */
export function boundedLabel(seen: Set<string>, value: string, max = 200): string {
  if (seen.has(value)) return value;
  if (seen.size >= max) return 'other';
  seen.add(value);
  return value;
}

const scrapeHooks = new Map<string, (() => Promise<void> | void)[]>();

/**
 * Runs `hook` before each scrape, to set gauges whose values are read then
 * (outbox depth, business counts from the store). Hooks are keyed: of several
 * registered under one key, the newest runs (a process has one store; tests
 * start stacks one after another). Returns the function that removes it.
 */
export function onScrape(key: string, hook: () => Promise<void> | void): () => void {
  const stack = scrapeHooks.get(key) ?? [];
  stack.push(hook);
  scrapeHooks.set(key, stack);
  return () => {
    const i = stack.lastIndexOf(hook);
    if (i >= 0) stack.splice(i, 1);
  };
}

/** Prometheus text of every metric of this process (scrape hooks run first; a failing hook leaves its gauges as they were). */
export async function metricsText(): Promise<string> {
  await Promise.all(
    [...scrapeHooks.values()].map(async (stack) => {
      const hook = stack.at(-1);
      if (!hook) return;
      try {
        await hook();
      } catch {
        // the gauges keep their last values; /readyz reports the store
      }
    }),
  );
  return registry.metrics();
}

/** `Content-Type` of {@link metricsText}. */
export function metricsContentType(): string {
  return registry.contentType;
}
