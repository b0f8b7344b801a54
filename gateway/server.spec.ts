import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../lib/logger';
import {
  closedPortUrl,
  postGraphQL,
  REVIEWS_SDL,
  RunningSubgraph,
  startCannedServer,
  startSubgraph,
  USERS_SDL,
} from './__fixtures__/subgraphs';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { composeSupergraph, runGatewayCommand, RunningGateway, startGateway, type SecurityKeyDefaults } from './index';

const logger = createLogger('gateway-test');

// Every socket the process opens during these tests must go to loopback.
const connectSpy = jest.spyOn(net.Socket.prototype, 'connect');
afterAll(() => {
  const hosts = new Set<string>();
  for (const call of connectSpy.mock.calls) {
    const first = call[0] as unknown;
    const opts = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number;
    if (typeof opts === 'object' && opts && !opts.path) hosts.add(opts.host ?? 'localhost');
  }
  const calls = connectSpy.mock.calls.length;
  connectSpy.mockRestore();
  expect(calls).toBeGreaterThan(0);
  for (const host of hosts) expect(['127.0.0.1', 'localhost', '::1']).toContain(host);
});

let users: RunningSubgraph;
let reviews: RunningSubgraph;
let gateway: RunningGateway;

beforeAll(async () => {
  [users, reviews] = await Promise.all([startSubgraph('users'), startSubgraph('reviews')]);
  gateway = await startGateway({
    port: 0,
    logger,
    subgraphs: [
      { name: 'users', url: users.url },
      { name: 'reviews', url: reviews.url },
    ],
  });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([users?.stop(), reviews?.stop()]);
});

describe('gateway composed from subgraphs fetched by URL', () => {
  it('sets APOLLO_TELEMETRY_DISABLED before @apollo/gateway runs', () => {
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
  });

  it('answers a query that crosses subgraphs', async () => {
    const { status, json } = await postGraphQL(gateway.url, {
      query: '{ reviews { body author { name } } user(id: "u1") { name reviews { id } } }',
    });
    expect(status).toBe(200);
    expect(json.errors).toBeUndefined();
    expect(json.data.reviews).toEqual([
      { body: 'Great', author: { name: 'Ada' } },
      { body: 'Fine', author: { name: 'Grace' } },
      { body: 'Again', author: { name: 'Ada' } },
    ]);
    expect(json.data.user).toEqual({ name: 'Ada', reviews: [{ id: 'r1' }, { id: 'r3' }] });
  });

  it('forwards authorization and x-request-id to subgraphs and echoes the request id', async () => {
    users.seen.length = 0;
    const { json, headers } = await postGraphQL(gateway.url, { query: '{ whoami }' }, { authorization: 'Bearer t0ken', 'x-request-id': 'req-42' });
    expect(json.data.whoami).toBe('Bearer t0ken');
    expect(headers.get('x-request-id')).toBe('req-42');
    expect(users.seen.at(-1)?.headers['x-request-id']).toBe('req-42');
  });

  it('generates a request id when the caller sends none and passes it on', async () => {
    users.seen.length = 0;
    const { headers } = await postGraphQL(gateway.url, { query: '{ whoami }' });
    const id = headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(users.seen.at(-1)?.headers['x-request-id']).toBe(id);
  });

  it('keeps a subgraph error’s code and extensions, adds serviceName, and still answers partial data', async () => {
    const { status, json } = await postGraphQL(gateway.url, { query: '{ users { id name rating } }' });
    expect(status).toBe(200);
    expect(json.data.users).toEqual([
      { id: 'u1', name: 'Ada', rating: 4.5 },
      { id: 'u2', name: 'Grace', rating: null },
    ]);
    expect(json.errors).toHaveLength(1);
    expect(json.errors[0]).toMatchObject({
      message: 'ERP is unavailable',
      path: ['users', 1, 'rating'],
      extensions: { code: 'SOURCE_UNAVAILABLE', system: 'ERP', retryable: true, serviceName: 'reviews' },
    });
    expect(json.errors[0].extensions.stacktrace).toBeUndefined();
  });

  it('refuses a body over the default 1 MiB limit with 413', async () => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ whoami }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    await res.text();
  });

  it('serves /health with the subgraph names', async () => {
    const res = await fetch(new URL('/health', gateway.url));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', subgraphs: ['reviews', 'users'] });
  });

  it('serves a self-contained landing page to browsers', async () => {
    const res = await fetch(gateway.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<textarea id="query"');
    expect(html).not.toMatch(/https?:\/\//);
  });
});

