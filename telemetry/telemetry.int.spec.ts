import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { formatTraceparent, inSpan, newSpanId, newTraceId, parseTraceparent } from '../lib';
import { quantileMs } from '../console';
import { openStore } from '../store';
import { parsePrometheus } from '../test/support/prometheus';
import { createHealth, metrics, metricsText, onScrape, startOpsServer, startTracing } from '.';

const silent = pino({ level: 'silent' });

describe('W3C trace context', () => {
  it('parses a traceparent and refuses malformed or all-zero ones', () => {
    const t = newTraceId();
    const s = newSpanId();
    expect(parseTraceparent(`00-${t}-${s}-01`)).toEqual({ traceId: t, spanId: s, sampled: true });
    expect(parseTraceparent(`00-${t.toUpperCase()}-${s}-00`)).toEqual({ traceId: t, spanId: s, sampled: false });
    for (const bad of [undefined, '', 'nope', `00-${'0'.repeat(32)}-${s}-01`, `00-${t}-${'0'.repeat(16)}-01`, `ff-${t}-${s}-01`, `00-${t}-${s}-01-extra`, `00-${t.slice(1)}-${s}-01`]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
    expect(formatTraceparent({ traceId: t, spanId: s, sampled: true })).toBe(`00-${t}-${s}-01`);
  });

  it('a child span keeps the trace id and gets its own span id; without a parent it starts a trace', async () => {
    const parent = { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
    await inSpan('outer', { parent }, async (outer) => {
      expect(outer.traceId).toBe(parent.traceId);
      expect(outer.spanId).not.toBe(parent.spanId);
      await inSpan('inner', { parent: outer }, async (inner) => {
        expect(inner.traceId).toBe(parent.traceId);
        expect(formatTraceparent(inner)).toBe(`00-${parent.traceId}-${inner.spanId}-01`);
      });
    });
    await inSpan('root', {}, async (root) => expect(root.traceId).not.toBe(parent.traceId));
  });
});

describe('OpenTelemetry export', () => {
  let receiver: Server;
  const received: any[] = [];
  let endpoint: string;

  beforeAll(async () => {
    // a local OTLP/HTTP receiver (loopback only): records what the exporter posts to /v1/traces
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it('exports spans over OTLP/HTTP with Tandem’s own trace and span ids and their parent links', async () => {
    const tracing = startTracing({ endpoint, serviceName: 'tandem-test', scheduledDelayMillis: 50 })!;
    expect(tracing).not.toBeNull();
    const caller = { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
    let serverSpan = '';
    let clientSpan = '';
    await inSpan('gateway POST /graphql', { kind: 'server', parent: caller }, async (server) => {
      serverSpan = server.spanId;
      await inSpan('ERP GET /record', { kind: 'client', parent: server }, async (client) => {
        clientSpan = client.spanId;
      });
      await expect(inSpan('failing', { parent: server }, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    });
    await tracing.stop();

    expect(received.length).toBeGreaterThan(0);
    expect(received[0]).toMatchObject({ path: '/v1/traces', type: expect.stringContaining('json') });
    const spans = received.flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
    const service = received[0].body.resourceSpans[0].resource.attributes.find((a: any) => a.key === 'service.name');
    expect(service.value.stringValue).toBe('tandem-test');
    const byName = new Map(spans.map((s: any) => [s.name, s]));
    const hex = (v: string) => (/^[0-9a-f]+$/.test(v) ? v : Buffer.from(v, 'base64').toString('hex'));
    const server: any = byName.get('gateway POST /graphql');
    const client: any = byName.get('ERP GET /record');
    expect(hex(server.traceId)).toBe(caller.traceId);
    expect(hex(server.spanId)).toBe(serverSpan);
    expect(hex(server.parentSpanId)).toBe(caller.spanId);
    expect(server.kind).toBe(2); // SERVER
    expect(hex(client.traceId)).toBe(caller.traceId);
    expect(hex(client.spanId)).toBe(clientSpan);
    expect(hex(client.parentSpanId)).toBe(serverSpan);
    expect((byName.get('failing') as any).status).toMatchObject({ code: 2, message: 'boom' }); // ERROR
  });

  it('is off without an endpoint', () => {
    expect(startTracing({ endpoint: undefined })).toBeNull();
  });
});

describe('health and metrics endpoints', () => {
  it('answers /readyz 503 while migrating and while a critical check fails, 200 when ready; /healthz always', async () => {
    const health = createHealth('migrating');
    const ops = await startOpsServer({ port: 0, health, logger: silent });
    try {
      const get = async (p: string) => {
        const res = await fetch(`${ops.url}${p}`);
        return { status: res.status, body: (await res.json()) as any };
      };
      const storeOpening = openStore({ memory: true, logger: silent });
      expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'unready', phase: 'migrating' } });
      expect((await get('/healthz')).status).toBe(200);
      const store = await storeOpening;
      let storeUp = true;
      health.addCheck('store', async () => {
        if (!storeUp) throw new Error('connection refused');
        await store.raw('SELECT 1');
      });
      health.addCheck('circuits', () => ({ ERP: 'OPEN' }), { critical: false });
      health.setPhase('ready');
      expect(await get('/readyz')).toMatchObject({ status: 200, body: { ready: true, checks: { store: { ok: true }, circuits: { ok: true, detail: { ERP: 'OPEN' } } } } });
      storeUp = false;
      expect(await get('/readyz')).toMatchObject({ status: 503, body: { ready: false, checks: { store: { ok: false, error: 'connection refused' } } } });
      storeUp = true;
      health.addCheck('slow', () => new Promise((r) => setTimeout(r, 500)), { timeoutMs: 50 });
      expect(await get('/readyz')).toMatchObject({ status: 503, body: { checks: { slow: { ok: false, error: 'no answer within 50 ms' } } } });
      await store.close();
    } finally {
      await ops.stop();
    }
  });

  it('serves Prometheus text with scrape-time gauges (the newest hook of a key wins)', async () => {
    const off1 = onScrape('test-gauges', () => metrics.outboxDepth.set(1));
    const off2 = onScrape('test-gauges', () => metrics.outboxDepth.set(7));
    const parsed = parsePrometheus(await metricsText());
    expect(parsed.samples.find((s) => s.name === 'tandem_sync_outbox_depth')?.value).toBe(7);
    off2();
    expect(parsePrometheus(await metricsText()).samples.find((s) => s.name === 'tandem_sync_outbox_depth')?.value).toBe(1);
    off1();
  });

  it('computes latency percentiles from cumulative histogram buckets', () => {
    const buckets = new Map([
      [0.01, 50],
      [0.1, 90],
      [1, 100],
      [Infinity, 100],
    ]);
    expect(quantileMs(buckets, 0.5)).toBe(10);
    expect(quantileMs(buckets, 0.95)).toBe(550);
    expect(quantileMs(new Map([[Infinity, 0]]), 0.5)).toBeNull();
  });
});
