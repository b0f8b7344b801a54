/**
 * W3C trace context, passed explicitly: a request's context comes from its
 * `traceparent` header, and whoever makes an outgoing call (subgraph fetch,
 * vendor call, webhook, workflow step) passes the context on by hand. Not
 * AsyncLocalStorage: on Node 20 it turns on promise hooks for the whole
 * process, which doubled the cost of every promise and put ~40% on the
 * read path's CPU (decision 0010). Log lines get their `traceId` from child
 * loggers bound to it. Spans are cheap records here; when a span sink is
 * installed (telemetry/tracing: OpenTelemetry export) each one is handed to it.
 *
 * `TANDEM_TELEMETRY=off` turns spans off (trace ids are still read and kept).
 */
import { randomFillSync } from 'node:crypto';

/** The trace and span a piece of work runs in. */
export interface TraceContext {
  /** 32 lower-case hex digits */
  readonly traceId: string;
  /** 16 lower-case hex digits: the current span */
  readonly spanId: string;
  /** whether the caller asked for the trace to be recorded (traceparent flags) @default true */
  readonly sampled: boolean;
}

export type SpanKind = 'server' | 'client' | 'internal' | 'producer' | 'consumer';

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** A span being recorded: what a sink gets when it starts, and how it ends. */
export interface SpanHandle {
  setAttribute(key: string, value: string | number | boolean): void;
  /** Marks the span failed (ended with an error status). */
  fail(message: string): void;
  end(): void;
}

/** Receives every span that starts (telemetry/tracing installs one to export them). */
export type SpanSink = (span: {
  name: string;
  kind: SpanKind;
  context: TraceContext;
  parentSpanId: string | undefined;
  attributes: SpanAttributes;
}) => SpanHandle;

let sink: SpanSink | undefined;
let enabled: boolean | undefined;

/** false when `TANDEM_TELEMETRY` is `off` (or `false`, `0`): no trace context, no spans, no metrics. */
export function telemetryEnabled(): boolean {
  enabled ??= !/^(off|false|0|no)$/i.test(process.env.TANDEM_TELEMETRY ?? '');
  return enabled;
}

/** Tests only: re-read `TANDEM_TELEMETRY`. */
export function resetTelemetrySwitch(): void {
  enabled = undefined;
}

/** Installs (or with undefined removes) the sink that receives every span. */
export function setSpanSink(next: SpanSink | undefined): void {
  sink = next;
}

const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
function hex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const s = pool.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  return s;
}

/** A new random trace id (never all zeros). */
export function newTraceId(): string {
  const id = hex(16);
  return /^0+$/.test(id) ? newTraceId() : id;
}

/** A new random span id (never all zeros). */
export function newSpanId(): string {
  const id = hex(8);
  return id === '0000000000000000' ? newSpanId() : id;
}

const TRACEPARENT_RE = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(?:-.*)?$/;

/** The trace context a W3C `traceparent` names (its span is the caller's), or undefined when absent or malformed. */
export function parseTraceparent(value: string | string[] | undefined): TraceContext | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const m = TRACEPARENT_RE.exec(raw.trim().toLowerCase());
  if (!m || m[1] === 'ff' || (m[1] === '00' && raw.trim().length !== 55)) return undefined;
  if (/^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return { traceId: m[2], spanId: m[3], sampled: (parseInt(m[4], 16) & 1) === 1 };
}

/** `00-<trace id>-<span id>-<flags>` for a trace context. */
export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.sampled ? '01' : '00'}`;
}

const NOOP_HANDLE: SpanHandle = { setAttribute() {}, fail() {}, end() {} };

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /**
   * The parent: a caller's context (from its `traceparent`, or the span this one
   * runs inside), `'new'` (or undefined) for a new trace, or a trace id to
   * continue without a known parent span (e.g. a sync transaction's).
   */
  parent?: TraceContext | 'new' | { traceId: string };
}

/**
 * Runs `fn` in a new span, a child of `options.parent`; `fn` gets the span's
 * context to pass on (`formatTraceparent(context)` on outgoing calls). The span
 * ends when `fn` settles, failed if it throws. With telemetry off, `fn` runs with
 * the parent's context (or a new one) and nothing is recorded.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (context: TraceContext, span: SpanHandle) => Promise<T>): Promise<T> {
  const started = startSpan(name, options);
  try {
    return await fn(started.context, started.span);
  } catch (err) {
    started.span.fail(err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    started.span.end();
  }
}

/** Starts a span that the caller ends (e.g. an HTTP request, ended on `res.close`). */
export function startSpan(name: string, options: SpanOptions): { context: TraceContext; span: SpanHandle } {
  const { context, parentSpanId } = childContext(options.parent);
  const span = sink && telemetryEnabled() ? sink({ name, kind: options.kind ?? 'internal', context, parentSpanId, attributes: options.attributes ?? {} }) : NOOP_HANDLE;
  return { context, span };
}

function childContext(parent: SpanOptions['parent']): { context: TraceContext; parentSpanId: string | undefined } {
  if (!parent || parent === 'new') return { context: { traceId: newTraceId(), spanId: newSpanId(), sampled: true }, parentSpanId: undefined };
  const parentSpanId = 'spanId' in parent ? parent.spanId : undefined;
  const sampled = 'sampled' in parent ? parent.sampled : true;
  return { context: { traceId: parent.traceId, spanId: newSpanId(), sampled }, parentSpanId };
}
