import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CanonicalValidationError, type SourceSystem } from '../../canonical-schema';
import { createLogger, envInt, envString, parseTraceparent, startSpan, telemetryEnabled, type Logger, type TraceContext } from '../../lib';
import { dispatchRoute, metrics, opsRoutes, type Health } from '../../telemetry';
import type { Store } from '../../store';
import type { SyncEngine } from '../api';
import { decide, parseWebhookEvent, type WebhookEvent } from './events';
import { TIMESTAMP_TOLERANCE_SECONDS, verifyWebhookSignature } from './signature';

export type WebhookSystem = 'crm' | 'erp' | 'psa';

const SYSTEMS: Readonly<Record<WebhookSystem, SourceSystem>> = { crm: 'CRM', erp: 'ERP', psa: 'PSA' };

/** The simulators' default webhook secrets (docs/source-systems.md); set TANDEM_<SYS>_WEBHOOK_SECRET for real ones. */
export const DEFAULT_WEBHOOK_SECRETS: Readonly<Record<WebhookSystem, string>> = {
  crm: 'crm-dev-webhook-secret',
  erp: 'erp-dev-webhook-secret',
  psa: 'psa-dev-webhook-secret',
};

export const DEFAULT_WEBHOOK_PORT = 4010;
/** Largest webhook body accepted (413 above). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface WebhookServerOptions {
  /** Where commands go. */
  engine: SyncEngine;
  /** webhook_delivery (de-duplication) and the id map. */
  store: Store;
  /**
   * Listen port; 0 picks a free one.
   * @default TANDEM_WEBHOOK_PORT, 4010 (0 under jest)
   */
  port?: number;
  /** @default TANDEM_HOST, '127.0.0.1' */
  host?: string;
  /**
   * HMAC secret per system.
   * @default TANDEM_<SYS>_WEBHOOK_SECRET, `<sys>-dev-webhook-secret`
   */
  secrets?: Partial<Record<WebhookSystem, string>>;
  /** @default createLogger('webhooks') */
  logger?: Logger;
  /** @default 300 */
  toleranceSeconds?: number;
  /** Readiness checks for `/readyz`. @default ready whenever it answers */
  health?: Health;
}

