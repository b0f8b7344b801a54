import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAll, type RunningTandem, type StartAllOptions } from '../../runtime';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs';

export interface TestStack extends RunningTandem {
  dataDir: string;
}

/**
 * A whole Tandem on ephemeral ports: simulators with no latency and a small
 * world, an in-memory PGlite store, no background index sweeps.
 */
export async function startTestStack(
  options: {
    customers?: number;
    store?: StartAllOptions['store'];
    freshness?: StartAllOptions['freshness'];
    /** Run sync workers in the stack (off by default: read-path suites count database round trips). @default false */
    workers?: boolean;
    /** Run the webhook receiver with the simulators posting to it (off by default: suites count transactions). @default false */
    webhooks?: boolean;
    /** Adapter settings over the test defaults (timeout 800 ms, one read retry). */
    adapters?: StartAllOptions['adapters'];
    /** Worker settings merged over the stack's short poll and backoff (e.g. a lower ERP in-flight limit, a shorter breaker). */
    workerOptions?: StartAllOptions['workers'];
  } = {},
): Promise<TestStack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-e2e-'));
  const tandem = await startAll({
    config: {
      dataDir,
      gatewayPort: 0,
      subgraphPorts: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, 0])) as Record<SubgraphName, number>,
      indexIntervalSeconds: 0,
      embeddedSystems: true,
      workers: options.workers ?? false,
      webhooks: options.webhooks ?? false,
      webhookPort: 0,
      reconcileIntervalSeconds: 0,
    },
    store: options.store ?? { memory: true },
    systems: { latencyMs: 0, customers: options.customers ?? 10, persist: false },
    adapters: { timeoutMs: 800, readRetries: 1, retryBaseDelayMs: 10, maxRetryAfterMs: 500, ...options.adapters },
    freshness: options.freshness,
    workers: { pollMs: 100, retry: { baseMs: 50, capMs: 1000 }, ...options.workerOptions },
  });
  const stop = tandem.stop;
  return {
    ...tandem,
    dataDir,
    async stop() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** POSTs a GraphQL operation and returns the parsed body (whatever the HTTP status). */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T> & { status: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as GraphQLResponse<T>) };
}
