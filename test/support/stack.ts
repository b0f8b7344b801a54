import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInternalTokenSigner, INTERNAL_TOKEN_HEADER } from '../../gateway';
import { AUTH_OFF_ROLES, mintDevToken, startAll, type MintTokenOptions, type RunningTandem, type StartAllOptions } from '../../runtime';
import { SUBGRAPH_NAMES, type Role, type SubgraphName } from '../../subgraphs';

export interface TestStack extends RunningTandem {
  dataDir: string;
  /** A token signed with the stack's development key, for one role or several (subject `<roles>@tandem.test` unless given). */
  token(roles: Role | readonly Role[], options?: Omit<MintTokenOptions, 'roles'>): Promise<string>;
  /** `{ authorization: 'Bearer <token>' }` for `gql(..., headers)`. */
  as(roles: Role | readonly Role[], options?: Omit<MintTokenOptions, 'roles'>): Promise<Record<string, string>>;
  /** The headers the gateway would send a subgraph for a caller with these claims (its signed x-gateway-token), to call a subgraph directly. */
  gatewayHeaders(claims?: Record<string, unknown>): Promise<Record<string, string>>;
}

/** Subject of the token `gql()` sends to a test stack by default. */
export const STAFF_SUBJECT = 'e2e-staff@tandem.test';

/**
 * The Authorization header `gql()` sends to each running test stack's gateway
 * unless the call passes its own (`{ authorization: '' }` sends none): a token
 * with every staff role (bi, account-team, integrator, finance, admin), so
 * suites about other things run through the same authentication, internal
 * token and authorization as any caller. Security suites pass their own.
 */
const defaultAuthorization = new Map<string, string>();

/**
 * A whole Tandem on ephemeral ports: simulators with no latency and a small
 * world, an in-memory PGlite store, no background index sweeps.
 */
export async function startTestStack(
  options: {
    customers?: number;
    /** Simulator latency per call and concurrency limits. @default latency 0, the simulators' limits */
    systems?: { latencyMs?: number; concurrency?: NonNullable<StartAllOptions['systems']>['concurrency'] };
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
    /** Gateway policies over the defaults; the stack's rate limit is 10,000/s unless given (suites about it set their own). */
    security?: StartAllOptions['security'];
    /** Operations console settings (e.g. a shorter chart sampling interval). */
    console?: StartAllOptions['console'];
    /** Event bus settings (e.g. NATS with a stream of the test's own). @default the in-process bus */
    events?: StartAllOptions['events'];
    /** graphql-ws limits over the defaults (e.g. a small subscriber buffer). */
    subscriptions?: StartAllOptions['subscriptions'];
    onConnect?: StartAllOptions['onConnect'];
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
    systems: { latencyMs: options.systems?.latencyMs ?? 0, concurrency: options.systems?.concurrency, customers: options.customers ?? 10, persist: false },
    adapters: { timeoutMs: 800, readRetries: 1, retryBaseDelayMs: 10, maxRetryAfterMs: 500, ...options.adapters },
    freshness: options.freshness,
    workers: { pollMs: 100, retry: { baseMs: 50, capMs: 1000 }, ...options.workerOptions },
    security: { rateLimit: { ratePerSecond: 10_000, burst: 10_000 }, ...options.security },
    console: options.console,
    // the in-process bus unless a test asks for NATS, whatever the environment says
    events: { natsUrl: '', ...options.events },
    subscriptions: options.subscriptions,
    onConnect: options.onConnect,
  });
  const keys = tandem.security.devKeys;
  if (!keys) throw new Error('the test stack expects the development keys (an identity provider is configured in the environment)');
  const token = (roles: Role | readonly Role[], opts: Omit<MintTokenOptions, 'roles'> = {}) => {
    const list = typeof roles === 'string' ? [roles] : [...roles];
    return mintDevToken(keys, { subject: `${list.join('+')}@tandem.test`, ...opts, roles: list });
  };
  defaultAuthorization.set(tandem.gatewayUrl, `Bearer ${await token(AUTH_OFF_ROLES, { subject: STAFF_SUBJECT })}`);
  const stop = tandem.stop;
  return {
    ...tandem,
    dataDir,
    token,
    as: async (roles, opts) => ({ authorization: `Bearer ${await token(roles, opts)}` }),
    async gatewayHeaders(claims = { sub: STAFF_SUBJECT, roles: [...AUTH_OFF_ROLES], auth: 'bearer' }) {
      const signer = createInternalTokenSigner({ secret: keys.internalTokenSecret });
      return { [INTERNAL_TOKEN_HEADER]: await signer.sign(claims) };
    },
    async stop() {
      defaultAuthorization.delete(tandem.gatewayUrl);
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The staff token gql() sends to a test stack's gateway at `url` (undefined for any other URL). */
export function defaultAuthorizationFor(url: string): string | undefined {
  return defaultAuthorization.get(url);
}

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/**
 * POSTs a GraphQL operation and returns the parsed body (whatever the HTTP
 * status). To a test stack's gateway it sends the stack's staff token unless
 * `headers.authorization` is given ('' sends no Authorization header).
 */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T> & { status: number }> {
  const all: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (all.authorization === undefined && defaultAuthorization.has(url)) all.authorization = defaultAuthorization.get(url)!;
  if (all.authorization === '') delete all.authorization;
  const res = await fetch(url, { method: 'POST', headers: all, body: JSON.stringify({ query, variables }) });
  return { status: res.status, ...((await res.json()) as GraphQLResponse<T>) };
}
