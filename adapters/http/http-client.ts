import type { IncomingHttpHeaders } from 'node:http';
import { DelegateBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import type { z } from 'zod';
import type { SourceSystem } from '../../canonical-schema';
import { formatTraceparent, inSpan, parseTraceparent, telemetryEnabled, type Logger } from '../../lib';
import { metrics } from '../../telemetry';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RETRY_BASE_DELAY_MS, type SystemConfig } from '../config';
import { CallStatsRecorder, type CallStats } from './call-stats';
import { AttemptTimedOut, ResponseTooLarge, type AdmissionLimit } from './io-thread';
import { ensureSourceError, SourceError, sourceErrorFromStatus } from './source-error';
import { defaultTransport, type Transport } from './transport';

/** HTTP methods the vendor APIs use. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One call to a vendor API. */
export interface VendorRequest {
  method: HttpMethod;
  /** Path below the base URL, with its query string already encoded. */
  path: string;
  /** Route template used as the statistics key, e.g. `GET /api/v1/users/:id`. */
  endpoint: string;
  /** JSON request body. */
  body?: unknown;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * `read` calls are retried on retryable failures; `write` calls never are.
   * @default 'read' for GET, 'write' otherwise
   */
  kind?: 'read' | 'write';
  /** Sent as the `Idempotency-Key` header (writes). */
  idempotencyKey?: string;
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
}

/** Response headers by name (case-insensitive), as `Headers.get` reads them. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** A successful vendor answer. */
export interface VendorResponse<T> {
  status: number;
  headers: ResponseHeaders;
  data: T;
}

/** One HTTP answer, its body read whole. */
interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

