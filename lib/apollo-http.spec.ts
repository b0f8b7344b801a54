import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { WebSocket, WebSocketServer } from 'ws';
import { createGraphQLHttpServer, GraphQLHttpServer, localOnlyApolloPlugins } from './apollo-http';
import { createLogger } from './logger';

const logger = createLogger('apollo-http-test');

function newApollo(resolvers?: Record<string, unknown>) {
  return new ApolloServer({
    typeDefs: 'type Query { hello(name: String): String, slow(ms: Int!): String }',
    resolvers: {
      Query: {
        hello: (_: unknown, { name }: { name?: string }) => `hello ${name ?? 'world'}`,
        slow: async (_: unknown, { ms }: { ms: number }) => {
          await new Promise((r) => setTimeout(r, ms));
          return 'done';
        },
        ...resolvers,
      },
    },
    plugins: localOnlyApolloPlugins(),
    stopOnTerminationSignals: false,
  });
}

/** Raw request so oversized bodies and odd methods behave exactly as sent. */
function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('createGraphQLHttpServer', () => {
  let server: GraphQLHttpServer;
  let url: string;

  beforeAll(async () => {
    server = createGraphQLHttpServer({
      apollo: newApollo(),
      logger,
      landingPage: '<!doctype html><title>hi</title><p>landing</p>',
      maxBodyBytes: 1024,
      corsOrigins: ['http://allowed.test'],
      health: async () => ({ version: 'test' }),
    });
    url = await server.listen(0);
  });
  afterAll(() => server.stop());

  it('executes POSTed JSON and GET queries', async () => {
    const post = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ hello(name: "x") }' }) });
    expect(post.status).toBe(200);
    expect(JSON.parse(post.body)).toEqual({ data: { hello: 'hello x' } });
    const get = await request(`${url}?query=${encodeURIComponent('{ hello }')}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(JSON.parse(get.body)).toEqual({ data: { hello: 'hello world' } });
  });

  it('answers CORS preflights for the allowed origins only', async () => {
    const preflight = (origin: string) =>
      request(url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
    const res = await preflight('http://allowed.test');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://allowed.test');
    expect(res.headers.vary).toBe('origin');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, authorization');
    const other = await preflight('http://evil.test');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('refuses a body that is not valid UTF-8 with 400', async () => {
    const body = Buffer.concat([Buffer.from('{"query":"{ hello(name: \\"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\\") }"}')]);
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).errors[0]).toMatchObject({ message: 'Request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } });
  });

  it('rejects an oversized body with 413, by declared length or by counting', async () => {
    const body = JSON.stringify({ query: `{ hello(name: "${'x'.repeat(4096)}") }` });
    const declared = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(declared.status).toBe(413);
    const chunked = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 400 for malformed JSON and 404 for other paths', async () => {
    const bad = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    const missing = await request(url.replace('/graphql', '/elsewhere'));
    expect(missing.status).toBe(404);
  });

  it('serves /health as JSON and the landing page to browsers only', async () => {
    const health = await request(url.replace('/graphql', '/health'));
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', version: 'test' });
    const page = await request(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('landing');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    const json = await request(url, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
  });

  it('sets and echoes x-request-id', async () => {
    const res = await request(url.replace('/graphql', '/health'), { headers: { 'x-request-id': 'abc-1' } });
    expect(res.headers['x-request-id']).toBe('abc-1');
  });
});

describe('stop()', () => {
  it('lets an in-flight request finish, closes keep-alive sockets, and is idempotent', async () => {
    const server = createGraphQLHttpServer({ apollo: newApollo(), logger, stopGraceMs: 2000 });
    const url = await server.listen(0);
    const agent = new http.Agent({ keepAlive: true });
    const slow = new Promise<string>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ slow(ms: 150) }' }));
    });
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    await Promise.all([server.stop(), server.stop()]);
    expect(JSON.parse(await slow)).toEqual({ data: { slow: 'done' } });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(server.httpServer.listening).toBe(false);
    agent.destroy();
  });

  it('cuts connections still open after the grace period', async () => {
    const server = createGraphQLHttpServer({ apollo: newApollo(), logger, stopGraceMs: 100 });
    const url = await server.listen(0);
    const slow = request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ slow(ms: 5000) }' }) });
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    await server.stop();
    await expect(slow).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('leaves upgrades to a WebSocketServer on the same path and runs stop hooks first', async () => {
    const server = createGraphQLHttpServer({ apollo: newApollo(), logger });
    const wss = new WebSocketServer({ server: server.httpServer, path: '/graphql' });
    wss.on('connection', (socket) => socket.send('welcome'));
    server.onStop(
      () =>
        new Promise<void>((resolve) => {
          for (const client of wss.clients) client.terminate();
          wss.close(() => resolve());
        }),
    );
    const url = await server.listen(0);
    const ws = new WebSocket(url.replace('http', 'ws'), 'graphql-transport-ws');
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (m) => resolve(String(m)));
      ws.once('error', reject);
    });
    expect(first).toBe('welcome');
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await server.stop();
    await closed;
  });
});
