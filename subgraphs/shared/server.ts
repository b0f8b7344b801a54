import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import { Reader, type CanonicalCache } from '../../cache';
import { createGraphQLHttpServer, localOnlyApolloPlugins, REQUEST_ID_HEADER, requestIdFrom } from '../../lib/apollo-http';
import type { Logger } from '../../lib';
import type { SyncEngine } from '../../sync';
import { INTERNAL_TOKEN_HEADER, InternalTokenError, type InternalTokenVerifier } from '../../gateway';
import { auditPlugin, createAuditLog, principalFromClaims, type AuditLog } from './auth';
import { graphqlMetricsPlugin, opsRoutes, type Health } from '../../telemetry';
import type { SubgraphContext } from './context';
import { CALLER_HEADER, callerFromHeader, traceIdFromHeader } from './request-identity';
import { formatSubgraphError } from './errors';

/**
 * When a source system failed but cached data stood in for it, the answer is
 * still complete; this adds one error per failed system (`extensions.code`,
 * `extensions.system`, `servedStale: true`) so the caller knows, alongside the
 * `freshness.stale: true` on the values themselves.
 */
const staleServedPlugin: ApolloServerPlugin<SubgraphContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const stale = contextValue.reader.failures.filter((f) => f.servedStale);
        if (stale.length === 0 || response.body.kind !== 'single') return;
        const seen = new Set<string>();
        const errors = [...(response.body.singleResult.errors ?? [])];
        for (const f of stale) {
          const key = `${f.system}:${f.code}`;
          if (seen.has(key)) continue;
          seen.add(key);
          errors.push(
            new GraphQLError(`${f.message}; cached data was served in its place (freshness.stale is true)`, {
              extensions: { code: f.code, system: f.system, servedStale: true },
            }).toJSON(),
          );
        }
        response.body.singleResult.errors = errors;
      },
    };
  },
};

/** Logs each operation at debug with the request's logger (its trace id comes from the request's trace context). */
const operationLogPlugin: ApolloServerPlugin<SubgraphContext> = {
  async requestDidStart({ contextValue }) {
    if (!contextValue.logger.isLevelEnabled('debug')) return;
    const t0 = performance.now();
    return {
      async willSendResponse({ operationName, errors }) {
        contextValue.logger.debug({ operation: operationName ?? 'anonymous', errors: errors?.length ?? 0, ms: Math.round(performance.now() - t0) }, 'subgraph operation');
      },
    };
  },
};

/** A GraphQL request as the gateway sends it to a subgraph. */
export interface LocalSubgraphRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** What a subgraph answers: the body its HTTP endpoint would send, before JSON. */
export interface LocalSubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  /** The subgraph's SDL with federation directives, as composition needs it. */
  sdl: string;
  /**
   * Runs a request in this process, exactly as a POST to `url` would (same Apollo
   * Server: plugins, formatError, a fresh context per request) but without HTTP or
   * JSON. `headers` are the request headers by lower-case name (the gateway's
   * forwarded ones: its signed `x-gateway-token`, checked exactly as over HTTP,
   * `x-request-id`, `traceparent`, ...).
   * `variables` are used as given, not copied; the answer's objects are new per
   * request (graphql-js builds them), so the caller may merge into them.
   */
  execute(request: LocalSubgraphRequest, headers: Readonly<Record<string, string>>): Promise<LocalSubgraphResponse>;
  stop(): Promise<void>;
}

export interface StartSubgraphOptions {
  name: string;
  schema: GraphQLSchema;
  cache: CanonicalCache;
  /** The sync engine mutations submit to (and the operations subgraph reads). */
  sync: SyncEngine;
  port: number;
  host?: string;
  logger: Logger;
  /** Verifies the gateway's `x-gateway-token`: a request without a valid one gets 401. */
  internalToken: InternalTokenVerifier;
  /** Where mutations, replays and denials are recorded. @default the store's audit_entry table */
  audit?: AuditLog;
  /** Readiness checks for `/readyz`. @default ready whenever it answers */
  health?: Health;
}