export interface RunningWebhookServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The URL each system posts to (`<url>/webhooks/crm`, ...). */
  readonly endpoints: Readonly<Record<WebhookSystem, string>>;
  /** Stops listening and waits for deliveries being handled. */
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Tandem's webhook receiver: `POST /webhooks/crm|erp|psa` and `GET /health`.
 * Each delivery is verified (HMAC over "<timestamp>.<raw body>", timestamp
 * within 5 minutes), de-duplicated by (system, delivery id) in webhook_delivery,
 * and turned into a sync command (docs/sync-engine.md "Webhooks").
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningWebhookServer> {
  const underJest = process.env.JEST_WORKER_ID !== undefined;
  const port = options.port ?? envInt('TANDEM_WEBHOOK_PORT', underJest ? 0 : DEFAULT_WEBHOOK_PORT, 0, 65535);
  const host = options.host ?? envString('TANDEM_HOST', '127.0.0.1');
  const secrets = Object.fromEntries(
    (Object.keys(SYSTEMS) as WebhookSystem[]).map((s) => [
      s,
      options.secrets?.[s] ?? envString(`TANDEM_${s.toUpperCase()}_WEBHOOK_SECRET`, DEFAULT_WEBHOOK_SECRETS[s]),
    ]),
  ) as Record<WebhookSystem, string>;
  const baseLog = options.logger ?? createLogger('webhooks');
  const log = baseLog;
  const { engine, store } = options;
  const tolerance = options.toleranceSeconds ?? TIMESTAMP_TOLERANCE_SECONDS;
  const handling = new Set<Promise<void>>();
  const ops = opsRoutes(options.health);
  const count = (system: SourceSystem, outcome: string) => {
    if (telemetryEnabled()) metrics.webhooksReceived.inc({ system, outcome });
  };

  const reply = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.headersSent || res.destroyed) return;
    const payload = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
    res.end(payload);
  };

  async function handle(req: IncomingMessage, res: ServerResponse, trace: TraceContext): Promise<void> {
    // this delivery's lines carry the trace of the change that raised it (the simulator sends its traceparent)
    const log = baseLog.child({ traceId: trace.traceId });
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/health') {
      if (method !== 'GET') return reply(res, 405, { error: 'use GET /health' }, { allow: 'GET' });
      return reply(res, 200, { ok: true });
    }
    const opsAnswer = dispatchRoute(ops, req, res);
    if (opsAnswer !== false) return opsAnswer;
    const m = /^\/webhooks\/(crm|erp|psa)$/.exec(path);
    if (!m) return reply(res, 404, { error: `no route ${method} ${path}; webhooks go to POST /webhooks/crm|erp|psa` });
    if (method !== 'POST') return reply(res, 405, { error: `use POST ${path}` }, { allow: 'POST' });
    const name = m[1] as WebhookSystem;
    const system = SYSTEMS[name];

    const raw = await readBody(req, MAX_WEBHOOK_BODY_BYTES);
    const deliveryId = header(req, 'x-tandem-webhook-id');
    const check = verifyWebhookSignature({
      secret: secrets[name],
      rawBody: raw,
      timestamp: header(req, 'x-tandem-webhook-timestamp'),
      signature: header(req, 'x-tandem-signature'),
      toleranceSeconds: tolerance,
    });
    if (!check.ok) {
      count(system, 'refused');
      log.warn({ system, deliveryId, reason: check.reason }, 'webhook refused: not verified');
      return reply(res, 401, { error: `webhook not verified: ${check.reason}` });
    }
    if (!deliveryId) return reply(res, 400, { error: 'missing X-Tandem-Webhook-Id header' });

    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      log.warn({ system, deliveryId }, 'webhook refused: body is not JSON');
      return reply(res, 400, { error: 'the body is not JSON' });
    }
    const parsed = parseWebhookEvent(system, json);
    if ('error' in parsed) {
      log.warn({ system, deliveryId, reason: parsed.error }, 'webhook refused: unknown event');
      return reply(res, 400, { error: parsed.error });
    }
    const event: WebhookEvent = parsed.event;
    if (event.id !== deliveryId) return reply(res, 400, { error: 'the body id differs from X-Tandem-Webhook-Id' });

    const seen = await store.prisma.webhookDelivery.findUnique({ where: { system_deliveryId: { system, deliveryId } } });
    if (seen) {
      count(system, 'duplicate');
      log.info({ system, deliveryId, type: event.type, transactionId: seen.transactionId }, 'webhook redelivery ignored (duplicate)');
      return reply(res, 200, { duplicate: true, transactionId: seen.transactionId });
    }

    const decision = decide(system, event);
    if (decision.kind === 'ignored') {
      await store.prisma.webhookDelivery.createMany({
        data: [{ system, deliveryId, type: event.type, outcome: 'ignored', detail: decision.reason }],
        skipDuplicates: true,
      });
      count(system, 'ignored');
      log.info({ system, deliveryId, type: event.type, reason: decision.reason }, 'webhook acknowledged and ignored');
      return reply(res, 200, { ignored: decision.reason });
    }

    for (const { entity, links } of decision.links) await store.linkExternalIds(entity, links);
    // Order: submit first, then record the delivery. The delivery row is not written in the
    // engine's transaction, so a crash can fall between the two; the redelivery then finds
    // no row and submits again, but with the same idempotency key (derived from the business
    // event, not from the delivery), so the engine returns the transaction it already made
    // (created: false) and nothing runs twice. The reverse order could lose the command.
    let result: Awaited<ReturnType<SyncEngine['submit']>>;
    try {
      // the transaction continues the trace of the change that raised the event (the simulator sends its traceparent)
      result = await engine.submit({ ...decision.command, traceId: trace.traceId });
    } catch (e) {
      if (e instanceof CanonicalValidationError) {
        count(system, 'refused');
        log.warn({ system, deliveryId, type: event.type, err: e.message }, 'webhook refused: its command is invalid');
        return reply(res, 400, { error: e.message });
      }
      throw e;
    }
    const transactionId = result.transaction.id;
    count(system, 'submitted');
    await store.prisma.webhookDelivery.createMany({
      data: [{ system, deliveryId, type: event.type, outcome: 'submitted', transactionId }],
      skipDuplicates: true,
    });
    log.info(
      {
        system,
        deliveryId,
        type: event.type,
        workflow: decision.command.workflow,
        idempotencyKey: decision.command.idempotencyKey,
        transactionId,
        created: result.created,
      },
      'webhook accepted',
    );
    return reply(res, 202, { transactionId, created: result.created });
  }

  const server = createServer((req, res) => {
    const { context, span } = startSpan(`webhooks ${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]}`, { kind: 'server', parent: parseTraceparent(req.headers.traceparent) });
    res.once('close', () => span.end());
    const p = handle(req, res, context)
      .catch((e: unknown) => {
        if (e instanceof HttpError) {
          reply(res, e.status, { error: e.message }, e.status === 413 ? { connection: 'close' } : {});
          return;
        }
        log.error({ err: e }, 'webhook handling failed');
        reply(res, 500, { error: 'the delivery could not be recorded; send it again' });
      })
      .finally(() => handling.delete(p));
    handling.add(p);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`webhook receiver: port ${port} on ${host} is already in use (TANDEM_WEBHOOK_PORT)`, { cause: e }) : e),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  log.info({ url }, 'webhook receiver listening');
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: bound,
    endpoints: { crm: `${url}/webhooks/crm`, erp: `${url}/webhooks/erp`, psa: `${url}/webhooks/psa` },
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...handling]);
        server.closeAllConnections();
        await closed;
        log.info('webhook receiver stopped');
      })();
      return stopping;
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(413, `the body is larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `the body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
