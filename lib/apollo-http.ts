/**
 * Apollo Server 5 on plain `node:http`, shared by the gateway and every
 * subgraph server. Apollo Server 5 has no express integration; this is the
 * small integration it expects (`executeHTTPGraphQLRequest` + `HeaderMap`),
 * plus CORS, a body limit, `/health`, an inline landing page and a draining
 * stop. `upgrade` is left alone so graphql-ws can share the server and path.
 */
import { randomUUID } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap } from '@apollo/server';
import type { ApolloServer, ApolloServerPlugin, BaseContext, HTTPGraphQLRequest } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { Logger } from './logger';
import { formatTraceparent, parseTraceparent, startSpan } from './trace-context';

export interface GraphQLHttpServerOptions<TContext extends BaseContext> {
  /** The Apollo Server to serve. `listen()` starts it if it is not started yet. */
  apollo: ApolloServer<TContext>;
  /** Path of the GraphQL endpoint. @default '/graphql' */
  path?: string;
  /** Builds the per-request context. `req.headers['x-request-id']` is always set when it runs. */
  context?: (req: IncomingMessage, res: ServerResponse) => TContext | Promise<TContext>;
  /** Self-contained HTML served for `GET <path>` with `Accept: text/html` (no external URLs: a CSP forbids them). */
  landingPage?: string;
  /** Largest accepted request body; larger ones get 413. @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Browser origins allowed to call (CORS): a list, '*' for any. @default [] (no cross-origin access) */
  corsOrigins?: string[] | '*';
  /** Extra fields for `GET /health` (may be async; a throw answers 503). */
  health?: () => object | Promise<object>;
  logger: Logger;
  /** How long `stop()` lets in-flight requests finish before closing every connection. @default 5000 */
  stopGraceMs?: number;
  /**
   * More HTTP endpoints, by exact path (e.g. `/metrics`, `/readyz`, a console
   * page). A handler answers the request itself; they run in the request's trace.
   */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
  /** Name of the server spans (`<name> <METHOD> <path>`). @default 'http' */
  spanName?: string;
}

export interface GraphQLHttpServer {
  /** The node server; not listening until `listen()`. Attach graphql-ws to it with `new WebSocketServer({ server, path })`. */
  readonly httpServer: http.Server;
  /** The GraphQL path, e.g. `/graphql`. */
  readonly path: string;
  /** `http://host:port/graphql` once listening. */
  readonly url: string | undefined;
  /** Starts Apollo Server if needed, then listens. Port 0 picks a free port. Resolves to the endpoint URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Runs `hook` at the start of `stop()`, before HTTP connections are drained (e.g. to close WebSocket clients). */
  onStop(hook: () => void | Promise<void>): void;
  /** Stops accepting, drains idle then (after the grace period) all connections, then stops Apollo Server. Idempotent. */
  stop(): Promise<void>;
}

/** Header set on every response and always present on `req.headers` before the context function runs. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Response header naming the trace a request ran in (the caller's from `traceparent`, or a new one). */
export const TRACE_ID_HEADER = 'x-trace-id';

const DEFAULT_MAX_BODY = 1024 * 1024;
const LANDING_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'self'";

/**
 * Plugins every Tandem Apollo Server should install: no usage or schema reporting to
 * Apollo, no default landing page (it loads from a CDN; serve `landingPage` instead),
 * no federated inline traces (they only feed Apollo usage reporting), and no
 * cache-control plugin: no schema declares `@cacheControl`, so all it computed was
 * `cache-control: no-store`, at the price of wrapping every field resolver of every
 * request (measured: ~8% of the BI query's CPU). The HTTP layer below sets that
 * header itself.
 */
export function localOnlyApolloPlugins(): ApolloServerPlugin<BaseContext>[] {
  return [
    ApolloServerPluginUsageReportingDisabled(),
    ApolloServerPluginSchemaReportingDisabled(),
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
    ApolloServerPluginCacheControlDisabled(),
  ];
}

class BodyTooLargeError extends Error {}

