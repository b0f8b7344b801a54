/**
 * How the gateway talks to a subgraph: forwards the caller's identity and
 * trace headers, reuses sockets, and turns transport failures into GraphQL
 * errors that name the subgraph.
 *
 * Errors a subgraph returns inside a GraphQL response are already handled by
 * Apollo Gateway (executeQueryPlan `downstreamServiceError`): it keeps their
 * message and every extension, adds `serviceName`, keeps `code` (or sets
 * DOWNSTREAM_SERVICE_ERROR when there is none) and rewrites `path` to the
 * client's operation. What it does not do is name the subgraph when the fetch
 * itself fails or the subgraph answers a non-2xx status; that is done here.
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { formatTraceparent, inSpan, parseTraceparent, telemetryEnabled, type Logger } from '../lib';
import { metrics } from '../telemetry';
import { requireApolloGateway } from './apollo-gateway';
import type { GatewayCaller } from './policies';
import type { HttpFetcher } from './http-fetcher';
import { SubgraphFetchError } from './http-fetcher';
import { nextTurn } from './turns';

/** What the gateway keeps per request to pass on to subgraphs. */
export interface GatewayContext {
  /** Incoming headers forwarded to every subgraph fetch, by lower-case name. */
  forwardHeaders: Record<string, string>;
  /** The request id (incoming `x-request-id` or a generated one). */
  requestId: string;
  /** Who asked, once the security policies admitted the request (see gateway/policies). */
  caller?: GatewayCaller;
}

/** Incoming headers forwarded to subgraphs unless configured otherwise. */
export const DEFAULT_FORWARD_HEADERS: readonly string[] = ['authorization', 'x-request-id', 'traceparent', 'tracestate', 'baggage', 'x-tandem-caller'];

export function gatewayContextFromRequest(req: IncomingMessage, forward: readonly string[] = DEFAULT_FORWARD_HEADERS): GatewayContext {
  const forwardHeaders: Record<string, string> = {};
  for (const name of forward) {
    const value = req.headers[name.toLowerCase()];
    if (value !== undefined) forwardHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const requestId = req.headers['x-request-id'];
  return { forwardHeaders, requestId: (Array.isArray(requestId) ? requestId[0] : requestId) ?? '' };
}

type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  fetcher: HttpFetcher;
  logger: Logger;
}

/** Code set on subgraph fetches that fail without a GraphQL answer (unreachable, non-2xx, non-JSON). */
export const DOWNSTREAM_SERVICE_ERROR = 'DOWNSTREAM_SERVICE_ERROR';

let DataSourceClass: (new (options: SubgraphDataSourceOptions) => RemoteGraphQLDataSource<GatewayContext>) | undefined;

/** A RemoteGraphQLDataSource for one subgraph. Loads @apollo/gateway lazily (see apollo-gateway.ts). */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): RemoteGraphQLDataSource<GatewayContext> {
  DataSourceClass ??= defineDataSourceClass();
  return new DataSourceClass(options);
}

