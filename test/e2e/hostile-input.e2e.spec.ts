/**
 * A hostile or careless caller cannot take the gateway down: each request of
 * the corpus gets its own clear error, the process stays up, and a normal
 * query right after still answers. Also: the per-caller rate limit (429 with
 * Retry-After), automatic persisted queries, CSRF prevention and the CORS
 * allowlist.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import { gql, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
let auth: Record<string, string>;

beforeAll(async () => {
  t = await startTestStack({ customers: 5, workers: false });
  auth = await t.as('bi', { subject: 'hostile@tandem.test' });
});
afterAll(() => t?.stop());

/** A raw request, so bodies go out exactly as written (invalid UTF-8, lying lengths); the answer is read even if the server closes early. */
function raw(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(t.gatewayUrl, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...auth, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined });
      });
    });
    // the server may answer and close before all of a large body is sent: that is the point
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!['EPIPE', 'ECONNRESET'].includes(err.code ?? '')) reject(err);
    });
    req.end(body);
  });
}

async function stillAnswers(): Promise<void> {
  const r = await gql(t.gatewayUrl, '{ customers(first: 2) { totalCount edges { node { name } } } }', undefined, auth);
  expect(r.status).toBe(200);
  expect(r.errors).toBeUndefined();
  expect(r.data.customers.totalCount).toBe(5);
}

const nested = (depth: number) => `{ customer(id: "x") { ${'parent { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;

describe('the hostile-input corpus', () => {
  const corpus: [string, () => Promise<{ status: number; json: any }>, number, Record<string, unknown>][] = [
    ['malformed JSON', () => raw('{"query": "{ customers { totalCount } }"'), 400, { code: 'BAD_REQUEST', message: 'Request body is not valid JSON' }],
    ['a 10 MB body', () => raw(Buffer.alloc(10 * 1024 * 1024, 'a')), 413, { code: 'PAYLOAD_TOO_LARGE', message: 'Request body larger than 1048576 bytes' }],
    ['a 10 MB body without a declared length', () => raw(Buffer.alloc(10 * 1024 * 1024, 'a'), { 'transfer-encoding': 'chunked' }), 413, { code: 'PAYLOAD_TOO_LARGE' }],
    ['depth 50', () => raw(JSON.stringify({ query: nested(50) })), 400, { code: 'OPERATION_TOO_DEEP', measured: 50, limit: 15 }],
    [
      'an alias bomb',
      () => raw(JSON.stringify({ query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: customers(first: 500) { totalCount }`).join(' ')} }` })),
      400,
      { code: 'DOCUMENT_TOO_LARGE' },
    ],
    ['an alias bomb under the size limit', () => raw(JSON.stringify({ query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}:__typename`).join(' ')} }` })), 400, { code: 'TOO_MANY_ALIASES', measured: 1000, limit: 50 }],
    [
      'a fragment cycle',
      () => raw(JSON.stringify({ query: '{ customer(id: "x") { ...A } } fragment A on Customer { parent { ...B } } fragment B on Customer { parent { ...A } }' })),
      400,
      { code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot spread fragment "A" within itself via "B".' },
    ],
    [
      'a fragment bomb (each fragment spreads the next twice)',
      () =>
        raw(
          JSON.stringify({
            query: `{ customer(id: "x") { ...F0 } } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Customer { parent { ...F${i + 1} ...F${i + 1} } }`).join(' ')} fragment F40 on Customer { name }`,
          }),
        ),
      400,
      { code: 'OPERATION_TOO_DEEP' },
    ],
    [
      'a costly query',
      () => raw(JSON.stringify({ query: '{ customers(first: 500) { edges { node { projects { assignments { resource { name } } timeEntries { resource { name } } invoices { lines { description } } } } } } }' })),
      400,
      { code: 'OPERATION_TOO_COSTLY', limit: 250_000 },
    ],
    ['a batched array of 1,000 operations', () => raw(JSON.stringify(Array.from({ length: 1000 }, () => ({ query: '{ customers(first: 1) { totalCount } }' })))), 400, { code: 'BAD_REQUEST', message: 'Operation batching disabled.' }],
    [
      'invalid UTF-8',
      () => raw(Buffer.concat([Buffer.from('{"query":"{ customers(filter: { nameContains: \\"'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff]), Buffer.from('\\" }) { totalCount } }"}')])),
      400,
      { code: 'BAD_REQUEST', message: 'Request body is not valid UTF-8' },
    ],
    ['huge variables (2 MB)', () => raw(JSON.stringify({ query: 'query($s: String) { customers(filter: { nameContains: $s }) { totalCount } }', variables: { s: 'x'.repeat(2 * 1024 * 1024) } })), 413, { code: 'PAYLOAD_TOO_LARGE' }],
    [
      'variables nested 100,000 deep',
      () => raw(`{"query":"query($s: String) { customers(filter: { nameContains: $s }) { totalCount } }","variables":{"s":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`),
      400,
      { code: 'BAD_USER_INPUT' },
    ],
    [
      'a list variable of 50,000 ids',
      async () =>
        raw(
          JSON.stringify({
            query: 'mutation($ids: [ID!]!) { approveTimeEntries(ids: $ids, idempotencyKey: "hostile") { id } }',
            variables: { ids: Array.from({ length: 50_000 }, (_, i) => `e${i}`) },
          }),
          await t.as('integrator'),
        ),
      200,
      { code: 'BAD_USER_INPUT', message: 'Invalid argument "ids": must list at most 500 ids' },
    ],
  ] as never;

  test.each(corpus)('%s: its own clear error, and the gateway still answers', async (_name, send, status, expected) => {
    const r = await send();
    expect(r.status).toBe(status);
    const error = r.json.errors[0];
    const { message, ...extensions } = expected as { message?: string };
    if (message) expect(error.message).toBe(message);
    expect(error.extensions).toMatchObject(extensions);
    await stillAnswers();
  });
});