/** Decodes request bodies; invalid UTF-8 is refused rather than turned into replacement characters. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function createGraphQLHttpServer<TContext extends BaseContext>(options: GraphQLHttpServerOptions<TContext>): GraphQLHttpServer {
  const { apollo, logger } = options;
  const path = options.path ?? '/graphql';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const corsOrigins = options.corsOrigins ?? [];
  const contextFn = options.context ?? (async () => ({}) as TContext);
  const stopHooks: (() => void | Promise<void>)[] = [];
  let stopping = false;
  let stopPromise: Promise<void> | undefined;
  let url: string | undefined;

  const spanPrefix = options.spanName ?? 'http';
  const httpServer = http.createServer((req, res) => {
    // The request is a server span: a child of the caller's `traceparent`, or a new trace.
    // req.headers.traceparent is rewritten to name this span, so whatever forwards it (the
    // gateway to its subgraphs) and the context function see this request's trace.
    const { context, span } = startSpan(`${spanPrefix} ${req.method ?? 'GET'} ${splitUrl(req.url ?? '/').pathname}`, {
      kind: 'server',
      parent: parseTraceparent(req.headers.traceparent),
    });
    req.headers.traceparent = formatTraceparent(context);
    res.setHeader(TRACE_ID_HEADER, context.traceId);
    const t0 = performance.now();
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.fail(`HTTP ${res.statusCode}`);
      span.end();
      if (logger.isLevelEnabled('debug')) logger.debug(
        { method: req.method, path: splitUrl(req.url ?? '/').pathname, status: res.statusCode, ms: Math.round(performance.now() - t0), requestId: req.headers[REQUEST_ID_HEADER], traceId: context.traceId },
        'request',
      );
    });
    serve(req, res);
  });

  function serve(req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error' }] });
      else res.destroy();
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = normaliseRequestId(req);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    setCors(req, res, corsOrigins);
    if (stopping) res.setHeader('connection', 'close');

    const { pathname, search } = splitUrl(req.url ?? '/');
    const method = (req.method ?? 'GET').toUpperCase();

    if (pathname === '/health' && (method === 'GET' || method === 'HEAD')) {
      return sendHealth(res, method, options.health);
    }
    const route = options.routes?.[pathname];
    if (route) return route(req, res);
    if (pathname !== path) {
      return sendJson(res, 404, { errors: [{ message: `Not found: ${method} ${pathname}` }] });
    }
    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('content-length', '0');
      return void res.end();
    }
    if (method === 'GET' && options.landingPage && prefersHtml(req) && !new URLSearchParams(search).has('query')) {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('content-security-policy', LANDING_CSP);
      res.setHeader('cache-control', 'no-store');
      return void res.end(options.landingPage);
    }

    let body: unknown;
    if (method === 'POST') {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) return rejectTooLarge(req, res, maxBodyBytes);
      let raw: Buffer;
      try {
        raw = await readBody(req, maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) return rejectTooLarge(req, res, maxBodyBytes);
        throw err;
      }
      let text: string;
      try {
        text = UTF8.decode(raw);
      } catch {
        return sendJson(res, 400, { errors: [{ message: 'Request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } }] });
      }
      if (/json/i.test(req.headers['content-type'] ?? '')) {
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          return sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        }
      } else {
        body = text;
      }
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers, search, body };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => contextFn(req, res),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    // GraphQL answers are never cacheable by intermediaries (what Apollo's cache-control plugin said)
    if (!res.hasHeader('cache-control')) res.setHeader('cache-control', 'no-store');
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function listen(port: number, host = '127.0.0.1'): Promise<string> {
    try {
      apollo.assertStarted('listen()');
    } catch {
      await apollo.start();
    }
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const address = httpServer.address() as AddressInfo;
    url = `http://${urlHost(address)}:${address.port}${path}`;
    logger.info({ url }, 'listening');
    return url;
  }

  async function doStop(): Promise<void> {
    stopping = true;
    for (const hook of stopHooks.splice(0)) {
      try {
        await hook();
      } catch (err) {
        logger.warn({ err }, 'stop hook failed');
      }
    }
    if (httpServer.listening) {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const timer = setTimeout(() => httpServer.closeAllConnections(), stopGraceMs);
      // Connections that finish a response while draining go idle; close them as they do.
      const idleSweep = setInterval(() => httpServer.closeIdleConnections(), 50);
      try {
        await closed;
      } finally {
        clearTimeout(timer);
        clearInterval(idleSweep);
      }
    }
    await apollo.stop();
    logger.info({ url }, 'stopped');
  }

  return {
    httpServer,
    path,
    get url() {
      return url;
    },
    listen,
    onStop(hook) {
      stopHooks.push(hook);
    },
    stop() {
      stopPromise ??= doStop();
      return stopPromise;
    },
  };
}

function normaliseRequestId(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = requestIdFrom(Array.isArray(incoming) ? incoming[0] : incoming);
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}

/** The request id an `x-request-id` value names when it is acceptable (word characters and `.:-`, up to 128), else a new UUID. */
export function requestIdFrom(value: string | undefined): string {
  return value && /^[\w.:\-]{1,128}$/.test(value) ? value : randomUUID();
}

function setCors(req: IncomingMessage, res: ServerResponse, origins: string[] | '*'): void {
  const origin = req.headers.origin;
  if (origins === '*') res.setHeader('access-control-allow-origin', '*');
  else if (origin && origins.includes(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'origin');
  } else return;
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  const requested = req.headers['access-control-request-headers'];
  res.setHeader(
    'access-control-allow-headers',
    typeof requested === 'string' && requested ? requested : 'content-type, authorization, x-request-id, apollo-require-preflight, traceparent',
  );
  res.setHeader('access-control-expose-headers', `${REQUEST_ID_HEADER}, ${TRACE_ID_HEADER}`);
  res.setHeader('access-control-max-age', '600');
}

function splitUrl(rawUrl: string): { pathname: string; search: string } {
  const q = rawUrl.indexOf('?');
  const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const search = q === -1 ? '' : rawUrl.slice(q);
  return { pathname: pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname, search };
}

function prefersHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /text\/html/i.test(accept) && !/application\/(graphql-response\+)?json/i.test(accept.split(',')[0] ?? '');
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        req.pause();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

function rejectTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  // Answer, then close. Node discards what is left of the body meanwhile; a client still
  // sending after a second is cut off, so the limit bounds what is read, not just what is kept.
  res.setHeader('connection', 'close');
  sendJson(res, 413, { errors: [{ message: `Request body larger than ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  req.resume();
  const socket = req.socket;
  res.on('finish', () => setTimeout(() => socket.destroy(), 1000).unref());
}

async function sendHealth(res: ServerResponse, method: string, health?: () => object | Promise<object>): Promise<void> {
  let status = 200;
  let body: Record<string, unknown> = { status: 'ok' };
  if (health) {
    try {
      body = { status: 'ok', ...(await health()) };
    } catch (err) {
      status = 503;
      body = { status: 'error', error: err instanceof Error ? err.message : String(err) };
    }
  }
  if (method === 'HEAD') {
    res.statusCode = status;
    return void res.end();
  }
  sendJson(res, status, body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

function urlHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