function defineDataSourceClass(): new (options: SubgraphDataSourceOptions) => RemoteGraphQLDataSource<GatewayContext> {
  const { RemoteGraphQLDataSource: Base } = requireApolloGateway();

  return class SubgraphDataSource extends Base<GatewayContext> {
    private readonly serviceName: string;
    private readonly log: Logger;

    constructor({ name, url, fetcher, logger }: SubgraphDataSourceOptions) {
      super({ url });
      this.serviceName = name;
      this.log = logger.child({ subgraph: name });
      this.fetcher = fetcher;
    }

    override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
      const headers = options.request.http?.headers;
      const forward = (options.context as Partial<GatewayContext> | undefined)?.forwardHeaders;
      if (!headers) return;
      if (forward) for (const [name, value] of Object.entries(forward)) headers.set(name, value);
      // the subgraph's request is a child of this fetch's span
      const traceparent = fetchTraceparents.get(options.request);
      if (traceparent) headers.set('traceparent', traceparent);
    }

    override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
      return timedFetch(this.serviceName, 'http', options.context as Partial<GatewayContext> | undefined, (traceparent) => {
        if (traceparent) fetchTraceparents.set(options.request, traceparent);
        return this.fetchOnce(options);
      });
    }

    private async fetchOnce(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
      try {
        return await super.process(options);
      } catch (err) {
        const requestId = (options.context as Partial<GatewayContext> | undefined)?.requestId;
        const graphqlBody = graphQLBodyOf(err);
        if (graphqlBody) {
          // A non-2xx answer that is still a GraphQL response (e.g. 400 for a validation error):
          // hand it to the gateway like any other, so its errors get serviceName and client paths.
          this.log.warn({ status: statusOf(err), requestId }, 'subgraph answered GraphQL errors with a non-2xx status');
          return { data: graphqlBody.data ?? undefined, errors: graphqlBody.errors };
        }
        throw this.toGraphQLError(err, requestId);
      }
    }

    private toGraphQLError(err: unknown, requestId: string | undefined): GraphQLError {
      if (err instanceof SubgraphFetchError) {
        this.log.warn({ err: err.message, url: err.url, requestId }, 'subgraph unreachable');
        const what = err.code === 'ETIMEDOUT' ? 'did not answer in time' : `could not be reached${err.code ? ` (${err.code})` : ''}`;
        return new GraphQLError(`Subgraph "${this.serviceName}" ${what}`, {
          extensions: { code: DOWNSTREAM_SERVICE_ERROR, serviceName: this.serviceName },
        });
      }
      const status = statusOf(err);
      if (status !== undefined) {
        const response = (err as GraphQLError).extensions.response as { statusText?: string; body?: unknown };
        this.log.warn({ status, body: response.body, requestId }, 'subgraph answered a non-2xx status');
        const code = (err as GraphQLError).extensions.code;
        return new GraphQLError(`Subgraph "${this.serviceName}" answered HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`, {
          extensions: {
            code: typeof code === 'string' ? code : DOWNSTREAM_SERVICE_ERROR,
            serviceName: this.serviceName,
            response: { status },
          },
        });
      }
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn({ err: message, requestId }, 'subgraph fetch failed');
      return new GraphQLError(`Error while fetching subquery from service "${this.serviceName}": ${message}`, {
        extensions: { code: DOWNSTREAM_SERVICE_ERROR, serviceName: this.serviceName },
      });
    }
  };
}

function statusOf(err: unknown): number | undefined {
  if (!(err instanceof GraphQLError)) return undefined;
  const response = err.extensions.response as { status?: unknown } | undefined;
  return typeof response?.status === 'number' ? response.status : undefined;
}

function graphQLBodyOf(err: unknown): { data?: Record<string, unknown> | null; errors: GatewayGraphQLResponse['errors'] } | undefined {
  if (!(err instanceof GraphQLError)) return undefined;
  const body = (err.extensions.response as { body?: unknown } | undefined)?.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return body as { data?: Record<string, unknown> | null; errors: GatewayGraphQLResponse['errors'] };
}

/**
 * A subgraph that runs in the gateway's own process: answers a request as its
 * HTTP endpoint would (same server pipeline, a fresh request context), without
 * the HTTP hop and the JSON on both sides. `headers` are what the HTTP path
 * would have sent, by lower-case name (the forwarded ones).
 */
export interface LocalSubgraphExecutor {
  execute(
    request: { query: string; variables?: Record<string, unknown>; operationName?: string },
    headers: Readonly<Record<string, string>>,
  ): Promise<{ data?: Record<string, unknown> | null; errors?: GatewayGraphQLResponse['errors']; extensions?: Record<string, unknown> }>;
}

