/**
 * graphql-ws on the gateway's HTTP server and GraphQL path: connection_init
 * (the bearer token and the hook), keep-alive pings, subscriptions per
 * connection, a bounded buffer per subscriber, and a clean close of every
 * connection on stop. Subscriptions come from a SubscriptionSource and are
 * resolved through the event graph (resolver.ts); queries and mutations sent
 * over the socket run through the gateway's Apollo Server like HTTP ones.
 */
import type { IncomingMessage } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { CloseCode, type Context } from 'graphql-ws';
import type { Extra } from 'graphql-ws/dist/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GraphQLHttpServer } from '../../lib/apollo-http';
import { requestIdFrom } from '../../lib/apollo-http';
import type { Logger } from '../../lib/logger';
import type { GatewayContext } from '../data-source';
import { buildEventGraph, type EventGraph } from './event-graph';
import { prepareSubscription, rootField } from './operation';
import { EventResolver, type EventGroup, type EventReceiver, type EventResult } from './resolver';
import type { SubscriptionEvent, SubscriptionSink, SubscriptionSource } from './source';

/** Close code for a subscriber whose buffer overflowed (the client may reconnect and resume with `since`). */
export const SLOW_SUBSCRIBER_CLOSE_CODE = 4008;
/** A subscriber over its buffer is closed once its oldest waiting result is this old (a burst drains faster). */
export const SLOW_SUBSCRIBER_AFTER_MS = 5000;
/** ... and at once beyond this many times its buffer, however young. */
const HARD_LIMIT_FACTOR = 10;

/** Close code on shutdown (graphql-ws clients retry it). */
export const GOING_AWAY_CLOSE_CODE = 1001;

export interface SubscriptionsConfig {
  /**
   * Subscriptions one connection may hold at once; one more is refused with TOO_MANY_SUBSCRIPTIONS.
   * @default 100 (TANDEM_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION)
   */
  maxSubscriptionsPerConnection: number;
  /**
   * Resolved events a subscriber may have waiting for its socket (a client that stops reading lets
   * them pile up once the kernel's socket buffers are full). Over it for more than 5 s (a burst
   * drains faster), or over ten times it at all, the connection is closed with 4008 and the cursor
   * to resume from. Also paces a replay (`since`).
   * @default 1000 (TANDEM_GATEWAY_SUBSCRIBER_BUFFER)
   */
  subscriberBuffer: number;
  /**
   * Interval of WebSocket pings; a connection that does not answer one within it is terminated. 0 disables.
   * @default 12000 (TANDEM_GATEWAY_WS_KEEPALIVE_MS)
   */
  keepAliveMs: number;
  /**
   * Time a new connection has to send connection_init before it is closed with 4408.
   * @default 3000 (TANDEM_GATEWAY_WS_INIT_TIMEOUT_MS)
   */
  connectionInitTimeoutMs: number;
}

/** What `connection_init` brought, for the onConnect hook. */
export interface ConnectionInit {
  /** the `connection_init` payload */
  connectionParams: Readonly<Record<string, unknown>>;
  /** the HTTP upgrade request */
  request: IncomingMessage;
  /** headers this connection forwards to subgraphs (lower-case): the forwarded upgrade headers and `authorization` from the payload */
  headers: Readonly<Record<string, string>>;
}

/**
 * Decides whether a connection may proceed: `false` (or a thrown error, whose
 * message becomes the close reason) closes it with 4403; an object may replace
 * or add forwarded headers (e.g. a verified identity).
 */
export type ConnectionInitHook = (init: ConnectionInit) => boolean | void | { headers?: Record<string, string> } | Promise<boolean | void | { headers?: Record<string, string> }>;

