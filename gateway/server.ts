/**
 * The federation gateway: Apollo Gateway executing a supergraph behind Apollo
 * Server 5 on node:http. Serves any Federation 2 subgraphs; nothing here knows
 * Tandem's own types.
 */
import type http from 'node:http';
import type { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import { createGraphQLHttpServer, GraphQLHttpServer, localOnlyApolloPlugins } from '../lib/apollo-http';
import type { Logger } from '../lib/logger';
import { graphqlMetricsPlugin, opsRoutes, type Health, type HttpRoutes } from '../telemetry';
import { requireApolloGateway } from './apollo-gateway';
import { composeFromSubgraphs } from './compose';
import {
  createLocalSubgraphDataSource,
  createSubgraphDataSource,
  DEFAULT_FORWARD_HEADERS,
  GatewayContext,
  gatewayContextFromRequest,
  type LocalSubgraphExecutor,
} from './data-source';
import { createHttpFetcher } from './http-fetcher';
import { landingPage, LandingPageOptions } from './landing-page';
import type { GatewaySecurity } from './policies';
import { subgraphErrorsPlugin } from './subgraph-errors.plugin';
import {
  attachSubscriptions,
  subscriptionsConfigFromEnv,
  subscriptionsOverHttpPlugin,
  type ConnectionInitHook,
  type RunningSubscriptions,
  type SubscriptionSource,
  type SubscriptionsConfig,
} from './subscriptions';

export interface StartGatewayOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** A composed supergraph SDL. When set, `subgraphs` only override routing URLs by name. */
  supergraphSdl?: string;
  /** Subgraphs to compose; those without `typeDefs` are asked for their SDL (`{ _service { sdl } }`). */
  subgraphs?: { name: string; url: string; typeDefs?: DocumentNode | string }[];
  logger: Logger;
  /** @default true */
  introspection?: boolean;
  /** @default '/graphql' */
  path?: string;
  /** Landing page for browsers, or false for none. @default a page with generic examples */
  landingPage?: LandingPageOptions | false;
  /** Incoming headers forwarded to every subgraph. @default DEFAULT_FORWARD_HEADERS */
  forwardHeaders?: readonly string[];
  /** @default 30000 */
  subgraphTimeoutMs?: number;
  /** @default 1 MiB */
  maxBodyBytes?: number;
  /** More Apollo Server plugins. */
  plugins?: ApolloServerPlugin<GatewayContext>[];
  /**
   * Subgraphs running in this process, by name: the gateway calls them
   * in-process instead of over HTTP (see docs/decisions/0007). Others, and any
   * name the supergraph does not have, are ignored; the rest stay remote.
   */
  localSubgraphs?: Record<string, LocalSubgraphExecutor>;
  /**
   * Request policies (gateway/policies): authentication, rate limit, the
   * internal token on every subgraph call, operation limits, persisted
   * operations. Closed by `stop()`. @default none: every request is let in as it is
   */
  security?: GatewaySecurity;
  /** Browser origins allowed to call the gateway (CORS). @default [] */
  corsOrigins?: string[] | '*';
  /**
   * More HTTP endpoints on the gateway's server, by exact path (e.g. an
   * operations console). `/metrics`, `/healthz` and `/readyz` are always served.
   */
  routes?: HttpRoutes;
  /** Readiness checks for `/readyz` (e.g. the store). @default ready whenever it answers */
  health?: Health;
  /**
   * graphql-ws on the same path (docs/subscriptions.md): the event source the
   * subscription fields are served from, and limits (defaults from
   * subscriptionsConfigFromEnv). Without a source, subscriptions are refused
   * with SUBSCRIPTIONS_NOT_CONFIGURED; queries and mutations still work over the
   * socket. `false`: no WebSocket endpoint at all.
   */
  subscriptions?: (Partial<SubscriptionsConfig> & { source?: SubscriptionSource }) | false;
  /** Checks each graphql-ws connection_init (e.g. its bearer token); see ConnectionInitHook. */
  onConnect?: ConnectionInitHook;
}

