/**
 * The production posture: NODE_ENV=production turns introspection off, and
 * safelist mode runs only registered operations (by hash or exact text);
 * nothing can be registered at run time.
 */
import { sha256Hex } from '../../gateway';
import { gql, startTestStack, type TestStack } from '../support/stack';

const REGISTERED = 'query Count { customers(first: 1) { totalCount } }';
const INTROSPECTION = 'query Schema { __schema { queryType { name } } }';

let t: TestStack;
let auth: Record<string, string>;
const post = (body: unknown) =>
  fetch(t.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

beforeAll(async () => {
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const safelist = new Map([REGISTERED, INTROSPECTION].map((q) => [sha256Hex(q), q]));
    t = await startTestStack({ customers: 5, workers: false, security: { persistedQueries: { mode: 'safelist', safelist } } });
  } finally {
    process.env.NODE_ENV = env;
  }
  auth = await t.as('bi');
});
afterAll(() => t?.stop());

test('a registered operation runs by its exact text or by its hash alone', async () => {
  const byText = await post({ query: REGISTERED });
  expect(byText.status).toBe(200);
  expect(byText.json.data.customers.totalCount).toBe(5);
  const byHash = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(REGISTERED) } } });
  expect(byHash.json.data.customers.totalCount).toBe(5);
});

test('anything else is OPERATION_NOT_IN_SAFELIST, and cannot be registered', async () => {
  const other = '{ customers(first: 2) { totalCount } }';
  const refused = await post({ query: other });
  expect(refused.status).toBe(400);
  expect(refused.json.errors[0].extensions).toMatchObject({ code: 'OPERATION_NOT_IN_SAFELIST', queryHash: sha256Hex(other) });
  const register = await post({ query: other, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(other) } } });
  expect(register.json.errors[0].extensions.code).toBe('OPERATION_NOT_IN_SAFELIST');
  const afterwards = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(other) } } });
  expect(afterwards.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
});

test('introspection is off in production, even for a registered introspection query', async () => {
  const r = await gql(t.gatewayUrl, INTROSPECTION, undefined, auth);
  expect(r.status).toBe(400);
  expect(r.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(r.errors![0].message).toMatch(/introspection is not allowed/);
});
