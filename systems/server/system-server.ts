import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatTraceparent, parseTraceparent, startSpan, type Logger, type TraceContext } from '../../lib';
import { dispatchRoute, metrics, opsRoutes, type HttpRoutes } from '../../telemetry';
import { Counters, type CountersSnapshot } from './counters';
import { defaultFaults, type Faults, FaultsError, type FaultsPatch, parseFaultsPatch, rejectsWrite } from './faults';
import { IdempotencyStore } from './idempotency';
import { DebouncedFileWriter, FILE_FORMAT, type StoredAnswer, type SystemFile } from './persistence';
import { Router } from './router';
import {
  type Dialect,
  type HttpMethod,
  type RouteDef,
  type StandardError,
  SYSTEM_LABELS,
  type SystemLabel,
  type SystemName,
  type SystemRequest,
  type SystemResponse,
  VendorError,
} from './types';
import {
  type WebhookConfig,
  WebhookConfigError,
  defaultWebhookConfig,
  type WebhookDelivery,
  type WebhookPatch,
  WebhookSender,
  type WebhookSettings,
} from './webhooks';

/** Long enough for a request line carrying 1,000 ids (SOQL `IN`, Kantata `only=`). */
export const MAX_HEADER_BYTES = 1024 * 1024;
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const GARBAGE_BODY = '<html><body><h1>502 Bad Gateway</h1><p>upstream sent an invalid response</p></body></html>';
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The records and routes of one simulated system. */
export interface SystemModel<D> {
  readonly routes: readonly RouteDef[];
  /** The current records, as persisted (live objects; callers must not mutate them). */
  serialize(): D;
}

/** A started simulator. */
export interface RunningSystem<D = unknown> {
  readonly name: SystemName;
  readonly system: SystemLabel;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The bearer token the simulator accepts. */
  readonly token: string;
  /** The current fault switches (a fresh copy on each read). */
  readonly faults: Faults;
  /** Merges fault switches; returns the result. */
  setFaults(patch: FaultsPatch): Faults;
  /** Restores the fault switches given at start. */
  clearFaults(): Faults;
  counters(): CountersSnapshot;
  resetCounters(): void;
  /** A deep copy of the simulator's records. */
  snapshot(): D;
  /** Writes the data file now when there are unsaved changes (no-op without a data directory). */
  flush(): void;
  /** Changes where and how webhooks are sent (e.g. `{ url, secret }` once Tandem's receiver has its port). */
  setWebhook(patch: WebhookPatch): WebhookSettings;
  /** The current webhook settings (without the secret). */
  webhook(): WebhookSettings;
  /** The delivery log, newest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** Sends a logged delivery again (same id); undefined for an unknown id. */
  redeliverWebhook(id: string): WebhookDelivery | undefined;
  /** Stops listening, closes every connection, cancels webhook retries and writes unsaved changes. */
  stop(): Promise<void>;
}

/** Everything the shared server needs to run one system. */
export interface SystemServerOptions<D> {
  name: SystemName;
  dialect: Dialect;
  model: SystemModel<D>;
  host: string;
  port: number;
  token: string;
  latencyMs: number;
  concurrency: number;
  logger: Logger;
  /** Data file; without one the system lives in memory. */
  file?: string;
  /** Write the data file right after start (it was just seeded). */
  writeOnStart?: boolean;
  /** Remembered write answers loaded from the data file. */
  idempotency?: Iterable<[string, StoredAnswer]>;
  /** Webhook settings at start. @default no URL (nothing is sent) */
  webhook?: WebhookConfig;
}

/** Starts one simulator: node:http, route table, auth, latency, concurrency limit, faults, counters, admin API. */
export async function startSystemServer<D>(options: SystemServerOptions<D>): Promise<RunningSystem<D>> {
  const server = new SystemServer(options);
  await server.listen();
  return server;
}

class SystemServer<D> implements RunningSystem<D> {
  readonly name: SystemName;
  readonly system: SystemLabel;
  readonly token: string;
  private readonly http: Server;
  private readonly router: Router;
  private readonly counters_ = new Counters();
  private readonly idempotency: IdempotencyStore;
  private readonly writer?: DebouncedFileWriter;
  private readonly defaults: Faults;
  private current: Faults;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: Logger;
  private readonly webhooks: WebhookSender;
  private readonly ops: HttpRoutes = opsRoutes();
  private stopped = false;
  private stopping?: Promise<void>;
  private boundPort = 0;