export interface AttachSubscriptionsOptions {
  http: GraphQLHttpServer;
  apollo: ApolloServer<GatewayContext>;
  /** the gateway's API schema (operations are validated against it) */
  schema: () => GraphQLSchema;
  supergraphSdl: string;
  buildService: ConstructorParameters<typeof EventResolver>[0]['buildService'];
  /** incoming headers forwarded to subgraphs (from the upgrade request) */
  forwardHeaders: readonly string[];
  source: SubscriptionSource | undefined;
  config: SubscriptionsConfig;
  onConnect?: ConnectionInitHook;
  /**
   * Authenticates a connection like an HTTP request (the gateway's policies): `request`
   * carries the bearer token of connection_init as its Authorization header. Resolves to
   * who it is (subscribers are batched per identity) and the headers of each subgraph call
   * made for it; a rejection closes the connection with 4403 and the error's message.
   */
  authenticate?: (
    request: IncomingMessage,
    headers: Record<string, string>,
  ) => Promise<{ identity: string; headers(): Promise<Record<string, string>>; claims?: Readonly<Record<string, unknown>> }>;
  /**
   * The gateway's checks of an operation before it runs (e.g. the operation
   * limits): throws a GraphQLError to refuse it. `source` before parsing
   * (`document` undefined), then again with the parsed and validated document.
   */
  checkOperation?: (op: { source: string; document?: DocumentNode; schema: GraphQLSchema; operationName?: string | null; variables?: Record<string, unknown> | null }) => void;
  logger: Logger;
}

export interface RunningSubscriptions {
  /** the subscription fields served, and those that cannot be, with the reason */
  graph: EventGraph;
  stats(): { connections: number; subscriptions: number; groups: number; slowClosed: number };
  /** Closes every connection (1001), stops the resolver. Idempotent. */
  stop(): Promise<void>;
}

interface Connection {
  socket: WebSocket;
  /** who it is: subscribers with the same identity and selection share their events' resolution */
  identity: string;
  /** the forwarded headers of a subgraph call made for it now */
  headers(): Promise<Record<string, string>>;
  /** the caller's verified claims (authenticate), handed to the source with each subscription */
  claims?: Readonly<Record<string, unknown>>;
  subscribers: Set<Subscriber>;
}

type OperationContext = { kind: 'operation'; query: string; connection: Connection } | { kind: 'subscription'; subscriber: Subscriber };

// graphql-ws publishes its ws adapter under an `exports` subpath, which this project's
// module resolution (node10) cannot type-check; the types come from the file itself
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as { useServer: typeof import('graphql-ws/dist/use/ws').useServer };

const codeError = (message: string, code: string, extra: Record<string, unknown> = {}) => new GraphQLError(message, { extensions: { code, ...extra } });
const withCode = (e: GraphQLError, code: string) =>
  e.extensions.code ? e : new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: { ...e.extensions, code } });

/** A close reason within the WebSocket limit of 123 bytes. */
function reason(text: string): string {
  let r = text;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -2);
  return r === text ? r : `${r.slice(0, -1)}…`;
}

