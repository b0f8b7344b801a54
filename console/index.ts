/**
 * console/ — the operations console: a self-contained page (plain HTML, CSS and
 * JavaScript in console/static, no CDN, no build step) that the gateway serves
 * through its generic `routes` option. It reads everything through the
 * supergraph at `graphqlPath` (integrationHealth, operationalMetrics,
 * syncTransactions, syncTransaction, replaySyncTransaction), plus one JSON
 * endpoint of its own: the last hour of the gateway's throughput and latency,
 * sampled from this process's metrics.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { HttpRoutes } from '../telemetry';
import { startSeries } from './series';

export { quantileMs, startSeries, type SeriesPoint } from './series';

export interface ConsoleOptions {
  /** Where the console is mounted. @default '/console' */
  path?: string;
  /** The GraphQL endpoint the page talks to (same origin). @default '/graphql' */
  graphqlPath?: string;
  /** How often the charts' samples are taken. @default 10000 */
  sampleEveryMs?: number;
  /**
   * Decides who may read the chart data (`<base>/api/series`: latency, errors,
   * backlog and business gauges): resolves to a refusal (401 or 403 with a
   * message) or to nothing to let the request in. The page itself holds no
   * data and is served to anyone. @default everyone (tests, TANDEM_AUTH=off)
   */
  authorize?: (req: IncomingMessage) => Promise<{ status: 401 | 403; message: string } | undefined>;
}

export interface RunningConsole {
  /** Mount these on the gateway (`startGateway({ routes })`). */
  routes: HttpRoutes;
  /** Where it is served, once mounted (set by the runtime). */
  url?: string;
  /** Stops the sampler. */
  stop(): void;
}

/** The CSP of every console response: nothing but this origin. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function staticDir(): string {
  // ts-jest runs console/index.ts; the build runs dist/console/index.js (static files are not compiled)
  for (const dir of [path.join(__dirname, 'static'), path.join(__dirname, '..', '..', 'console', 'static')]) {
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  throw new Error(`console: static files not found near ${__dirname}`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Builds the console's routes and starts sampling the gateway's metrics for its charts. */
export function startConsole(options: ConsoleOptions = {}): RunningConsole {
  const base = (options.path ?? '/console').replace(/\/+$/, '');
  const graphqlPath = options.graphqlPath ?? '/graphql';
  const dir = staticDir();
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of ['index.html', 'app.js', 'app.css']) {
    let body = readFileSync(path.join(dir, name));
    if (name === 'index.html') body = Buffer.from(body.toString('utf8').replaceAll('{{BASE}}', base).replaceAll('{{GRAPHQL}}', graphqlPath));
    files.set(name, { body, type: TYPES[path.extname(name)] });
  }
  const series = startSeries({ everyMs: options.sampleEveryMs });

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: Buffer | string, type: string) => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('allow', 'GET, HEAD');
      return void res.end();
    }
    res.statusCode = status;
    res.setHeader('content-type', type);
    res.setHeader('content-security-policy', CONSOLE_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(method === 'HEAD' ? undefined : body);
  };
  const file = (name: string) => (req: IncomingMessage, res: ServerResponse) => {
    const f = files.get(name)!;
    send(req, res, 200, f.body, f.type);
  };

  return {
    routes: {
      [base]: file('index.html'),
      [`${base}/app.js`]: file('app.js'),
      [`${base}/app.css`]: file('app.css'),
      [`${base}/api/series`]: async (req, res) => {
        const refused = options.authorize ? await options.authorize(req) : undefined;
        if (refused) {
          if (refused.status === 401) res.setHeader('www-authenticate', 'Bearer');
          return send(req, res, refused.status, JSON.stringify({ error: refused.message }), 'application/json; charset=utf-8');
        }
        send(req, res, 200, JSON.stringify({ everyMs: series.everyMs, points: series.points() }), 'application/json; charset=utf-8');
      },
    },
    stop: () => series.stop(),
  };
}