describe('rate limit per caller', () => {
  let limited: TestStack;
  beforeAll(async () => {
    limited = await startTestStack({ customers: 5, workers: false, security: { rateLimit: { ratePerSecond: 1, burst: 3 } } });
  });
  afterAll(() => limited?.stop());

  test('a caller past its burst gets 429 with Retry-After; another caller is not affected', async () => {
    const alice = await limited.as('bi', { subject: 'alice@tandem.test' });
    const Q = '{ customers(first: 1) { totalCount } }';
    const statuses: number[] = [];
    let refusal: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(limited.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...alice }, body: JSON.stringify({ query: Q }) });
      statuses.push(res.status);
      if (res.status === 429) refusal ??= res;
      else await res.text();
    }
    // 3 at once, then refused (at most one token can have come back meanwhile)
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(Number(refusal!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refusal!.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', ratePerSecond: 1, burst: 3 });
    expect(body.errors[0].message).toMatch(/^Rate limit exceeded: at most 1 requests per second \(bursts of 3\) per caller; retry after \d+ s$/);
    const bob = await gql(limited.gatewayUrl, Q, undefined, await limited.as('bi', { subject: 'bob@tandem.test' }));
    expect(bob.status).toBe(200);
  });
});

describe('persisted queries, CSRF and CORS', () => {
  test('automatic persisted queries: an unknown hash asks for the text, then the hash alone runs it', async () => {
    const query = '{ customers(first: 1) { totalCount } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const ext = { persistedQuery: { version: 1, sha256Hash } };
    const miss = await raw(JSON.stringify({ extensions: ext }));
    expect(miss.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await raw(JSON.stringify({ query, extensions: ext }));
    expect(register.json.data.customers.totalCount).toBe(5);
    const hit = await raw(JSON.stringify({ extensions: ext }));
    expect(hit.status).toBe(200);
    expect(hit.json.data.customers.totalCount).toBe(5);
  });

  test('CSRF prevention: a simple (text/plain) POST is refused; only allowlisted origins get CORS headers', async () => {
    const csrf = await raw(JSON.stringify({ query: '{ customers(first: 1) { totalCount } }' }), { 'content-type': 'text/plain' });
    expect(csrf.status).toBe(400);
    expect(csrf.json.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    const preflight = await fetch(t.gatewayUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    await stillAnswers();
  });
});