function authorizationOf(params: Record<string, unknown>): string | undefined {
  const headers = params.headers && typeof params.headers === 'object' ? (params.headers as Record<string, unknown>) : {};
  for (const v of [params.authorization, params.Authorization, headers.authorization, headers.Authorization]) {
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

/** One subscription: its bounded buffer, and the async iterator graphql-ws reads it through. */
class Subscriber implements EventReceiver, AsyncIterableIterator<EventResult> {
  private ready: EventResult[] = [];
  /** when each result in `ready` was queued */
  private readyAt: number[] = [];
  private resolving = 0;
  private waiter: { resolve: (r: IteratorResult<EventResult>) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private drainWaiters: (() => void)[] = [];
  private done = false;
  private lastCursor: string | null;
  sourceSubscription: { close(): void } | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly group: EventGroup,
    private readonly limit: number,
    since: string | null,
    private readonly onOverflow: (subscriber: Subscriber, lastCursor: string | null) => void,
    private readonly onEnd: (subscriber: Subscriber) => void,
  ) {
    this.lastCursor = since;
    group.join();
  }

  readonly sink: SubscriptionSink = {
    event: (e) => this.onEvent(e),
    error: (err) => this.fail(err),
    drained: () => (this.waiting() < this.limit / 2 || this.done ? Promise.resolve() : new Promise((r) => this.drainWaiters.push(r))),
  };

  private waiting(): number {
    return this.resolving + this.ready.length;
  }

  private onEvent(event: SubscriptionEvent): void {
    if (this.done) return;
    // events coming faster than its selection can be resolved: bounded too
    if (this.waiting() >= this.limit * HARD_LIMIT_FACTOR) {
      this.onOverflow(this, this.lastCursor);
      this.end();
      return;
    }
    this.resolving++;
    this.group.add(event, this);
  }

  deliver(result: EventResult): void {
    if (this.done) return;
    this.resolving--;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.sent(result);
      w.resolve({ value: result, done: false });
      return;
    }
    const now = Date.now();
    this.ready.push(result);
    this.readyAt.push(now);
    // results its socket has not taken: a subscriber that does not read lets them pile up
    const n = this.ready.length;
    if ((n > this.limit && now - this.readyAt[0] > SLOW_SUBSCRIBER_AFTER_MS) || n > this.limit * HARD_LIMIT_FACTOR) {
      this.onOverflow(this, this.lastCursor);
      this.end();
    }
  }

  private sent(result: EventResult): void {
    const c = result.extensions.cursor;
    if (typeof c === 'string') this.lastCursor = c;
    if (this.drainWaiters.length && this.waiting() < this.limit / 2) for (const r of this.drainWaiters.splice(0)) r();
  }

  private fail(err: Error): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    } else {
      this.failure = err;
    }
    this.end();
  }

  next(): Promise<IteratorResult<EventResult>> {
    const value = this.ready.shift();
    if (value) {
      this.readyAt.shift();
      this.sent(value);
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const f = this.failure;
      this.failure = undefined;
      return Promise.reject(f);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<EventResult>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<EventResult>> {
    this.end();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EventResult> {
    return this;
  }

  /** Stops the source subscription and frees the slot; a pending next() completes. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.sourceSubscription?.close();
    this.group.leave();
    this.ready = [];
    this.readyAt = [];
    for (const r of this.drainWaiters.splice(0)) r();
    this.connection.subscribers.delete(this);
    this.onEnd(this);
    if (this.waiter && !this.failure) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }
}

/** Serves graphql-ws on the gateway's server and path. */
export async function attachSubscriptions(options: AttachSubscriptionsOptions): Promise<RunningSubscriptions> {
  const { config, source, logger } = options;
  const log = logger.child({ component: 'subscriptions' });
  const graph = buildEventGraph(options.supergraphSdl);
  for (const [field, why] of graph.unsupported) log.warn({ field }, `subscription field ${field} cannot be served: ${why}`);
  const resolver = new EventResolver({ graph, buildService: options.buildService, logger: log });
  if (graph.fields.size > 0) await resolver.start();

  const connections = new Map<Context<Record<string, unknown>, Extra>, Connection>();
  let subscriptions = 0;
  let slowClosed = 0;
  let stopping = false;

  const wss = new WebSocketServer({ server: options.http.httpServer, path: options.http.path, maxPayload: 1024 * 1024 });
  wss.on('error', (err) => log.error({ err }, 'WebSocket server error'));

  const onOverflow = (subscriber: Subscriber, lastCursor: string | null) => {
    slowClosed++;
    const conn = [...connections.values()].find((c) => c.subscribers.has(subscriber));
    log.warn({ subscriberBuffer: config.subscriberBuffer, lastCursor }, 'closing a subscriber too slow for its events');
    conn?.socket.close(
      SLOW_SUBSCRIBER_CLOSE_CODE,
      reason(`Subscriber too slow: over ${config.subscriberBuffer} events waiting. Resume with since: "${lastCursor ?? ''}"`),
    );
  };
  const onEnd = () => {
    subscriptions--;
  };

  const disposable = useServer<Record<string, unknown>, Record<PropertyKey, never>>(
    {
      isProd: true,
      connectionInitWaitTimeout: config.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        if (stopping) return false;
        const request = ctx.extra.request;
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const headers: Record<string, string> = {};
        for (const name of options.forwardHeaders) {
          const v = request.headers[name.toLowerCase()];
          if (v !== undefined && name.toLowerCase() !== 'x-request-id') headers[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        }
        const auth = authorizationOf(params);
        if (auth) headers.authorization = auth;
        let identity = JSON.stringify(Object.entries(headers).sort());
        let headersFor = async () => headers;
        let claims: Readonly<Record<string, unknown>> | undefined;
        try {
          if (options.onConnect) {
            const verdict = await options.onConnect({ connectionParams: params, request, headers: { ...headers } });
            if (verdict === false) return false;
            if (verdict && typeof verdict === 'object' && verdict.headers) Object.assign(headers, verdict.headers);
          }
          if (options.authenticate) {
            // the token of connection_init stands in the Authorization header of the upgrade request
            const asRequest = Object.create(request, { headers: { value: { ...request.headers, ...(auth ? { authorization: auth } : {}) } } }) as IncomingMessage;
            const admitted = await options.authenticate(asRequest, { ...headers });
            identity = admitted.identity;
            headersFor = admitted.headers;
            claims = admitted.claims;
            await headersFor();
          }
        } catch (err) {
          log.info({ remote: request.socket.remoteAddress, err: (err as Error).message }, 'subscription connection refused');
          ctx.extra.socket.close(CloseCode.Forbidden, reason(err instanceof Error ? err.message : String(err)));
          return false;
        }
        connections.set(ctx, { socket: ctx.extra.socket, identity, headers: headersFor, claims, subscribers: new Set() });
        log.debug({ remote: request.socket.remoteAddress, authorization: auth ? 'present' : 'absent' }, 'subscription connection acknowledged');
        return true;
      },
      onClose: (ctx, code, why) => {
        const conn = connections.get(ctx);
        connections.delete(ctx);
        for (const s of conn?.subscribers ?? []) s.end();
        log.debug({ code, reason: why }, 'subscription connection closed');
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const conn = connections.get(ctx);
        if (!conn || stopping) return [codeError('The server is shutting down; reconnect and resume with since', 'SHUTTING_DOWN')];
        let document: DocumentNode;
        const schema = options.schema();
        try {
          options.checkOperation?.({ source: payload.query, schema });
        } catch (e) {
          return [e instanceof GraphQLError ? e : codeError(String(e), 'BAD_REQUEST')];
        }
        try {
          document = parse(payload.query, { maxTokens: 20_000 });
        } catch (e) {
          return [withCode(e as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document);
        if (invalid.length) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        try {
          options.checkOperation?.({ source: payload.query, document, schema, operationName: payload.operationName, variables: payload.variables });
        } catch (e) {
          return [e instanceof GraphQLError ? e : codeError(String(e), 'BAD_REQUEST')];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [codeError('Unable to identify the operation: name one with operationName', 'BAD_REQUEST')];
        const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (variables.errors) return variables.errors.map((e) => withCode(e, 'BAD_USER_INPUT'));
        const base = { schema, document, operationName: payload.operationName, variableValues: payload.variables };
        if (operation.operation !== 'subscription') {
          return { ...base, contextValue: { kind: 'operation', query: payload.query, connection: conn } satisfies OperationContext };
        }
        if (conn.subscribers.size >= config.maxSubscriptionsPerConnection) {
          return [
            codeError(`At most ${config.maxSubscriptionsPerConnection} subscriptions per connection: complete one, or open another connection`, 'TOO_MANY_SUBSCRIPTIONS', {
              limit: config.maxSubscriptionsPerConnection,
            }),
          ];
        }
        const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
        const fieldName = rootField(operation.selectionSet, fragments)?.name.value;
        const info = fieldName ? graph.fields.get(fieldName) : undefined;
        if (!info || !fieldName) {
          const why = (fieldName && graph.unsupported.get(fieldName)) ?? 'it has no event source';
          return [codeError(`Subscription field "${fieldName ?? '?'}" cannot be served: ${why}`, 'SUBSCRIPTION_NOT_AVAILABLE')];
        }
        if (!source) return [codeError('This gateway has no event source for subscriptions', 'SUBSCRIPTIONS_NOT_CONFIGURED')];
        let prepared;
        try {
          prepared = prepareSubscription(schema, document, operation, variables.coerced, info);
        } catch (e) {
          return [withCode(e instanceof GraphQLError ? e : new GraphQLError(String(e)), 'BAD_USER_INPUT')];
        }
        const { since, ...args } = prepared.args;
        const cursor = typeof since === 'string' ? since : null;
        const subscriber = new Subscriber(conn, resolver.group(prepared, conn.identity, conn.headers), config.subscriberBuffer, cursor, onOverflow, onEnd);
        conn.subscribers.add(subscriber);
        subscriptions++;
        try {
          subscriber.sourceSubscription = await source.subscribe({ field: info.field, args, since: cursor, caller: conn.claims }, subscriber.sink);
        } catch (err) {
          subscriber.end();
          if (err instanceof GraphQLError) return [err];
          log.error({ err, field: info.field }, 'the event source could not start a subscription');
          return [codeError(`The event source could not start the subscription: ${(err as Error).message}`, 'SUBSCRIPTION_SOURCE_FAILED')];
        }
        log.debug({ field: info.field, args, since: cursor }, 'subscription started');
        return { ...base, contextValue: { kind: 'subscription', subscriber } satisfies OperationContext };
      },
      // yields formatted results (JSON), which onNext sends as they are
      subscribe: (args) => (args.contextValue as OperationContext & { kind: 'subscription' }).subscriber as never,
      execute: async (args) => {
        const ctx = args.contextValue as OperationContext & { kind: 'operation' };
        const response = await options.apollo.executeOperation(
          { query: ctx.query, variables: args.variableValues ?? undefined, operationName: args.operationName ?? undefined },
          { contextValue: { forwardHeaders: { ...(await ctx.connection.headers()) }, requestId: requestIdFrom(undefined) } },
        );
        if (response.body.kind !== 'single') return { errors: [codeError('Incremental delivery is not supported over graphql-ws', 'BAD_REQUEST')] };
        return response.body.singleResult as never;
      },
      // results are JSON already (errors formatted): send them as they are
      onNext: (_ctx, _id, _payload, _args, result) => result as { data?: unknown; errors?: GraphQLFormattedError[] } as never,
    },
    wss,
    config.keepAliveMs > 0 ? config.keepAliveMs : Infinity,
  );

  log.info({ fields: [...graph.fields.keys()], source: source ? 'configured' : 'none', ...config }, 'graphql-ws subscriptions ready');

  let stopped: Promise<void> | undefined;
  return {
    graph,
    stats: () => ({ connections: connections.size, subscriptions, groups: resolver.groupCount, slowClosed }),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const closing = [...wss.clients].map(
          (socket) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === socket.CLOSED) return resolve();
              const t = setTimeout(() => {
                socket.terminate();
                resolve();
              }, 2000);
              socket.once('close', () => {
                clearTimeout(t);
                resolve();
              });
              socket.close(GOING_AWAY_CLOSE_CODE, 'The server is shutting down: reconnect and resume with since');
            }),
        );
        await Promise.all(closing);
        for (const c of connections.values()) for (const s of c.subscribers) s.end();
        connections.clear();
        await disposable.dispose();
        await resolver.stop();
        log.info('graphql-ws subscriptions stopped');
      })();
      return stopped;
    },
  };
}