/** 401 for a request that did not come through the gateway. */
function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** Serves one subgraph schema over HTTP at `/graphql`, each request with its own Reader. */
export async function serveSubgraph(options: StartSubgraphOptions): Promise<RunningSubgraph> {
  const { name, schema, cache, sync, logger, internalToken } = options;
  const audit = options.audit ?? createAuditLog(cache.store);
  const apollo = new ApolloServer<SubgraphContext>({
    schema,
    introspection: true,
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    // stack traces name files and lines of the server: never in an answer (the gateway passes subgraph errors on)
    includeStacktraceInErrorResponses: false,
    plugins: [...localOnlyApolloPlugins(), staleServedPlugin, auditPlugin(audit, logger), operationLogPlugin, ...graphqlMetricsPlugin<SubgraphContext>(name)],
    formatError: formatSubgraphError,
    logger,
  });
  /**
   * One context per request, whichever way it came in, from the headers the
   * gateway sent: its signed x-gateway-token (else 401) names the caller.
   */
  const contextFor = async (headers: Readonly<Record<string, string | string[] | undefined>>): Promise<SubgraphContext> => {
    const one = (h: string) => {
      const v = headers[h];
      return Array.isArray(v) ? v[0] : v;
    };
    const requestId = requestIdFrom(one(REQUEST_ID_HEADER));
    const traceId = traceIdFromHeader(one('traceparent'));
    let claims: Record<string, unknown>;
    try {
      claims = await internalToken.verify(one(INTERNAL_TOKEN_HEADER));
    } catch (err) {
      if (!(err instanceof InternalTokenError)) throw err;
      logger.warn({ requestId, subgraph: name }, `request refused: ${err.message}`);
      throw unauthenticated(err.message);
    }
    // with authentication off at the gateway, x-tandem-caller still names the caller
    const principal = principalFromClaims(claims, claims.auth === 'none' ? callerFromHeader(one(CALLER_HEADER)) : undefined);
    return {
      reader: new Reader(cache, one('traceparent')),
      requestId,
      logger: logger.child(traceId ? { requestId, traceId } : { requestId }),
      sync,
      caller: principal.display,
      principal,
      denials: [],
      audit,
      traceId,
    };
  };
  const server = createGraphQLHttpServer<SubgraphContext>({
    apollo,
    logger,
    context: (req) => contextFor(req.headers),
    health: () => ({ subgraph: name }),
    routes: opsRoutes(options.health),
    spanName: `subgraph-${name}`,
  });
  const url = await server.listen(options.port, options.host ?? '127.0.0.1');
  logger.info({ subgraph: name, url }, `subgraph ${name} listening at ${url}`);

  let stopped = false;
  async function execute(request: LocalSubgraphRequest, headers: Readonly<Record<string, string>>): Promise<LocalSubgraphResponse> {
    if (stopped) throw new Error(`Subgraph "${name}" is stopped`);
    let contextValue: SubgraphContext;
    try {
      contextValue = await contextFor(headers);
    } catch (err) {
      // what the HTTP endpoint answers with its 401
      if (err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED') return { data: null, errors: [{ message: err.message, extensions: { code: 'UNAUTHENTICATED' } }] };
      throw err;
    }
    const response = await apollo.executeOperation<Record<string, unknown>>(
      { query: request.query, variables: request.variables, operationName: request.operationName },
      { contextValue },
    );
    if (response.body.kind !== 'single') throw new Error(`Subgraph "${name}" answered an incremental response; the gateway expects a single one`);
    return response.body.singleResult;
  }

  return {
    name,
    url,
    sdl: printSubgraphSchema(schema),
    execute,
    stop: () => {
      stopped = true;
      return server.stop();
    },
  };
}
