/**
 * The operations endpoints every role serves: `GET /metrics` (Prometheus
 * text), `GET /healthz` (alive) and `GET /readyz` (ready to take traffic).
 * {@link opsRoutes} plugs them into a role's own HTTP server;
 * {@link startOpsServer} serves them alone (the worker role).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../lib';
import type { Health } from './health';
import { collectProcessMetrics, metricsContentType, metricsText } from './metrics';

/** An HTTP handler for one path. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Handlers by exact path. */
export type HttpRoutes = Record<string, HttpRoute>;

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

function onlyGet(req: IncomingMessage, res: ServerResponse): boolean {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return true;
  res.setHeader('allow', 'GET, HEAD');
  send(res, 405, JSON.stringify({ error: `use GET ${req.url?.split('?')[0]}` }), 'application/json; charset=utf-8');
  return false;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * With `TANDEM_METRICS_TOKEN` set, `/metrics` answers only a request with
 * `Authorization: Bearer <that token>` (Prometheus: `authorization.credentials`):
 * the gauges include business figures (unbilled amount, blocked invoices). Unset,
 * it is open, for a scraper on a private network.
 */
function metricsAllowed(req: IncomingMessage, res: ServerResponse): boolean {
  const want = process.env.TANDEM_METRICS_TOKEN;
  if (!want) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m && timingSafeEqual(digest(m[1]), digest(want))) return true;
  res.setHeader('www-authenticate', 'Bearer');
  send(res, 401, JSON.stringify({ error: 'GET /metrics needs Authorization: Bearer <TANDEM_METRICS_TOKEN>' }), 'application/json; charset=utf-8');
  return false;
}

/**
 * `/metrics`, `/healthz` and `/readyz` for a role. Without `health` the role
 * is ready whenever it answers.
 */
export function opsRoutes(health?: Health): HttpRoutes {
  collectProcessMetrics();
  return {
    '/metrics': async (req, res) => {
      if (!onlyGet(req, res) || !metricsAllowed(req, res)) return;
      send(res, 200, await metricsText(), metricsContentType());
    },
    '/healthz': (req, res) => {
      if (!onlyGet(req, res)) return;
      send(res, 200, JSON.stringify({ status: 'alive', uptimeSeconds: health?.uptimeSeconds() ?? Math.round(process.uptime()) }), 'application/json; charset=utf-8');
    },
    '/readyz': async (req, res) => {
      if (!onlyGet(req, res)) return;
      const report = health ? await health.readiness() : { ready: true, phase: 'ready', checks: {} };
      send(res, report.ready ? 200 : 503, JSON.stringify({ status: report.ready ? 'ready' : 'unready', ...report }), 'application/json; charset=utf-8');
    },
  };
}

/** Answers `req` from `routes` when its path is one of them; false when not (the caller goes on). */
export function dispatchRoute(routes: HttpRoutes, req: IncomingMessage, res: ServerResponse): false | Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const route = routes[path.length > 1 ? path.replace(/\/+$/, '') : path];
  if (!route) return false;
  return Promise.resolve(route(req, res));
}

export interface OpsServer {
  /** `http://host:port` */
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves only the ops endpoints (for a role without an HTTP server of its own). Port 0 picks a free one. */
export async function startOpsServer(options: { port: number; host?: string; health: Health; logger: Logger }): Promise<OpsServer> {
  const routes = opsRoutes(options.health);
  const server = createServer((req, res) => {
    const handled = dispatchRoute(routes, req, res);
    if (handled === false) return send(res, 404, JSON.stringify({ error: 'GET /metrics, /healthz or /readyz' }), 'application/json; charset=utf-8');
    handled.catch((err: unknown) => {
      options.logger.error({ err }, 'ops endpoint failed');
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'internal error' }), 'application/json; charset=utf-8');
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger.info({ url }, 'metrics and health endpoints listening');
  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