export interface RunningGateway {
  /** `http://host:port/graphql` */
  url: string;
  httpServer: http.Server;
  /** The HTTP integration (for `onStop` hooks, e.g. a graphql-ws server on the same path). */
  http: GraphQLHttpServer;
  gateway: ApolloGateway;
  apollo: ApolloServer<GatewayContext>;
  /** The supergraph being served. */
  supergraphSdl: string;
  /** graphql-ws subscriptions on the same path; null when turned off. */
  subscriptions: RunningSubscriptions | null;
  /** Drains HTTP, stops Apollo Server and the gateway, closes subgraph sockets. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_LANDING: LandingPageOptions = {
  title: 'GraphQL gateway',
  description: 'Federation 2 supergraph. Write a query, press Run (Ctrl+Enter).',
  examples: [
    { name: 'Root fields', query: '{\n  __schema {\n    queryType {\n      fields {\n        name\n        description\n      }\n    }\n  }\n}\n' },
    { name: 'All types', query: '{\n  __schema {\n    types {\n      name\n      kind\n    }\n  }\n}\n' },
  ],
};

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const logger = options.logger;
  const security = options.security;
  const fetcher = createHttpFetcher({ timeoutMs: options.subgraphTimeoutMs ?? 30_000 });
  try {
    let supergraphSdl = options.supergraphSdl;
    const overrides = new Map<string, string>();
    if (supergraphSdl) {
      for (const s of options.subgraphs ?? []) overrides.set(s.name, s.url);
    } else if (options.subgraphs?.length) {
      supergraphSdl = await composeFromSubgraphs(options.subgraphs, { fetcher, headers: await options.security?.serviceHeaders() });
    } else {
      throw new Error('startGateway needs a supergraphSdl or a list of subgraphs');
    }

    const { ApolloGateway: Gateway } = requireApolloGateway();
    const apolloLogger = logger.child({ component: 'apollo' });
    const buildService = ({ name, url }: { name: string; url?: string }) => {
      const local = options.localSubgraphs?.[name];
      if (local) return createLocalSubgraphDataSource({ name, executor: local, logger });
      const target = overrides.get(name) ?? url;
      if (!target) throw new Error(`Subgraph "${name}" has no routing URL in the supergraph; list it with a URL`);
      return createSubgraphDataSource({ name, url: target, fetcher, logger });
    };
    const gateway = new Gateway({ supergraphSdl, logger: apolloLogger, buildService });

    const apollo = new ApolloServer<GatewayContext>({
      gateway,
      introspection: options.introspection ?? true,
      includeStacktraceInErrorResponses: false,
      csrfPrevention: true,
      persistedQueries: security?.persistedQueries,
      // bounds the parser on hostile documents; the operation limits (gateway/policies) come after validation
      parseOptions: { maxTokens: 20_000 },
      stopOnTerminationSignals: false,
      logger: apolloLogger,
      plugins: [...localOnlyApolloPlugins(), ...(security?.plugins ?? []), subgraphErrorsPlugin(logger), ...graphqlMetricsPlugin<GatewayContext>('gateway'), subscriptionsOverHttpPlugin(), ...(options.plugins ?? [])],
    });

    const forward = options.forwardHeaders ?? DEFAULT_FORWARD_HEADERS;
    const subgraphNames = supergraphSubgraphNames(supergraphSdl);
    const server = createGraphQLHttpServer<GatewayContext>({
      apollo,
      path: options.path,
      context: security
        ? async (req) => {
            const context = gatewayContextFromRequest(req, forward);
            await security.admit(req, context);
            return context;
          }
        : (req) => gatewayContextFromRequest(req, forward),
      corsOrigins: options.corsOrigins,
      landingPage: options.landingPage === false ? undefined : landingPage(options.landingPage ?? DEFAULT_LANDING),
      maxBodyBytes: options.maxBodyBytes,
      health: () => ({ subgraphs: subgraphNames }),
      routes: { ...options.routes, ...opsRoutes(options.health) },
      spanName: 'gateway',
      logger,
    });

    let url: string;
    let subscriptions: RunningSubscriptions | null = null;
    try {
      if (options.subscriptions !== false) {
        await apollo.start();
        const { source, ...limits } = options.subscriptions ?? {};
        const running = await attachSubscriptions({
          http: server,
          apollo,
          schema: () => gateway.schema!,
          supergraphSdl,
          buildService,
          forwardHeaders: forward,
          source,
          config: subscriptionsConfigFromEnv(limits),
          onConnect: options.onConnect,
          authenticate: security
            ? async (req, headers) => {
                const admitted = await security.admitConnection(req, { forwardHeaders: headers, requestId: '' });
                return { identity: JSON.stringify([admitted.caller.subject, admitted.caller.claims]), headers: admitted.headers, claims: admitted.caller.claims };
              }
            : undefined,
          checkOperation: security?.checkOperation,
          logger,
        });
        subscriptions = running;
        server.onStop(() => running.stop());
      }
      url = await server.listen(options.port, options.host ?? '127.0.0.1');
    } catch (err) {
      await subscriptions?.stop().catch(() => undefined);
      await apollo.stop().catch(() => undefined);
      await security?.close();
      throw err;
    }
    for (const name of overrides.keys()) {
      if (!subgraphNames.includes(name)) logger.warn({ subgraph: name }, 'routing override names a subgraph the supergraph does not have');
    }
    const inProcess = subgraphNames.filter((n) => options.localSubgraphs?.[n]);
    logger.info({ url, subgraphs: subgraphNames, inProcess }, 'gateway ready');

    let stopped: Promise<void> | undefined;
    return {
      url,
      httpServer: server.httpServer,
      http: server,
      gateway,
      apollo,
      supergraphSdl,
      subscriptions,
      stop() {
        stopped ??= server.stop().finally(async () => {
          fetcher.destroy();
          await security?.close();
        });
        return stopped;
      },
    };
  } catch (err) {
    fetcher.destroy();
    await security?.close().catch(() => undefined);
    throw err;
  }
}

/** Subgraph names declared in a supergraph's `join__Graph` enum. */
export function supergraphSubgraphNames(supergraphSdl: string): string[] {
  const names: string[] = [];
  for (const m of supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"/g)) names.push(m[1]);
  return names;
}
