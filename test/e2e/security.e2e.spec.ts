/**
 * Governance through the gateway: who gets in (tokens), what each role may
 * read and do (the role × operation matrix), what a portal token sees (its
 * own customer only), that subgraphs answer only the gateway, and the audit
 * trail of it all.
 */
import { SignJWT, generateKeyPair } from 'jose';
import type { Customer, Invoice, Opportunity, Project, Resource } from '../../canonical-schema';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../runtime';
import { ROLES, type Role } from '../../subgraphs';
import { gql, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
/** Customer A (a child account, so that its parent B is one hop away) and B, with a project, an invoice and an opportunity each. */
let A: { customer: Customer; project: Project; invoice: Invoice; opportunity: Opportunity | undefined };
let B: { customer: Customer; project: Project | undefined; invoice: Invoice | undefined; opportunity: Opportunity | undefined };
let resource: Resource;
let tokens: Record<Role, Record<string, string>>;

const UNKNOWN = '00000000-0000-5000-8000-000000000000';

beforeAll(async () => {
  t = await startTestStack({ customers: 12, workers: false });
  const [customers, projects, invoices, opportunities, resources] = await Promise.all([
    t.adapters.CRM.listAll('customer'),
    t.adapters.ERP.listAll('project'),
    t.adapters.ERP.listAll('invoice'),
    t.adapters.CRM.listAll('opportunity'),
    t.adapters.PSA.listAll('resource'),
  ]);
  const child = customers.find((c) => c.parentId && projects.some((p) => p.customerId === c.id) && invoices.some((i) => i.customerId === c.id));
  if (!child) throw new Error('the seed world has no child account with a project and an invoice');
  A = {
    customer: child,
    project: projects.find((p) => p.customerId === child.id)!,
    invoice: invoices.find((i) => i.customerId === child.id)!,
    opportunity: opportunities.find((o) => o.customerId === child.id),
  };
  const parent = customers.find((c) => c.id === child.parentId)!;
  const other = customers.find((c) => c.id !== child.id && projects.some((p) => p.customerId === c.id) && invoices.some((i) => i.customerId === c.id))!;
  B = {
    customer: parent,
    project: projects.find((p) => p.customerId === other.id),
    invoice: invoices.find((i) => i.customerId === other.id),
    opportunity: opportunities.find((o) => o.customerId !== child.id),
  };
  resource = resources[0];
  tokens = Object.fromEntries(
    await Promise.all(ROLES.map(async (r) => [r, await t.as(r, { customerId: r === 'portal' ? A.customer.id : undefined })])),
  ) as Record<Role, Record<string, string>>;
}, 180_000); // a whole stack and five source lists: over 60 s on a loaded 2-core machine (CI once timed out)

afterAll(() => t?.stop());

describe('authentication at the gateway', () => {
  const Q = '{ customers(first: 1) { totalCount } }';
  const refused = async (authorization: string) => {
    const r = await gql(t.gatewayUrl, Q, undefined, { authorization });
    expect(r.status).toBe(401);
    expect(r.data).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
    return r.errors![0].message;
  };

  test('no token, a malformed one, alg none, a forged signature, an expired token and a wrong audience or issuer are refused with 401 saying why', async () => {
    expect(await refused('')).toBe('Authentication required: send an "Authorization: Bearer <token>" header');
    expect(await refused('Basic dXNlcjpwYXNz')).toBe('The Authorization header must be "Bearer <token>"');
    expect(await refused('Bearer not.a.jwt!')).toMatch(/^Invalid token: not a JWT/);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'mallory', roles: ['admin'], iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: now + 600 };
    expect(await refused(`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`)).toBe('Invalid token: algorithm "none" is not accepted (accepted: RS256, ES256)');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256', kid: t.security.devKeys!.privateJwk.kid }).setSubject('mallory').setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime('5m').sign(privateKey);
    expect(await refused(`Bearer ${forged}`)).toBe('Invalid token: signature verification failed');
    expect(await refused(`Bearer ${await t.token('admin', { ttlSeconds: -120 })}`)).toMatch(/^Invalid token: expired at /);
    // a real key, the wrong audience or issuer
    const { importJWK } = await import('jose');
    const devKey = await importJWK(t.security.devKeys!.privateJwk, 'ES256');
    const other = (iss: string, aud: string) => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256' }).setSubject('x').setIssuer(iss).setAudience(aud).setExpirationTime('5m').sign(devKey);
    expect(await refused(`Bearer ${await other(DEV_ISSUER, 'another-api')}`)).toBe(`Invalid token: audience "another-api" is not accepted (expected ${DEV_AUDIENCE})`);
    expect(await refused(`Bearer ${await other('https://evil.test/', DEV_AUDIENCE)}`)).toBe(`Invalid token: issuer "https://evil.test/" is not accepted (expected ${DEV_ISSUER})`);
  });

  test('the landing page still loads without a token, and a valid token answers', async () => {
    const page = await fetch(t.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Authorization header');
    const ok = await gql(t.gatewayUrl, Q, undefined, tokens.bi);
    expect(ok.status).toBe(200);
    expect(ok.data.customers.totalCount).toBe(12);
  });
});

/** One cell per role: what the role gets. */
type Cell = 'allowed' | 'denied';

/**
 * The role × operation matrix. Each query asks one sensitive field next to a
 * field every role may read (`resources { totalCount }`), so a denial shows as
 * that field null with FORBIDDEN while the rest still answers. Each mutation
 * names records that do not exist: a role allowed to call it gets past
 * authorization to the resolver's NOT_FOUND, a role that is not gets FORBIDDEN.
 */
const ROWS: { name: string; allowed: readonly Role[]; query: () => string; path: (string | number)[]; mutation?: boolean }[] = [
  { name: 'Customer.name', allowed: ROLES, query: () => `{ customer(id: "${A.customer.id}") { name } }`, path: ['customer', 'name'] },
  { name: 'Customer.taxId', allowed: ['finance'], query: () => `{ customer(id: "${A.customer.id}") { name taxId } }`, path: ['customer', 'taxId'] },
  { name: 'Resource.costRate', allowed: ['finance'], query: () => `{ resource(id: "${resource.id}") { name costRate { amount } } }`, path: ['resource', 'costRate'] },
  { name: 'Resource.email', allowed: ['account-team'], query: () => `{ resource(id: "${resource.id}") { name email } }`, path: ['resource', 'email'] },
  { name: 'Assignment.margin', allowed: ['finance'], query: () => `{ project(id: "${A.project.id}") { assignments { margin { amount } } } }`, path: ['project', 'assignments', 0, 'margin'] },
  { name: 'Query.syncTransactions', allowed: ['bi', 'account-team', 'integrator', 'finance', 'admin'], query: () => `{ syncTransactions(first: 1) { totalCount } }`, path: ['syncTransactions'] },
  { name: 'Query.integrationHealth', allowed: ['bi', 'account-team', 'integrator', 'finance', 'admin'], query: () => `{ integrationHealth { system } }`, path: ['integrationHealth'] },
  { name: 'Query.operationalMetrics', allowed: ['bi', 'account-team', 'integrator', 'finance', 'admin'], query: () => `{ operationalMetrics { deadLettered } }`, path: ['operationalMetrics'] },
  { name: 'Query.auditLog', allowed: ['admin'], query: () => `{ auditLog(first: 1) { edges { node { id } } } }`, path: ['auditLog'] },
  ...(
    [
      ['upsertCustomer', `upsertCustomer(input: { id: "${UNKNOWN}", name: "X", currency: "USD" }, idempotencyKey: "m-1")`],
      ['convertOpportunity', `convertOpportunity(opportunityId: "${UNKNOWN}", idempotencyKey: "m-2")`],
      ['approveChangeOrder', `approveChangeOrder(input: { projectId: "${UNKNOWN}", budgetDelta: { amount: "10.00", currency: "USD" }, description: "x" }, idempotencyKey: "m-3")`],
      ['assignResource', `assignResource(input: { projectId: "${UNKNOWN}", resourceId: "${UNKNOWN}", role: "x", plannedHours: 8 }, idempotencyKey: "m-4")`],
      ['submitTimeEntries', `submitTimeEntries(entries: [{ resourceId: "${UNKNOWN}", projectId: "${UNKNOWN}", date: "2026-01-05", hours: 1, billable: true }], idempotencyKey: "m-5")`],
      ['approveTimeEntries', `approveTimeEntries(ids: ["${UNKNOWN}"], idempotencyKey: "m-6")`],
      ['generateInvoices', `generateInvoices(projectId: "${UNKNOWN}", periodEnd: "2026-01-31", idempotencyKey: "m-7")`],
    ] as const
  ).map(([name, call]) => ({ name: `Mutation.${name}`, allowed: ['integrator'] as Role[], query: () => `mutation { ${call} { id } }`, path: [name], mutation: true })),
  { name: 'Mutation.recordPayment', allowed: ['finance'], query: () => `mutation { recordPayment(invoiceId: "${UNKNOWN}", amount: "1.00", idempotencyKey: "m-8") { id } }`, path: ['recordPayment'], mutation: true },
  { name: 'Mutation.replaySyncTransaction', allowed: ['admin'], query: () => `mutation { replaySyncTransaction(id: "${UNKNOWN.replace('5000', '4000')}") { id } }`, path: ['replaySyncTransaction'], mutation: true },
];

describe('the role × operation matrix', () => {
  test.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const cells: Record<string, Cell> = {};
    const expected: Record<string, Cell> = {};
    for (const role of ROLES) {
      expected[role] = row.allowed.includes(role) ? 'allowed' : 'denied';
      const query = row.mutation ? row.query() : row.query().replace(/^\{/, '{ resources(first: 1) { totalCount }');
      const r = await gql(t.gatewayUrl, query, undefined, tokens[role]);
      expect(r.status).toBe(200);
      const forbidden = (r.errors ?? []).filter((e) => e.extensions?.code === 'FORBIDDEN');
      if (forbidden.length > 0) {
        cells[role] = 'denied';
        // denied: that field is null with FORBIDDEN naming it, the rest still answers
        expect(forbidden[0].path).toEqual(row.path);
        expect(forbidden[0].message).toMatch(row.name.startsWith('Mutation') ? /needs the (sync|payments|ops):\w+ scope/ : /needs the [\w:]+( or [\w:]+)* scope/);
        if (!row.mutation) expect(r.data.resources.totalCount).toBeGreaterThan(0);
        let value: any = r.data;
        for (const key of row.path) value = value?.[key];
        expect(value ?? null).toBeNull();
      } else {
        cells[role] = 'allowed';
        if (row.mutation) expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
        else expect(r.errors).toBeUndefined();
      }
    }
    expect(cells).toEqual(expected);
  });
});