describe('gateway started from a supergraph file composed elsewhere', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-gw-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // the command's security settings: an identity provider's key (here a test key) and the internal token secret
  let signingKey: KeyLike;
  let keyDefaults: SecurityKeyDefaults;
  const securityDefaults = async () => keyDefaults;
  const bearer = async (sub = 'tester') => ({
    authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject(sub).setIssuer('test-idp').setAudience('gw').setExpirationTime('5m').sign(signingKey)}`,
  });
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    keyDefaults = { jwks: { keys: [await exportJWK(pair.publicKey)] }, issuer: 'test-idp', audience: 'gw', internalTokenSecret: 'a-test-secret-of-at-least-32-bytes!!' };
  });

  it('runs `tandem gateway --supergraph <file> --port 0` and stops cleanly', async () => {
    const file = join(dir, 'supergraph.graphql');
    writeFileSync(
      file,
      composeSupergraph([
        { name: 'users', url: users.url, typeDefs: USERS_SDL },
        { name: 'reviews', url: reviews.url, typeDefs: REVIEWS_SDL },
      ]),
    );
    const out: string[] = [];
    const abort = new AbortController();
    let url = '';
    const exit = runGatewayCommand(['gateway', '--supergraph', file, '--port', '0'], {
      out: { write: (t: string) => out.push(t) },
      err: { write: (t: string) => out.push(t) },
      logger,
      signal: abort.signal,
      securityDefaults,
      onStarted: (g) => {
        url = g.url;
      },
    });
    await waitFor(() => url !== '');
    const { json } = await postGraphQL(url, { query: '{ user(id: "u2") { name reviews { body } } }' }, await bearer());
    expect(json.data.user).toEqual({ name: 'Grace', reviews: [{ body: 'Fine' }] });
    // authentication is on: no token, no answer
    const anonymous = await postGraphQL(url, { query: '{ user(id: "u2") { name } }' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.errors[0]).toMatchObject({ message: 'Authentication required: send an "Authorization: Bearer <token>" header', extensions: { code: 'UNAUTHENTICATED' } });
    abort.abort();
    expect(await exit).toBe(0);
    expect(out.join('')).toContain(`Gateway ready at ${url}`);
    await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
  });

  it('runs from a JSON config listing subgraphs by name and URL', async () => {
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ port: 0, subgraphs: [{ name: 'users', url: users.url }, { name: 'reviews', url: reviews.url }] }));
    const abort = new AbortController();
    let url = '';
    const exit = runGatewayCommand(['--config', file], { out: { write: () => true }, logger, signal: abort.signal, securityDefaults, onStarted: (g) => (url = g.url) });
    await waitFor(() => url !== '');
    const { json } = await postGraphQL(url, { query: '{ reviews { author { name } } }' }, await bearer());
    expect(json.data.reviews[0].author.name).toBe('Ada');
    abort.abort();
    expect(await exit).toBe(0);
  });

  it('refuses to start without keys to verify tokens with, saying what to set', async () => {
    const err: string[] = [];
    const code = await runGatewayCommand(['--subgraph', `users=${users.url}`, '--port', '0'], { out: { write: () => true }, err: { write: (t: string) => err.push(t) }, logger });
    expect(code).toBe(2);
    expect(err.join('')).toContain('authentication is on: set TANDEM_AUTH_JWKS_URL or TANDEM_AUTH_PUBLIC_KEY');
  });

  it('fails to start with the composer’s messages when subgraphs do not compose', async () => {
    const clash = await startCannedServer(
      200,
      JSON.stringify({ data: { _service: { sdl: 'type Query { whoami: Int }' } } }),
      'application/json',
    );
    const err: string[] = [];
    const code = await runGatewayCommand(['--subgraph', `users=${users.url}`, '--subgraph', `other=${clash.url}`, '--port', '0'], {
      out: { write: () => true },
      err: { write: (t: string) => err.push(t) },
      logger,
      securityDefaults,
    });
    await clash.stop();
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/composition failed/i);
    expect(err.join('')).toContain('Query.whoami');
  });

  it('rejects a command line with nothing to serve', async () => {
    const saved = process.env.TANDEM_SUBGRAPHS;
    delete process.env.TANDEM_SUBGRAPHS;
    const err: string[] = [];
    const code = await runGatewayCommand([], { err: { write: (t: string) => err.push(t) }, logger });
    if (saved !== undefined) process.env.TANDEM_SUBGRAPHS = saved;
    expect(code).toBe(2);
    expect(err.join('')).toContain('nothing to serve');
  });
});

describe('subgraph failures without a GraphQL answer', () => {
  it('names the subgraph when it cannot be reached, and answers the rest', async () => {
    const supergraphSdl = composeSupergraph([
      { name: 'users', url: users.url, typeDefs: USERS_SDL },
      { name: 'reviews', url: await closedPortUrl(), typeDefs: REVIEWS_SDL },
    ]);
    const gw = await startGateway({ port: 0, logger, supergraphSdl, landingPage: false });
    try {
      const { status, json } = await postGraphQL(gw.url, { query: '{ users { name rating } }' });
      expect(status).toBe(200);
      expect(json.data).toEqual({ users: [{ name: 'Ada', rating: null }, { name: 'Grace', rating: null }] });
      expect(json.errors[0].extensions).toMatchObject({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'reviews' });
      expect(json.errors[0].message).toContain('ECONNREFUSED');
      expect(JSON.stringify(json)).not.toContain('127.0.0.1');
    } finally {
      await gw.stop();
    }
  });

  it('names the subgraph on a non-2xx answer, and passes on GraphQL errors sent with one', async () => {
    const broken = await startCannedServer(502, '<html>bad gateway</html>', 'text/html');
    const graphqlOn500 = await startCannedServer(
      500,
      JSON.stringify({ errors: [{ message: 'ledger offline', extensions: { code: 'SOURCE_UNAVAILABLE', system: 'ERP' } }] }),
      'application/json',
    );
    const compose = (reviewsUrl: string) =>
      composeSupergraph([
        { name: 'users', url: users.url, typeDefs: USERS_SDL },
        { name: 'reviews', url: reviewsUrl, typeDefs: REVIEWS_SDL },
      ]);
    // The same supergraph, with the reviews routing URL overridden by name.
    const gw = await startGateway({ port: 0, logger, supergraphSdl: compose(reviews.url), subgraphs: [{ name: 'reviews', url: broken.url }] });
    const gw2 = await startGateway({ port: 0, logger, supergraphSdl: compose(graphqlOn500.url) });
    try {
      const a = await postGraphQL(gw.url, { query: '{ user(id: "u1") { name rating } }' });
      expect(a.json.data).toEqual({ user: { name: 'Ada', rating: null } });
      expect(a.json.errors[0].extensions).toEqual({ code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'reviews', response: { status: 502 } });

      const b = await postGraphQL(gw2.url, { query: '{ user(id: "u1") { name rating } }' });
      expect(b.json.data).toEqual({ user: { name: 'Ada', rating: null } });
      expect(b.json.errors[0]).toMatchObject({
        message: 'ledger offline',
        extensions: { code: 'SOURCE_UNAVAILABLE', system: 'ERP', serviceName: 'reviews' },
      });
    } finally {
      await Promise.all([gw.stop(), gw2.stop(), broken.stop(), graphqlOn500.stop()]);
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