export interface LocalSubgraphDataSourceOptions {
  name: string;
  executor: LocalSubgraphExecutor;
  logger: Logger;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A GraphQLDataSource that calls a subgraph in-process (cf. @apollo/gateway's
 * LocalGraphQLDataSource, which runs bare `graphql()` and so would skip the
 * subgraph server's plugins, formatError and per-request context). Variables
 * (the entity representations) are passed as they are, not copied: the
 * subgraph only reads them. The answer is handed to the gateway as it is:
 * graphql-js builds new objects for every request, so the gateway's merging
 * into them touches nothing shared (the row cache's frozen rows never reach
 * the answer; every scalar serialises to a string).
 */
export function createLocalSubgraphDataSource({ name, executor, logger }: LocalSubgraphDataSourceOptions): GraphQLDataSource<GatewayContext> {
  const log = logger.child({ subgraph: name, inProcess: true });
  return {
    async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
      const context = options.context as Partial<GatewayContext> | undefined;
      const { query, variables, operationName } = options.request;
      if (!query) throw new GraphQLError(`Subgraph "${name}" was sent a request without a query`, { extensions: { code: DOWNSTREAM_SERVICE_ERROR, serviceName: name } });
      // a turn of the event loop of its own first, as the HTTP hop would give: a subgraph answered from
      // the row cache needs no I/O, so concurrent requests would run as one unbroken chain of promises,
      // and sockets (new connections, new requests, finished answers) would wait behind all of them
      await nextTurn();
      return timedFetch(name, 'in-process', context, (traceparent) => run(query, variables, operationName, context, traceparent));
    },
  };

  async function run(
    query: string,
    variables: Record<string, unknown> | undefined,
    operationName: string | undefined,
    context: Partial<GatewayContext> | undefined,
    traceparent: string | undefined,
  ): Promise<GatewayGraphQLResponse> {
    const forwarded = context?.forwardHeaders ?? NO_HEADERS;
    // the subgraph's request is a child of this fetch's span, as over HTTP
    const headers = traceparent ? { ...forwarded, traceparent } : forwarded;
    try {
      return await executor.execute({ query, variables, operationName }, headers);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ err: message, requestId: context?.requestId }, 'in-process subgraph call failed');
      throw new GraphQLError(`Error while fetching subquery from service "${name}": ${message}`, {
        extensions: { code: DOWNSTREAM_SERVICE_ERROR, serviceName: name },
      });
    }
  }
}

/** The traceparent of each HTTP fetch in flight, for willSendRequest (it sees the request, not the span). */
const fetchTraceparents = new WeakMap<object, string>();

/**
 * One subgraph fetch in a client span (`subgraph <name>`), a child of the
 * gateway request's span (the `traceparent` the HTTP layer put in the forwarded
 * headers), timed into `tandem_gateway_subgraph_fetch_duration_seconds`; an
 * answer with errors counts as `error`. `fetch` gets the traceparent to send.
 */
function timedFetch(
  subgraph: string,
  transport: 'http' | 'in-process',
  context: Partial<GatewayContext> | undefined,
  fetch: (traceparent: string | undefined) => Promise<GatewayGraphQLResponse>,
): Promise<GatewayGraphQLResponse> {
  if (!telemetryEnabled()) return fetch(context?.forwardHeaders?.traceparent);
  const parent = parseTraceparent(context?.forwardHeaders?.traceparent);
  return inSpan(`subgraph ${subgraph}`, { kind: 'client', parent, attributes: { 'graphql.subgraph': subgraph, transport } }, async (ctx, span) => {
    const started = performance.now();
    let outcome = 'error';
    try {
      const response = await fetch(formatTraceparent(ctx));
      if (!response.errors?.length) outcome = 'ok';
      else span.fail(`${response.errors.length} error(s)`);
      return response;
    } finally {
      metrics.subgraphFetchDuration.observe({ subgraph, transport, outcome }, (performance.now() - started) / 1000);
    }
  });
}
