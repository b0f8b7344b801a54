/**
 * OpenTelemetry export of the spans lib/trace-context records. Off unless
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or an endpoint is passed): then every
 * span is exported over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`, batched.
 *
 * The trace and span ids are Tandem's own (the ones in the logs, in
 * `traceparent` headers and in `SyncTransaction.traceId`): the SDK is given an
 * id generator that hands it the ids of the span being started.
 */
import { ROOT_CONTEXT, SpanKind as OtelSpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger, envString, setSpanSink, telemetryEnabled, type SpanKind, type SpanSink } from '../lib';

const KINDS: Record<SpanKind, OtelSpanKind> = {
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  internal: OtelSpanKind.INTERNAL,
  producer: OtelSpanKind.PRODUCER,
  consumer: OtelSpanKind.CONSUMER,
};

export interface TracingOptions {
  /** Service name on every span (`service.name`). @default OTEL_SERVICE_NAME, else 'tandem' */
  serviceName?: string;
  /** OTLP/HTTP base URL (`/v1/traces` is appended). @default OTEL_EXPORTER_OTLP_ENDPOINT */
  endpoint?: string;
  /** Another exporter (tests). */
  exporter?: SpanExporter;
  /** Longest wait before a batch is sent. @default 1000 */
  scheduledDelayMillis?: number;
}

export interface RunningTracing {
  /** Sends the spans still queued. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  stop(): Promise<void>;
}

let active: { provider: BasicTracerProvider; refs: number; stop: Promise<void> | undefined } | undefined;

/**
 * Starts exporting spans when an endpoint is configured (else returns null and
 * spans stay local: ids in logs and headers only). One exporter per process;
 * each caller's `stop()` releases it, the last one flushes and shuts it down.
 */
export function startTracing(options: TracingOptions = {}): RunningTracing | null {
  const endpoint = options.endpoint ?? envString('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!telemetryEnabled() || (!endpoint && !options.exporter)) return null;
  if (!active) {
    const log = createLogger('tracing');
    const pending: { traceId?: string; spanId?: string } = {};
    const ids: IdGenerator = {
      generateTraceId: () => pending.traceId ?? '',
      generateSpanId: () => pending.spanId ?? '',
    };
    const exporter =
      options.exporter ?? new OTLPTraceExporter({ url: `${endpoint!.replace(/\/+$/, '')}/v1/traces`, timeoutMillis: 5000 });
    const provider = new BasicTracerProvider({
      resource: new Resource({ 'service.name': options.serviceName ?? envString('OTEL_SERVICE_NAME', 'tandem') }),
      idGenerator: ids,
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: options.scheduledDelayMillis ?? 1000 })],
    });
    const tracer: Tracer = provider.getTracer('tandem');
    const sink: SpanSink = ({ name, kind, context, parentSpanId, attributes }) => {
      const parent = parentSpanId
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: context.traceId, spanId: parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true })
        : ROOT_CONTEXT;
      pending.traceId = context.traceId;
      pending.spanId = context.spanId;
      const clean: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(attributes)) if (v !== undefined) clean[k] = v;
      const span = tracer.startSpan(name, { kind: KINDS[kind], attributes: clean }, parent);
      pending.traceId = pending.spanId = undefined;
      return {
        setAttribute: (key, value) => void span.setAttribute(key, value),
        fail: (message) => span.setStatus({ code: SpanStatusCode.ERROR, message }),
        end: () => span.end(),
      };
    };
    setSpanSink(sink);
    active = { provider, refs: 0, stop: undefined };
    log.info({ endpoint: endpoint ?? '(custom exporter)' }, 'exporting spans over OTLP');
  }
  const current = active;
  current.refs += 1;
  let released = false;
  return {
    flush: () => current.provider.forceFlush(),
    stop() {
      if (released) return current.stop ?? Promise.resolve();
      released = true;
      current.refs -= 1;
      if (current.refs > 0) return current.provider.forceFlush();
      setSpanSink(undefined);
      if (active === current) active = undefined;
      current.stop = current.provider.shutdown();
      return current.stop;
    },
  };
}