function headersOf(raw: IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

/**
 * The shared vendor HTTP client: base URL and bearer token, a time budget per
 * attempt, JSON in and out, every answer validated against the vendor's wire
 * schema, every failure normalised to a {@link SourceError}, reads retried with
 * exponential backoff and jitter (honouring Retry-After up to `maxRetryAfterMs`).
 * Connections are kept alive by the client's own agent (node:http).
 */
export class VendorHttpClient {
  /**
   * The W3C traceparent its calls continue (each call is a child span of it).
   * Set only on a per-trace view of a client (see {@link withTraceparent}).
   */
  readonly traceparent?: string;
  /**
   * The in-flight limit each request (each attempt of a retried read) waits for:
   * the workers' per-system limit. Set only on a view of a client (see
   * {@link clientView}); without it every request goes at once.
   */
  readonly admission?: AdmissionLimit;
  private readonly recorder = new CallStatsRecorder();
  private readonly readPolicy: RetryPolicy;

  constructor(
    readonly system: SourceSystem,
    private readonly config: SystemConfig,
    private readonly log: Logger,
    /** where requests are sent from (keep-alive connections, admission): the process's IO thread by default */
    private readonly transport: Transport = defaultTransport(),
  ) {
    const base = config.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
    const retryable = (e: Error): boolean =>
      e instanceof SourceError &&
      e.retryable &&
      // A Retry-After beyond the cap fails at once rather than stalling the query.
      !(e.retryAfterMs !== undefined && e.retryAfterMs > config.maxRetryAfterMs);
    this.readPolicy = retry(handleWhen(retryable), {
      maxAttempts: config.readRetries,
      backoff: new DelegateBackoff((ctx) => {
        const err = 'error' in ctx.result ? ctx.result.error : undefined;
        if (err instanceof SourceError && err.retryAfterMs !== undefined) return err.retryAfterMs;
        const exp = base * 2 ** (ctx.attempt - 1);
        return Math.round(exp / 2 + Math.random() * (exp / 2)); // "equal jitter"
      }),
    });
    this.readPolicy.onRetry((e) => {
      const err = 'error' in e ? e.error : undefined;
      this.log.warn({ attempt: e.attempt, delayMs: e.delay, err: err?.message }, 'retrying vendor read');
    });
  }

  /** Calls the vendor and validates the JSON answer with `schema`; failures reject with a SourceError. */
  async json<S extends z.ZodType>(req: VendorRequest, schema: S): Promise<VendorResponse<z.output<S>>> {
    return this.run(req, async (res) => {
      const text = res.text;
      if (text.trim() === '') throw new SourceError('BAD_RESPONSE', this.system, `${req.endpoint}: empty body`, { status: res.status });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new SourceError('BAD_RESPONSE', this.system, `${req.endpoint}: body is not JSON`, {
          status: res.status,
          cause: e,
        });
      }
      return { status: res.status, headers: res.headers, data: parseWire(this.system, req.endpoint, res.status, parsed, schema) };
    });
  }

  /** Calls the vendor and ignores the answer body (204 writes); failures reject with a SourceError. */
  async send(req: VendorRequest): Promise<VendorResponse<undefined>> {
    return this.run(req, async (res) => ({ status: res.status, headers: res.headers, data: undefined }));
  }

  /**
   * Is the system answering? One authenticated GET of `path` (a record that does
   * not exist: a 404 means the system is up). Resolves to the latency in ms;
   * rejects with the SourceError of any other failure. Not retried.
   */
  async probe(path: string): Promise<number> {
    const started = performance.now();
    try {
      await this.send({ method: 'GET', path, endpoint: 'GET (health probe)', kind: 'write' });
    } catch (e) {
      if (!(e instanceof SourceError && e.code === 'NOT_FOUND')) throw e;
    }
    return Math.round((performance.now() - started) * 10) / 10;
  }

  /** Call statistics since start or the last {@link resetStats}. */
  stats(): CallStats {
    return this.recorder.snapshot();
  }

  resetStats(): void {
    this.recorder.reset();
  }

  private async run<T>(req: VendorRequest, onOk: (res: RawResponse) => Promise<T>): Promise<T> {
    const kind = req.kind ?? (req.method === 'GET' ? 'read' : 'write');
    // each attempt is admitted on its own: a retried read waits out its backoff without holding a place
    const attempt = () => this.attempt(req, onOk);
    try {
      return kind === 'read' ? await this.readPolicy.execute(attempt, req.signal) : await attempt();
    } catch (e) {
      throw ensureSourceError(e, this.system);
    }
  }

  /** One attempt, counted in `tandem_source_*`; within a trace, a client span whose `traceparent` is sent with it. */
  private attempt<T>(req: VendorRequest, onOk: (res: RawResponse) => Promise<T>): Promise<T> {
    if (!telemetryEnabled()) return this.attemptOnce(req, onOk, undefined);
    const parent = parseTraceparent(this.traceparent);
    if (!parent) return this.measured(req, () => this.attemptOnce(req, onOk, undefined));
    return inSpan(`${this.system} ${req.endpoint}`, { kind: 'client', parent, attributes: { 'source.system': this.system } }, (ctx) =>
      this.measured(req, () => this.attemptOnce(req, onOk, formatTraceparent(ctx))),
    );
  }

  private async measured<T>(req: VendorRequest, call: () => Promise<T>): Promise<T> {
    const labels = { system: this.system, endpoint: req.endpoint };
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await call();
    } catch (e) {
      outcome = e instanceof SourceError ? e.code : 'ERROR';
      metrics.sourceErrors.inc({ ...labels, code: outcome });
      throw e;
    } finally {
      metrics.sourceRequests.inc({ ...labels, outcome });
      metrics.sourceDuration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  private async attemptOnce<T>(req: VendorRequest, onOk: (res: RawResponse) => Promise<T>, traceparent: string | undefined): Promise<T> {
    // the time budget of the attempt runs from its admission, on the transport; the caller's
    // signal ends the request through `end`
    let end: ((reason: unknown) => void) | undefined;
    let cancelled: { reason: unknown } | undefined;
    const forward = () => {
      cancelled ??= { reason: req.signal!.reason };
      end?.(cancelled.reason);
    };
    if (req.signal?.aborted) forward();
    else req.signal?.addEventListener('abort', forward, { once: true });
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.config.token}`,
      accept: 'application/json',
      ...req.headers,
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.idempotencyKey !== undefined) headers['idempotency-key'] = req.idempotencyKey;
    if (traceparent) headers.traceparent = traceparent;

    this.recorder.recordCall(req.endpoint);
    const started = performance.now();
    try {
      const wire = await this.transport.send(
        { url: `${this.config.baseUrl}${req.path}`, method: req.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) },
        {
          timeoutMs: this.config.timeoutMs,
          maxBytes: this.config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
          admission: this.admission,
          cancel: (e) => {
            end = e;
            if (cancelled) e(cancelled.reason);
          },
        },
      );
      const res: RawResponse = { status: wire.status, headers: headersOf(wire.headers), text: wire.text };
      if (res.status < 200 || res.status > 299) {
        throw sourceErrorFromStatus(this.system, res.status, parseLoosely(res.text), res.headers.get('retry-after'), req.endpoint);
      }
      const out = await onOk(res);
      this.log.debug({ endpoint: req.endpoint, status: res.status, ms: Math.round(performance.now() - started) }, 'vendor call');
      return out;
    } catch (e) {
      // out of time or aborted: say why (the budget, or the caller's reason) rather than "the operation was aborted"
      const err =
        e instanceof ResponseTooLarge
          ? new SourceError('BAD_RESPONSE', this.system, `${req.endpoint}: ${e.message}`, { cause: e })
          : ensureSourceError(e instanceof AttemptTimedOut ? timeoutError(e.timeoutMs) : cancelled && !(e instanceof SourceError) ? cancelled.reason : e, this.system);
      this.recorder.recordError(err.code);
      this.log.debug({ endpoint: req.endpoint, code: err.code, status: err.status }, 'vendor call failed');
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', forward);
      this.recorder.recordDuration(performance.now() - started);
    }
  }
}

/** What an attempt that ran out of time is aborted with (classified TIMEOUT, like AbortSignal.timeout's). */
/**
 * A vendor answer (or part of one, e.g. a composite subresponse) validated
 * against its wire schema; a mismatch is BAD_RESPONSE naming the first issues.
 */
export function parseWire<S extends z.ZodType>(system: SourceSystem, endpoint: string, status: number, value: unknown, schema: S): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw new SourceError('BAD_RESPONSE', system, `${endpoint}: unexpected wire shape (${detail})`, { status, cause: result.error });
  }
  return result.data as z.output<S>;
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });
}

/** An error body as JSON when it is JSON, else its text (truncated). */
function parseLoosely(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}

/**
 * A view of a system API whose vendor client has `props` set: the same object
 * underneath (its statistics, connections and state are shared). `traceparent`:
 * its calls continue that trace (each one a child span, the header sent);
 * `admission`: each request waits for a place in that limit.
 */
export function clientView<T extends { client: { http: VendorHttpClient } }>(api: T, props: { traceparent?: string; admission?: AdmissionLimit }): T {
  const own: PropertyDescriptorMap = {};
  if (props.traceparent !== undefined) own.traceparent = { value: props.traceparent };
  if (props.admission !== undefined) own.admission = { value: props.admission };
  const http = Object.create(api.client.http, own) as VendorHttpClient;
  const client = Object.create(api.client, { http: { value: http } }) as T['client'];
  return Object.create(api, { client: { value: client } }) as T;
}

/** A view of a system API whose vendor calls continue the trace `traceparent` (see {@link clientView}). */
export function withTraceparent<T extends { client: { http: VendorHttpClient } }>(api: T, traceparent: string): T {
  return clientView(api, { traceparent });
}

/** Whether `api` is a real adapter over a VendorHttpClient (a view can be taken of it). */
export function overVendorClient<T extends object>(api: T): api is T & { client: { http: VendorHttpClient } } {
  return (api as { client?: { http?: unknown } }).client?.http instanceof VendorHttpClient;
}

/**
 * `api` continuing the trace `traceparent` when it is a real adapter over a
 * VendorHttpClient (see {@link withTraceparent}); anything else (no traceparent,
 * a test fake) as it is.
 */
export function tracedApi<T extends object>(api: T, traceparent: string | undefined): T {
  if (!traceparent || !overVendorClient(api)) return api;
  return withTraceparent(api, traceparent);
}