describe('a portal token sees its own customer only', () => {
  const portal = () => tokens.portal;

  test('by id: its customer, project, invoice and opportunity answer; another customer’s are null with FORBIDDEN', async () => {
    const own = await gql(
      t.gatewayUrl,
      `query($c: ID!, $p: ID!, $i: ID!) { customer(id: $c) { id name } project(id: $p) { id } invoice(id: $i) { id customer { id } } }`,
      { c: A.customer.id, p: A.project.id, i: A.invoice.id },
      portal(),
    );
    expect(own.errors).toBeUndefined();
    expect(own.data).toMatchObject({ customer: { id: A.customer.id }, project: { id: A.project.id }, invoice: { id: A.invoice.id, customer: { id: A.customer.id } } });

    const other = await gql(
      t.gatewayUrl,
      `query($c: ID!, $p: ID!, $i: ID!) { customer(id: $c) { name } project(id: $p) { name } invoice(id: $i) { number } mine: customer(id: "${A.customer.id}") { name } }`,
      { c: B.customer.id, p: B.project!.id, i: B.invoice!.id },
      portal(),
    );
    expect(other.data).toEqual({ customer: null, project: null, invoice: null, mine: { name: A.customer.name } });
    expect(other.errors!.map((e) => [e.path?.[0], e.extensions?.code]).sort()).toEqual([
      ['customer', 'FORBIDDEN'],
      ['invoice', 'FORBIDDEN'],
      ['project', 'FORBIDDEN'],
    ]);
    expect(other.errors!.find((e) => e.path?.[0] === 'customer')!.message).toBe(
      `customer ${B.customer.id} belongs to another customer; this portal token only sees customer ${A.customer.id}`,
    );
    if (B.opportunity) {
      const opp = await gql(t.gatewayUrl, `{ opportunity(id: "${B.opportunity.id}") { name } }`, undefined, portal());
      expect(opp.data.opportunity).toBeNull();
      expect(opp.errors![0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  test('by list: customers lists its own customer alone', async () => {
    const r = await gql(t.gatewayUrl, `{ customers(first: 50) { totalCount edges { node { id } } } }`, undefined, portal());
    expect(r.errors).toBeUndefined();
    expect(r.data.customers).toEqual({ totalCount: 1, edges: [{ node: { id: A.customer.id } }] });
    const filtered = await gql(t.gatewayUrl, `{ customers(first: 50, filter: { nameContains: "zzz-no-such" }) { totalCount edges { node { id } } } }`, undefined, portal());
    expect(filtered.data.customers).toEqual({ totalCount: 0, edges: [] });
  });

  test('through an entity reference: its customer’s parent (another customer) is null with FORBIDDEN, through the gateway and asked of the subgraph directly', async () => {
    const r = await gql(t.gatewayUrl, `{ customer(id: "${A.customer.id}") { name parent { name } projects { id } } }`, undefined, portal());
    expect(r.data.customer.name).toBe(A.customer.name);
    expect(r.data.customer.parent).toBeNull();
    expect(r.data.customer.projects.map((p: { id: string }) => p.id)).toContain(A.project.id);
    expect(r.errors).toEqual([expect.objectContaining({ path: ['customer', 'parent'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);

    // _entities as the gateway would send it for this caller: each subgraph refuses B's rows
    const headers = await t.gatewayHeaders({ sub: 'portal@tandem.test', roles: ['portal'], customerId: A.customer.id, auth: 'bearer' });
    const entities = (type: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { id } } }`;
    for (const [subgraph, rep] of [
      ['customer', { __typename: 'Customer', id: B.customer.id }],
      ['project', { __typename: 'Customer', id: B.customer.id }],
      ['project', { __typename: 'Project', id: B.project!.id }],
      ['billing', { __typename: 'Invoice', id: B.invoice!.id }],
      ['billing', { __typename: 'Project', id: B.project!.id }],
      ['resource', { __typename: 'Project', id: B.project!.id }],
    ] as const) {
      const direct = await gql(t.subgraphs[subgraph].url, entities(rep.__typename), { r: [rep, { __typename: rep.__typename, id: rep.__typename === 'Customer' ? A.customer.id : rep.__typename === 'Project' ? A.project.id : A.invoice.id }] }, headers);
      expect({ subgraph, rep: rep.__typename, own: direct.data?._entities?.[1]?.id, other: direct.data?._entities?.[0] ?? null, code: direct.errors?.[0]?.extensions?.code }).toEqual({
        subgraph,
        rep: rep.__typename,
        own: rep.__typename === 'Customer' ? A.customer.id : rep.__typename === 'Project' ? A.project.id : A.invoice.id,
        other: null,
        code: 'FORBIDDEN',
      });
    }
  });

  test('a portal token without a customerId sees no customer at all', async () => {
    const r = await gql(t.gatewayUrl, `{ customers(first: 5) { totalCount } customer(id: "${A.customer.id}") { name } }`, undefined, await t.as('portal'));
    expect(r.data).toEqual({ customers: { totalCount: 0 }, customer: null });
    expect(r.errors![0].message).toMatch(/this portal token names no customer/);
  });
});

describe('subgraphs answer only the gateway', () => {
  test('a direct call without the gateway’s token, or with a forged or expired one, is 401; with it, it answers', async () => {
    const url = t.subgraphs.customer.url;
    const Q = '{ customers(first: 1) { totalCount } }';
    const without = await gql(url, Q);
    expect(without.status).toBe(401);
    expect(without.errors![0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(without.errors![0].message).toMatch(/only answers requests forwarded by the gateway: the x-gateway-token header is missing/);
    // a bearer token for the gateway is not a gateway token
    const bearer = await gql(url, Q, undefined, tokens.admin);
    expect(bearer.status).toBe(401);
    const { createInternalTokenSigner } = await import('../../gateway');
    const forged = await createInternalTokenSigner({ secret: 'not-the-secret-but-32-bytes-long!!' }).sign({ sub: 'mallory', roles: ['admin'], auth: 'bearer' });
    const bad = await gql(url, Q, undefined, { 'x-gateway-token': forged });
    expect(bad.status).toBe(401);
    expect(bad.errors![0].message).toMatch(/x-gateway-token header is not valid \(signature verification failed\)/);
    const expired = await createInternalTokenSigner({ secret: t.security.devKeys!.internalTokenSecret, ttlSeconds: 5 }).sign({ sub: 'x', auth: 'bearer' }, { notAfterMs: Date.now() - 60_000 });
    expect((await gql(url, Q, undefined, { 'x-gateway-token': expired })).status).toBe(401);
    const ok = await gql(url, Q, undefined, await t.gatewayHeaders());
    expect(ok.status).toBe(200);
    expect(ok.data.customers.totalCount).toBe(12);
  });

  test('the in-process path checks the same token: without it the subgraph answers UNAUTHENTICATED', async () => {
    const r = await t.subgraphs.customer.execute({ query: '{ customers(first: 1) { totalCount } }' }, {});
    expect(r.data).toBeNull();
    expect(r.errors).toEqual([{ message: expect.stringMatching(/x-gateway-token header is missing/), extensions: { code: 'UNAUTHENTICATED' } }]);
    const ok = await t.subgraphs.customer.execute({ query: '{ customers(first: 1) { totalCount } }' }, await t.gatewayHeaders());
    expect(ok.data).toEqual({ customers: { totalCount: 12 } });
  });
});

describe('audit', () => {
  test('mutations (arguments with secrets redacted), replays and denied access are recorded with the verified caller; only admin reads them', async () => {
    const integrator = await t.as('integrator', { subject: 'audit-integrator@tandem.test' });
    const m = await gql(
      t.gatewayUrl,
      `mutation($input: CustomerInput!) { upsertCustomer(input: $input, idempotencyKey: "audit-1") { id } }`,
      { input: { name: 'Audited Ltd', currency: 'EUR', taxId: 'DE-AUDIT-999', billingAddress: { line1: '1 Main St', city: 'Berlin', country: 'DE' } } },
      integrator,
    );
    expect(m.errors).toBeUndefined();
    const bi = await t.as('bi', { subject: 'audit-bi@tandem.test' });
    await gql(t.gatewayUrl, `{ customer(id: "${A.customer.id}") { taxId } }`, undefined, bi);
    await gql(t.gatewayUrl, `mutation { replaySyncTransaction(id: "${m.data.upsertCustomer.id}") { id } }`, undefined, await t.as('admin', { subject: 'audit-admin@tandem.test' }));

    const q = `query($caller: String) { auditLog(first: 10, caller: $caller) { edges { node { kind caller roles operation arguments outcome detail transactionId requestId } } } }`;
    const byCaller = async (caller: string) => {
      const r = await gql(t.gatewayUrl, q, { caller }, tokens.admin);
      expect(r.errors).toBeUndefined();
      return r.data.auditLog.edges.map((e: { node: unknown }) => e.node);
    };
    const [mutation] = await byCaller('audit-integrator@tandem.test');
    expect(mutation).toMatchObject({ kind: 'MUTATION', roles: ['integrator'], operation: 'Mutation.upsertCustomer', outcome: 'ok', transactionId: m.data.upsertCustomer.id });
    expect(JSON.parse(mutation.arguments)).toMatchObject({ idempotencyKey: 'audit-1', input: { name: 'Audited Ltd', taxId: '[REDACTED]' } });
    expect(mutation.arguments).not.toContain('DE-AUDIT-999');
    const [denied] = await byCaller('audit-bi@tandem.test');
    expect(denied).toMatchObject({ kind: 'DENIED', roles: ['bi'], operation: 'Customer.taxId', outcome: 'FORBIDDEN', detail: 'Customer.taxId needs the finance:read scope, which role bi does not grant' });
    const [replay] = await byCaller('audit-admin@tandem.test');
    expect(replay).toMatchObject({ kind: 'REPLAY', operation: 'Mutation.replaySyncTransaction', outcome: 'NOT_REPLAYABLE' });

    const notAdmin = await gql(t.gatewayUrl, q, { caller: 'audit-bi@tandem.test' }, tokens.finance);
    expect(notAdmin.data.auditLog).toBeNull();
    expect(notAdmin.errors![0].extensions?.code).toBe('FORBIDDEN');
  });
});

test('errors reach the client without stack traces', async () => {
  const r = await gql(t.gatewayUrl, `{ customer(id: "${A.customer.id}") { taxId } }`, undefined, tokens.bi);
  expect(r.errors![0].extensions?.code).toBe('FORBIDDEN');
  expect(JSON.stringify(r.errors)).not.toMatch(/stacktrace|\.ts:\d+|\.js:\d+/);
});