  constructor(private readonly options: SystemServerOptions<D>) {
    this.name = options.name;
    this.system = SYSTEM_LABELS[options.name];
    this.token = options.token;
    this.log = options.logger;
    this.router = new Router(options.model.routes);
    this.idempotency = new IdempotencyStore(options.idempotency);
    this.defaults = defaultFaults(options.latencyMs, options.concurrency);
    this.current = { ...this.defaults };
    this.webhooks = new WebhookSender(
      this.system,
      options.webhook ?? defaultWebhookConfig(`${options.name}-dev-webhook-secret`),
      this.log.child({ part: 'webhooks' }),
    );
    if (options.file) {
      this.writer = new DebouncedFileWriter(options.file, () => this.renderFile(), (e) =>
        this.log.error({ err: e, file: options.file }, 'cannot write simulator data file'),
      );
    }
    this.http = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
      // each request in a server span, a child of the caller's traceparent (Tandem's adapters send one)
      const { context, span } = startSpan(`${this.system} ${req.method ?? 'GET'}`, { kind: 'server', parent: parseTraceparent(req.headers.traceparent) });
      res.once('close', () => span.end());
      this.serve(req, res, context);
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.boundPort}`;
  }

  get faults(): Faults {
    return { ...this.current };
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'EADDRINUSE'
            ? new Error(`${this.system} simulator: port ${this.options.port} on ${this.options.host} is already in use`, { cause: e })
            : e,
        );
      };
      this.http.once('error', onError);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.http.address() as AddressInfo).port;
    if (this.options.writeOnStart) this.writer?.flush(true);
    this.log.info({ url: this.url, persisted: Boolean(this.options.file) }, `${this.system} simulator listening`);
  }

  setFaults(patch: FaultsPatch): Faults {
    this.current = { ...this.current, ...parseFaultsPatch(patch) };
    this.log.info({ faults: this.current }, 'faults changed');
    return this.faults;
  }

  clearFaults(): Faults {
    this.current = { ...this.defaults };
    return this.faults;
  }

  counters(): CountersSnapshot {
    return this.counters_.snapshot();
  }

  resetCounters(): void {
    this.counters_.reset();
  }

  setWebhook(patch: WebhookPatch): WebhookSettings {
    return this.webhooks.configure(patch);
  }

  webhook(): WebhookSettings {
    return this.webhooks.settings();
  }

  webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  redeliverWebhook(id: string): WebhookDelivery | undefined {
    return this.webhooks.redeliver(id);
  }

  snapshot(): D {
    return structuredClone(this.options.model.serialize());
  }

  flush(): void {
    this.writer?.flush();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.stopped = true;
    this.webhooks.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
    this.writer?.flush();
    this.log.info(`${this.system} simulator stopped`);
  }

  private renderFile(): string {
    const file: SystemFile<D> = {
      format: FILE_FORMAT,
      system: this.name,
      savedAt: new Date().toISOString(),
      data: this.options.model.serialize(),
      idempotency: this.idempotency.entries(),
    };
    return JSON.stringify(file);
  }

  // ---- request pipeline ---------------------------------------------------

  private serve(req: IncomingMessage, res: ServerResponse, trace: TraceContext): void {
    this.onRequest(req, res, trace).catch((e: unknown) => {
      this.log.error({ err: e }, 'request failed');
      if (!res.headersSent) this.sendStandard(res, 500, 'internal');
      else res.destroy();
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse, trace: TraceContext): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/__admin' || path.startsWith('/__admin/')) return this.onAdmin(req, res, method, path);
    // the simulator's own /metrics, /healthz, /readyz (not part of the vendor API)
    const ops = dispatchRoute(this.ops, req, res);
    if (ops !== false) return ops;
    res.once('close', () => {
      metrics.simulatorRequests.inc({ system: this.system, status: res.writableFinished ? res.statusCode : 0 });
      metrics.simulatorDuration.observe({ system: this.system }, (performance.now() - started) / 1000);
    });

    const match = this.router.match(method, path);
    this.counters_.request(match.kind === 'found' ? `${method} ${match.route.template}` : `${method} (unmatched)`);
    const arrival = this.current;
    if (arrival.down) {
      req.socket.destroy();
      this.log.debug({ method, path }, 'down: connection dropped');
      return;
    }
    const inFlight = this.counters_.enter();
    let left = false;
    res.once('close', () => {
      if (!left) this.counters_.leave();
      left = true;
    });
    res.once('finish', () => this.log.debug({ method, path, status: res.statusCode, ms: Math.round(performance.now() - started), traceId: trace.traceId }, 'request'));
    if (inFlight > arrival.concurrency) {
      return this.sendStandard(res, 429, 'rateLimited', { 'retry-after': String(arrival.retryAfterSeconds) });
    }

    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return this.sendStandard(res, 413, 'payloadTooLarge', { connection: 'close' });
      throw e;
    }
    // the latency counts from the request's arrival: reading its body is part of it
    const wait = arrival.latencyMs + arrival.slowMs - (performance.now() - started);
    if (wait > 0) await this.sleep(wait);
    if (this.stopped) return;

    const faults = this.current;
    if (faults.rateLimited) return this.sendStandard(res, 429, 'rateLimited', { 'retry-after': String(faults.retryAfterSeconds) });
    if (faults.error5xx) return this.sendStandard(res, 503, 'unavailable');
    if (faults.garbage) return this.send(res, 200, GARBAGE_BODY, {});
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.sendStandard(res, 401, 'unauthorized');
    if (match.kind === 'none') return this.sendStandard(res, 404, 'notFound');
    if (match.kind === 'wrong-method') return this.sendStandard(res, 405, 'methodNotAllowed', { allow: match.allowed.join(', ') });

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return this.sendStandard(res, 400, 'invalidJson');
      }
    }

    const route = `${method} ${match.route.template}`;
    if (method !== 'GET' && !match.route.read && rejectsWrite(faults, route)) {
      const refusal = this.options.dialect.rejectWrite(route, body);
      return this.send(res, refusal.status, refusal.body, refusal.headers ?? {});
    }

    const key = req.headers['idempotency-key'];
    const scope = method !== 'GET' && typeof key === 'string' && key !== '' ? IdempotencyStore.scope(method, path, key) : undefined;
    if (scope) {
      const stored = this.idempotency.get(scope);
      if (stored) return this.send(res, stored.status, stored.body, { ...stored.headers, 'idempotent-replayed': 'true' });
    }

    const request: SystemRequest = {
      method: method as HttpMethod,
      path,
      template: match.route.template,
      params: match.params,
      query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
      headers: req.headers,
      body,
      origin: `http://${req.headers.host ?? `${this.options.host}:${this.boundPort}`}`,
      now: new Date(),
    };
    let answer: SystemResponse;
    try {
      answer = match.route.handler(request);
    } catch (e) {
      if (e instanceof VendorError) return this.sendError(res, e);
      throw e;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    if (ok && method !== 'GET') {
      if (scope) this.idempotency.set(scope, { status: answer.status, headers: answer.headers ?? {}, body: answer.body });
      this.writer?.markDirty();
    }
    this.send(res, answer.status, answer.body, answer.headers ?? {});
    // the events' webhooks continue this request's trace
    if (ok && answer.events?.length) this.emitEvents(answer.events, request.now, formatTraceparent(trace));
  }

  /** Hands events to the webhook sender; sending happens later and can never fail the request. */
  private emitEvents(events: readonly { type: string; data: Record<string, unknown> }[], now: Date, traceparent: string): void {
    for (const event of events) {
      try {
        this.webhooks.emit(event.type, event.data, now, traceparent);
      } catch (e) {
        this.log.error({ err: e, type: event.type }, 'cannot queue webhook');
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private sendStandard(res: ServerResponse, status: number, kind: StandardError, headers: Record<string, string> = {}): void {
    const [code, message] = this.options.dialect.standard[kind];
    this.sendError(res, new VendorError(status, code, message), headers);
  }

  private sendError(res: ServerResponse, error: VendorError, headers: Record<string, string> = {}): void {
    this.send(res, error.status, this.options.dialect.errorBody(error), headers);
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>, counted = true): void {
    if (res.writableEnded || res.destroyed) return;
    if (counted) this.counters_.answered(status);
    const out: Record<string, string | number> = { ...headers };
    let payload: string | undefined;
    if (body !== undefined && status !== 204) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      out['content-type'] = 'application/json; charset=utf-8';
      out['content-length'] = Buffer.byteLength(payload);
    }
    res.writeHead(status, out);
    res.end(payload);
  }

  // ---- admin API ----------------------------------------------------------

  private async onAdmin(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    const reply = (status: number, body: unknown) => this.send(res, status, body, {}, false);
    /** A JSON body applied by `apply`; a body that is not JSON, or `invalid` thrown, is a 400. */
    const putPatch = async (apply: (patch: unknown) => unknown, invalid: new (message: string) => Error) => {
      let patch: unknown;
      try {
        patch = JSON.parse((await readBody(req)).toString('utf8') || '{}');
      } catch {
        return reply(400, { error: 'body must be JSON' });
      }
      try {
        return reply(200, apply(patch));
      } catch (e) {
        if (e instanceof invalid) return reply(400, { error: e.message });
        throw e;
      }
    };
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return reply(403, { error: 'the admin API answers loopback callers only' });
    const route = `${method} ${path.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /__admin/health':
        return reply(200, { ok: true, system: this.system });
      case 'GET /__admin/faults':
        return reply(200, this.faults);
      case 'DELETE /__admin/faults':
        return reply(200, this.clearFaults());
      case 'PUT /__admin/faults':
        return putPatch((patch) => this.setFaults(patch as FaultsPatch), FaultsError);
      case 'GET /__admin/counters':
        return reply(200, this.counters());
      case 'POST /__admin/counters/reset':
        this.resetCounters();
        return reply(200, this.counters());
      case 'GET /__admin/webhooks':
        return reply(200, { ...this.webhook(), deliveries: this.webhookDeliveries() });
      case 'PUT /__admin/webhooks':
        return putPatch((patch) => this.setWebhook(patch as WebhookPatch), WebhookConfigError);
      default: {
        const redeliver = /^POST \/__admin\/webhooks\/([^/]+)\/redeliver$/.exec(route);
        if (redeliver) {
          const delivery = this.redeliverWebhook(decodeURIComponent(redeliver[1]));
          return delivery ? reply(202, delivery) : reply(404, { error: `no webhook delivery ${redeliver[1]}` });
        }
        return reply(404, { error: `no admin route ${route}` });
      }
    }
  }
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
