/**
 * Subscriptions end to end on the embedded default (in-process bus), with a
 * real graphql-ws client against the gateway of a whole Tandem with workers.
 */
import WebSocket from 'ws';
import type { Invoice } from '../../canonical-schema';
import { createGatewaySecurity, startGateway, type RunningGateway } from '../../gateway';
import { createLogger } from '../../lib';
import { defaultAuthorizationFor, gql, startTestStack, type TestStack } from '../support/stack';
import { connectClient, waitFor, wsUrl, type TestClient, type TestSubscription } from '../support/subscriptions';
import { settled } from './workflows.support';

let t: TestStack;
const clients: TestClient[] = [];
const seenInits: Record<string, unknown>[] = [];

/** a client the suite disposes at the end */
function client(options?: Parameters<typeof connectClient>[1]): TestClient {
  const c = connectClient(t.gatewayUrl, options);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  t = await startTestStack({
    workers: true,
    customers: 10,
    // keep-alive pings every 60 s: a client that stops reading cannot answer them, and would be cut off by
    // them (1006) before its buffer overflows in the slow-subscriber test
    subscriptions: { subscriberBuffer: 100, maxSubscriptionsPerConnection: 5, connectionInitTimeoutMs: 2000, keepAliveMs: 60_000 },
    onConnect: ({ headers, connectionParams }) => {
      seenInits.push({ ...connectionParams, forwarded: headers.authorization });
      if (headers.authorization === 'Bearer refused') throw new Error('token refused by the test hook');
    },
  });
}, 180_000);

// every test starts with no subscription on the gateway, so counting them says when a test's are live
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose().catch(() => undefined)));
  await waitFor('every subscription gone', () => t.gateway.subscriptions!.stats().subscriptions === 0, 30_000, () => t.gateway.subscriptions!.stats());
});

afterAll(async () => {
  await t?.stop();
});

interface InvoiceRow {
  id: string;
  status: string;
  customerId: string;
}

/** Invoices in the store with a customer, by customer */
async function invoicesByCustomer(): Promise<Map<string, Invoice[]>> {
  const rows = await t.store.raw<{ id: string }>(`SELECT id FROM invoice ORDER BY id`);
  const values = [...(await t.store.getMany('invoice', rows.map((r) => r.id))).values()].map((r) => r.value);
  const by = new Map<string, Invoice[]>();
  for (const v of values) by.set(v.customerId, [...(by.get(v.customerId) ?? []), v]);
  return by;
}

/** Changes an invoice's status in the canonical store, as a workflow's cache refresh or a read-through would. */
async function setStatus(invoice: Invoice, status: Invoice['status']): Promise<void> {
  const current = (await t.store.getMany('invoice', [invoice.id])).get(invoice.id)!.value;
  await t.store.putMany('invoice', [{ ...current, status }], 'ERP');
}

const statuses = (s: TestSubscription) => s.received.map((r) => r.data?.invoiceStatusChanged?.status);

test('an invoice status change reaches its subscribers with the selection resolved across subgraphs, filtered by customer', async () => {
  const by = await invoicesByCustomer();
  // the first invoice of two customers that is neither BLOCKED nor VOID yet (the seed world follows today's date), so both changes below are changes
  const changeable = [...by.entries()].flatMap(([c, list]) => list.filter((i) => i.status !== 'BLOCKED' && i.status !== 'VOID').slice(0, 1).map((i) => [c, i] as const));
  const [[c1, inv1], [c2, inv2]] = changeable;
  const a = client();
  const mine = a.subscribe(
    `subscription($c: ID) { invoiceStatusChanged(customerId: $c) {
       id number status balance { amount currency }
       customer { id name arBalance { amount } }
       project { code assignments { resource { name } } }
     } }`,
    { c: c1 },
  );
  const all = client().subscribe(`subscription { invoiceStatusChanged { id status customer { id } } }`);
  await waitFor('both subscriptions acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 2);

  await setStatus(inv2 as Invoice, 'VOID');
  await setStatus(inv1 as Invoice, 'BLOCKED');
  await waitFor('the unfiltered subscriber got both', () => all.received.length >= 2, 30_000, () => all);
  await waitFor('the filtered subscriber got its one', () => mine.received.length >= 1, 30_000, () => mine);

  expect(all.received.map((r) => r.data.invoiceStatusChanged.id)).toEqual([inv2.id, inv1.id]);
  expect(mine.received).toHaveLength(1);
  const e = mine.received[0];
  expect(e.errors).toBeUndefined();
  expect(e.data.invoiceStatusChanged).toMatchObject({ id: inv1.id, status: 'BLOCKED', customer: { id: c1 } });
  expect(typeof e.data.invoiceStatusChanged.customer.name).toBe('string');
  expect(e.data.invoiceStatusChanged.balance.amount).toMatch(/^\d+\.\d{2}$/);
  expect(e.extensions.cursor).toMatch(/^\d+$/);
  expect(e.extensions.event).toMatchObject({ type: 'invoice.status-changed.v1', payload: { invoiceId: inv1.id, customerId: c1, to: 'BLOCKED' } });
  expect(Number(all.received[1].extensions.cursor)).toBeGreaterThan(Number(all.received[0].extensions.cursor));
  expect(c2).not.toBe(c1);
});

test('recordPayment through the gateway: the invoice events follow the payments in order, and syncTransactionUpdated follows the transactions', async () => {
  const by = await invoicesByCustomer();
  // two open invoices the first test did not touch (it changed the first invoice of each customer in the cache only)
  const [x, y] = [...by.values()].flatMap((list) => list.slice(1)).filter((i) => ['OVERDUE', 'PARTIALLY_PAID'].includes(i.status) && Number(i.balance.amount) > 0);
  expect(y).toBeDefined();
  const c = client();
  const inv = c.subscribe(`subscription { invoiceStatusChanged { id status balance { amount } customer { id } } }`);
  const txs = c.subscribe(`subscription { syncTransactionUpdated(workflow: "payment") { id workflow status } }`);
  await waitFor('subscriptions acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 2);

  const payInFull = async (invoice: Invoice) => {
    const r = await gql(t.gatewayUrl, `mutation($i: ID!, $a: Decimal!, $k: String!) { recordPayment(invoiceId: $i, amount: $a, idempotencyKey: $k) { id } }`, {
      i: invoice.id,
      a: invoice.balance.amount,
      k: `subs-e2e-pay-${invoice.id}`,
    });
    expect(r.errors).toBeUndefined();
    const done = await settled(t, r.data.recordPayment.id);
    expect(done.status).toBe('SUCCEEDED');
    return done.id;
  };
  const first = await payInFull(x);
  const second = await payInFull(y);

  const ours = () => inv.received.filter((r) => [x.id, y.id].includes(r.data.invoiceStatusChanged.id));
  await waitFor('both invoice events', () => ours().length >= 2, 30_000, () => inv.received);
  expect(ours().map((r) => [r.data.invoiceStatusChanged.id, r.data.invoiceStatusChanged.status, r.data.invoiceStatusChanged.balance.amount])).toEqual([
    [x.id, 'PAID', '0.00'],
    [y.id, 'PAID', '0.00'],
  ]);
  expect(ours().map((r) => r.extensions.event!.payload)).toEqual([
    { invoiceId: x.id, customerId: x.customerId, from: x.status, to: 'PAID' },
    { invoiceId: y.id, customerId: y.customerId, from: y.status, to: 'PAID' },
  ]);
  expect(ours()[0].data.invoiceStatusChanged.customer.id).toBe(x.customerId);

  const statusesOf = (id: string) => txs.received.filter((r) => r.data.syncTransactionUpdated.id === id).map((r) => r.data.syncTransactionUpdated.status);
  await waitFor('both transactions SUCCEEDED', () => statusesOf(second).length >= 3, 30_000, () => txs.received);
  // data is the transaction as it is when the event is delivered; extensions.event says what changed
  const changes = (id: string) => txs.received.filter((r) => r.data.syncTransactionUpdated.id === id).map((r) => r.extensions.event!.payload.status);
  for (const id of [first, second]) expect(changes(id)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
  expect(statusesOf(second).at(-1)).toBe('SUCCEEDED');
  expect(txs.received.every((r) => r.data.syncTransactionUpdated.workflow === 'payment')).toBe(true);
});

test('fast changes to one invoice arrive in commit order, each once, at every subscriber', async () => {
  const invoice = [...(await invoicesByCustomer()).values()].flat()[3];
  const subs = [0, 1, 2].map(() => client().subscribe(`subscription { invoiceStatusChanged { id status } }`));
  const mine = (s: TestSubscription) => s.received.filter((r) => r.data.invoiceStatusChanged.id === invoice.id);
  await waitFor('subscriptions acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 3);
  const cycle: Invoice['status'][] = ['OVERDUE', 'PARTIALLY_PAID', 'BLOCKED', 'ISSUED'];
  const current = (await t.store.getMany('invoice', [invoice.id])).get(invoice.id)!.value.status;
  if (cycle[0] === current) cycle.push(cycle.shift()!);
  // back to back, without waiting for any event: each a change from the one before
  for (let i = 0; i < 20; i++) await setStatus(invoice, cycle[i % 4]);
  await waitFor('20 events at every subscriber', () => subs.every((s) => mine(s).length >= 20), 30_000, () => subs.map((s) => mine(s).length));
  const committed = (
    await t.store.raw<{ to: string }>(`SELECT payload->>'to' AS to FROM domain_event WHERE key = $1 AND type = 'invoice.status-changed.v1' ORDER BY seq DESC LIMIT 20`, invoice.id)
  ).map((r) => r.to).reverse();
  expect(committed).toEqual(Array.from({ length: 20 }, (_, i) => cycle[i % 4]));
  for (const s of subs) {
    // the change each event carries, in commit order (data is the invoice as it is when delivered)
    expect(mine(s).map((r) => r.extensions.event!.payload.to)).toEqual(committed);
    const cursors = mine(s).map((r) => Number(r.extensions.cursor));
    expect([...cursors].sort((a, b) => a - b)).toEqual(cursors);
    expect(new Set(cursors).size).toBe(cursors.length);
  }
  for (const s of subs) s.unsubscribe();
});

test('a project status change reaches projectStatusChanged', async () => {
  const [row] = await t.store.raw<{ id: string }>(`SELECT id FROM project ORDER BY id LIMIT 1`);
  const project = (await t.store.getMany('project', [row.id])).get(row.id)!.value;
  const s = client().subscribe(`subscription($c: ID) { projectStatusChanged(customerId: $c) { id code status customer { id name } } }`, { c: project.customerId });
  await waitFor('subscription acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 1);
  const next = project.status === 'ON_HOLD' ? 'ACTIVE' : 'ON_HOLD';
  await t.store.putMany('project', [{ ...project, status: next }], 'ERP');
  await waitFor('the project event', () => s.received.length >= 1, 30_000, () => s.received);
  expect(s.received[0].data.projectStatusChanged).toMatchObject({ id: project.id, code: project.code, status: next, customer: { id: project.customerId } });
  expect(s.received[0].extensions.event).toMatchObject({ type: 'project.status-changed.v1', payload: { from: project.status, to: next } });
  s.unsubscribe();
});

test('reconnecting with since receives exactly the events missed, in order, then live ones', async () => {
  const [a, b] = [...(await invoicesByCustomer()).values()].flat().slice(5, 7);
  const first = client();
  const s1 = first.subscribe(`subscription { invoiceStatusChanged { id status } }`);
  await waitFor('subscription acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 1);
  await setStatus(a, 'BLOCKED');
  await waitFor('the first event', () => s1.received.some((r) => r.data.invoiceStatusChanged.id === a.id), 30_000, () => s1.received);
  const cursor = s1.received.filter((r) => r.data.invoiceStatusChanged.id === a.id).at(-1)!.extensions.cursor;
  await first.dispose();

  // missed while away
  await setStatus(a, 'OVERDUE');
  await setStatus(b, 'VOID');
  await setStatus(a, 'ISSUED');
  await waitFor('the relay sequenced the missed events', async () => (await t.store.raw(`SELECT 1 FROM domain_event WHERE seq IS NULL`)).length === 0);
  const missedCursors = (
    await t.store.raw<{ seq: number }>(
      `SELECT seq::float8 AS seq FROM domain_event WHERE type = 'invoice.status-changed.v1' AND seq > $1 AND key = ANY($2::text[]) ORDER BY seq`,
      Number(cursor),
      [a.id, b.id],
    )
  ).map((r) => String(r.seq));
  expect(missedCursors).toHaveLength(3);

  const s2 = client().subscribe(`subscription($since: String) { invoiceStatusChanged(since: $since) { id status } }`, { since: cursor });
  await waitFor('the missed events', () => s2.received.length >= 3, 30_000, () => s2.received);
  // what changed, in order; data is each invoice as it is now (a: ISSUED, b: VOID)
  expect(s2.received.slice(0, 3).map((r) => [r.data.invoiceStatusChanged.id, r.extensions.event!.payload.to, r.data.invoiceStatusChanged.status])).toEqual([
    [a.id, 'OVERDUE', 'ISSUED'],
    [b.id, 'VOID', 'VOID'],
    [a.id, 'ISSUED', 'ISSUED'],
  ]);
  expect(s2.received.slice(0, 3).map((r) => r.extensions.cursor)).toEqual(missedCursors);
  await setStatus(b, 'ISSUED');
  await waitFor('then a live one', () => s2.received.length >= 4, 30_000, () => s2.received);
  expect(s2.received.map((r) => r.extensions.event!.payload.to)).toEqual(['OVERDUE', 'VOID', 'ISSUED', 'ISSUED']);
  expect(new Set(s2.received.map((r) => r.extensions.cursor)).size).toBe(4);
  s2.unsubscribe();
});

test('a cursor the stream cannot resume from: CURSOR_EXPIRED when too old, BAD_CURSOR when not a cursor or ahead of the stream', async () => {
  const c = client();
  const errorOf = async (since: string) => {
    const s = c.subscribe(`subscription($since: String) { invoiceStatusChanged(since: $since) { id } }`, { since });
    await s.ended;
    expect(s.received).toEqual([]);
    return (s.errors[0] as { message: string; extensions: Record<string, unknown> }[])[0];
  };
  expect(await errorOf('abc')).toMatchObject({ extensions: { code: 'BAD_CURSOR', argumentName: 'since' } });
  expect((await errorOf('999999999')).extensions.code).toBe('BAD_CURSOR');
  // the retention passes over the first events (as the relay's prune does after TANDEM_EVENTS_RETENTION_HOURS)
  await t.store.raw(`DELETE FROM domain_event WHERE seq <= 3`);
  const expired = await errorOf('1');
  expect(expired).toMatchObject({ extensions: { code: 'CURSOR_EXPIRED', argumentName: 'since' } });
  expect(expired.message).toMatch(/no longer holds the events after cursor 1/);
  // the connection is fine: a good subscription still works
  const ok = c.subscribe(`subscription { invoiceStatusChanged { id } }`);
  await waitFor('subscription acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 1);
  ok.unsubscribe();
});

const p50 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;

test('a subscriber that stops reading is closed with 4008 and the cursor to resume from; the others keep their latency', async () => {
  const all = [...(await invoicesByCustomer()).values()].flat();
  const fastClient = client();
  const fast = fastClient.subscribe(`subscription { invoiceStatusChanged { id status } }`);
  await waitFor('the fast subscription acknowledged', () => t.gateway.subscriptions!.stats().subscriptions === 1);
  const latency = (from: number) => fast.received.slice(from).map((r) => r.at - Date.parse(r.extensions.event!.occurredAt));

  let round = 0;
  const flipAll = async () => {
    const status: Invoice['status'] = round++ % 2 === 0 ? 'BLOCKED' : 'OVERDUE';
    const current = [...(await t.store.getMany('invoice', all.map((i) => i.id))).values()].map((r) => r.value);
    await t.store.putMany('invoice', current.map((v) => ({ ...v, status })), 'ERP');
  };
  /** invoice events committed after position `after` (once the relay has sequenced them) */
  const committedSince = async (after: number) => {
    await t.events.relay!.flush();
    const [r] = await t.store.raw<{ n: number }>(`SELECT count(*)::int AS n FROM domain_event WHERE seq > $1 AND type = 'invoice.status-changed.v1'`, after);
    return Number(r.n);
  };
  const start = (await t.events.stream!.head()).last;
  // baseline: the fast subscriber alone
  for (let i = 0; i < 4; i++) await flipAll();
  const baselineEvents = await committedSince(start);
  expect(baselineEvents).toBeGreaterThanOrEqual(3 * all.length);
  await waitFor('the baseline events', () => fast.received.length >= baselineEvents, 60_000, () => fast.received.length);
  const baseline = p50(latency(0));

  // a subscriber with big events (its selection ten times over, by aliases, so that the kernel's socket
  // buffers fill within a few rounds) joins and stops reading at once
  const parts = Array.from({ length: 10 }, (_, i) => `l${i}: lines { description hours amount { amount currency } } c${i}: customer { id name legalName billingAddress { line1 city country } }`);
  const slowClient = client();
  const slow = slowClient.subscribe(`subscription { invoiceStatusChanged { id number status ${parts.join(' ')} } }`);
  await waitFor('the slow subscription acknowledged', () => t.gateway.subscriptions!.stats().subscriptions === 2 && slowClient.socket() !== undefined);
  slowClient.socket()!.pause();
  const before = fast.received.length;
  const closedByServer = () => t.gateway.subscriptions!.stats().slowClosed > 0;
  const roundsBefore = round;
  for (let i = 0; i < 100 && !closedByServer(); i++) {
    await flipAll();
    // at the pace of the subscriber that reads (the writes share this process's event loop with it)
    const committed = await committedSince(start);
    await waitFor('the fast subscriber to keep up', () => fast.received.length >= committed || closedByServer(), 60_000, () => [fast.received.length, committed]);
  }
  await waitFor('the server to close the slow subscriber', closedByServer, 30_000, () => [round - roundsBefore, t.gateway.subscriptions!.stats()]);
  // reading again, the client finds what was sent before, then the close
  slowClient.socket()!.resume();
  await waitFor('the slow client to see the close', () => slowClient.closes.length > 0, 30_000);
  expect(slowClient.closes[0].code).toBe(4008);
  expect(slowClient.closes[0].reason).toMatch(/^Subscriber too slow: over 100 events waiting\. Resume with since: "\d*"$/);
  expect(slow.errors).toHaveLength(1);
  expect(fastClient.closes).toEqual([]);
  expect(fast.errors).toEqual([]);

  // the fast one got every event, in order, at about its usual latency
  const expected = await committedSince(start);
  await waitFor('the fast subscriber got every event', () => fast.received.length >= expected, 60_000, () => [fast.received.length, expected]);
  expect(fast.received.length).toBe(expected);
  const cursors = fast.received.map((r) => Number(r.extensions.cursor));
  expect(new Set(cursors).size).toBe(cursors.length);
  expect([...cursors].sort((x, y) => x - y)).toEqual(cursors);
  const during = p50(latency(before));
  expect(during).toBeLessThan(Math.max(5 * baseline, 1000));
}, 180_000);

test('a portal token for customer A gets only A’s events: no filter means its own customer, another customer or the sync feed is FORBIDDEN', async () => {
  const by = await invoicesByCustomer();
  const [[a, invA], [b, invB]] = [...by.entries()].filter(([, list]) => list.length > 0).map(([c, list]) => [c, list[0]] as const);
  const portal = client({ connectionParams: { authorization: `Bearer ${await t.token('portal', { customerId: a })}` } });
  const errorsOf = async (query: string, variables?: Record<string, unknown>) => {
    const s = portal.subscribe(query, variables);
    await s.ended;
    return s.errors[0] as { message: string; extensions: Record<string, unknown> }[];
  };
  const other = await errorsOf(`subscription($c: ID) { invoiceStatusChanged(customerId: $c) { id } }`, { c: b });
  expect(other[0].extensions.code).toBe('FORBIDDEN');
  expect(other[0].message).toContain(`only sees the events of customer ${a}`);
  const projects = await errorsOf(`subscription($c: ID) { projectStatusChanged(customerId: $c) { id } }`, { c: b });
  expect(projects[0].extensions.code).toBe('FORBIDDEN');
  const sync = await errorsOf(`subscription { syncTransactionUpdated { id status } }`);
  expect(sync[0].extensions.code).toBe('FORBIDDEN');
  expect(sync[0].message).toMatch(/ops:read/);

  // unfiltered and filtered to itself: the portal's own customer only, while a staff subscriber sees both
  const mine = portal.subscribe(`subscription { invoiceStatusChanged { id status customer { id } } }`);
  const mineFiltered = portal.subscribe(`subscription($c: ID) { invoiceStatusChanged(customerId: $c) { id } }`, { c: a });
  const staff = client().subscribe(`subscription { invoiceStatusChanged { id } }`);
  await waitFor('three subscriptions acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 3);
  // a status each invoice does not have now (earlier tests changed some): every change is an event
  const flip = async (inv: Invoice) => {
    const now = (await t.store.getMany('invoice', [inv.id])).get(inv.id)!.value.status;
    await setStatus(inv, now === 'BLOCKED' ? 'VOID' : 'BLOCKED');
  };
  await flip(invB as Invoice);
  await flip(invA as Invoice);
  await waitFor('the staff subscriber got both', () => staff.received.length >= 2, 30_000, () => staff);
  await waitFor('the portal subscribers got A’s', () => mine.received.length >= 1 && mineFiltered.received.length >= 1, 30_000, () => [mine, mineFiltered]);
  // B's event came first: had it reached the portal, it would be here by now
  expect(mine.received.map((r) => r.data.invoiceStatusChanged.id)).toEqual([invA.id]);
  expect(mine.received[0].extensions.event?.payload.customerId).toBe(a);
  expect(mine.received[0].data.invoiceStatusChanged.customer.id).toBe(a);
  expect(mineFiltered.received.map((r) => r.data.invoiceStatusChanged.id)).toEqual([invA.id]);
  expect(staff.received.map((r) => r.data.invoiceStatusChanged.id)).toEqual([invB.id, invA.id]);
  expect(b).not.toBe(a);
});

test('operation limits apply to subscriptions as to queries: too deep, too many aliases, too large', async () => {
  const c = client();
  const errorsOf = async (query: string) => {
    const s = c.subscribe(query);
    await s.ended;
    return s.errors[0] as { message: string; extensions: Record<string, unknown> }[];
  };
  // customer { projects { customer { projects { ... code } } } } } seven times over: 16 fields deep
  const deep = `${'customer { projects { '.repeat(7)}code${' } }'.repeat(7)}`;
  const tooDeep = await errorsOf(`subscription { invoiceStatusChanged { ${deep} } }`);
  expect(tooDeep[0].extensions).toMatchObject({ code: 'OPERATION_TOO_DEEP' });
  expect(tooDeep[0].message).toMatch(/fields deep; the limit is \d+/);
  const aliases = Array.from({ length: 80 }, (_, i) => `a${i}: id`).join(' ');
  const tooManyAliases = await errorsOf(`subscription { invoiceStatusChanged { ${aliases} } }`);
  expect(tooManyAliases[0].extensions).toMatchObject({ code: 'TOO_MANY_ALIASES' });
  const big = await errorsOf(`subscription { invoiceStatusChanged { id ${' '.repeat(40_000)} } }`);
  expect(big[0].extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE' });
  // the connection is still good
  const ok = c.subscribe(`subscription { invoiceStatusChanged { id } }`);
  await waitFor('a good subscription acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 1);
  ok.unsubscribe();
});

test('bad input gets a clear error and the server stays up', async () => {
  const c = client();
  const errorsOf = async (query: string, variables?: Record<string, unknown>) => {
    const s = c.subscribe(query, variables);
    await s.ended;
    return s.errors[0] as { message: string; extensions: Record<string, unknown> }[];
  };
  const unknown = await errorsOf(`subscription { invoiceDeleted { id } }`);
  expect(unknown[0].message).toMatch(/Cannot query field "invoiceDeleted" on type "Subscription"/);
  expect(unknown[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const badArg = await errorsOf(`subscription { invoiceStatusChanged(customerId: 12.5) { id } }`);
  expect(badArg[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(badArg[0].message).toMatch(/ID cannot represent a non-string and non-integer value/);
  const badVariable = await errorsOf(`subscription($c: ID) { invoiceStatusChanged(customerId: $c) { id } }`, { c: { not: 'an id' } });
  expect(badVariable[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  expect(badVariable[0].message).toMatch(/\$c/);
  const syntax = await errorsOf(`subscription { invoiceStatusChanged { id `);
  expect(syntax[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');

  // a query over the socket works like one over HTTP
  const q = c.subscribe(`{ customers(first: 1) { totalCount } }`);
  await q.ended;
  expect(q.completed).toBe(true);
  expect(q.received[0].data.customers.totalCount).toBeGreaterThan(0);

  // a subscription over HTTP is refused with a pointer to graphql-ws
  const http = await gql(t.gatewayUrl, `subscription { invoiceStatusChanged { id } }`);
  expect(http.status).toBe(400);
  expect(http.errors?.[0].extensions?.code).toBe('SUBSCRIPTION_OVER_HTTP');

  // protocol errors: raw sockets
  const raw = async (send: (ws: WebSocket) => void) =>
    new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const ws = new WebSocket(wsUrl(t.gatewayUrl), 'graphql-transport-ws');
      ws.on('open', () => send(ws));
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.on('error', reject);
    });
  expect(await raw((ws) => ws.send('this is not JSON'))).toMatchObject({ code: 4400 });
  expect(await raw((ws) => ws.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ __typename }' } })))).toEqual({ code: 4401, reason: 'Unauthorized' });
  expect(await raw(() => undefined)).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  expect(await raw((ws) => ws.send(JSON.stringify({ type: 'connection_init', payload: 'not an object' })))).toMatchObject({ code: 4400 });

  // still up: a subscription works
  const ok = client().subscribe(`subscription { invoiceStatusChanged { id } }`);
  await waitFor('a good subscription acknowledged', () => t.gateway.subscriptions!.stats().subscriptions >= 1);
  ok.unsubscribe();
});

test('connection_init: the bearer token is verified like an HTTP one and reaches the hook; a refused one closes with 4403; subscriptions per connection are limited', async () => {
  const token = (await t.as('integrator')).authorization;
  const ok = client({ connectionParams: { authorization: token } });
  const subs = [0, 1, 2, 3, 4].map(() => ok.subscribe(`subscription { syncTransactionUpdated { id } }`));
  await waitFor('five subscriptions', () => t.gateway.subscriptions!.stats().subscriptions === 5);
  expect(seenInits.at(-1)).toMatchObject({ authorization: token, forwarded: token });
  const sixth = ok.subscribe(`subscription { syncTransactionUpdated { id } }`);
  await sixth.ended;
  expect((sixth.errors[0] as any[])[0]).toMatchObject({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 5 } });
  subs[0].unsubscribe();
  await waitFor('a slot freed', () => t.gateway.subscriptions!.stats().subscriptions <= 4);
  const again = ok.subscribe(`subscription { syncTransactionUpdated { id } }`);
  await waitFor('the slot taken again', () => t.gateway.subscriptions!.stats().subscriptions >= 5);
  expect(again.errors).toEqual([]);
  for (const s of [...subs, again]) s.unsubscribe();

  const refused = client({ connectionParams: { authorization: 'Bearer refused' } });
  const s = refused.subscribe(`subscription { syncTransactionUpdated { id } }`);
  await s.ended;
  expect(refused.closes[0]).toEqual({ code: 4403, reason: 'token refused by the test hook' });

  // the gateway's authentication: no token, or one that does not verify
  for (const [params, why] of [
    [{}, /Authentication required/],
    [{ authorization: 'Bearer not.a.jwt' }, /./],
  ] as const) {
    const c = client({ connectionParams: params });
    const x = c.subscribe(`subscription { syncTransactionUpdated { id } }`);
    await x.ended;
    expect(c.closes[0].code).toBe(4403);
    expect(c.closes[0].reason).toMatch(why);
  }
});

test('stopping a gateway closes every subscriber with 1001', async () => {
  const second: RunningGateway = await startGateway({
    port: 0,
    logger: createLogger('gateway-2'),
    security: createGatewaySecurity(t.security.gateway.security, createLogger('gateway-2')),
    supergraphSdl: t.supergraphSdl,
    subgraphs: Object.values(t.subgraphs).map((s) => ({ name: s.name, url: s.url })),
    subscriptions: { source: t.events.source! },
    landingPage: false,
  });
  const c = connectClient(second.url, { connectionParams: { authorization: defaultAuthorizationFor(t.gatewayUrl) } });
  const subs = [c.subscribe(`subscription { invoiceStatusChanged { id } }`), c.subscribe(`subscription { projectStatusChanged { id } }`)];
  await waitFor('acknowledged', () => second.subscriptions!.stats().subscriptions >= 2);
  await second.stop();
  await Promise.all(subs.map((s) => s.ended));
  expect(c.closes[0].code).toBe(1001);
  expect(c.closes[0].reason).toMatch(/shutting down/);
  expect(second.subscriptions!.stats()).toMatchObject({ connections: 0, subscriptions: 0 });
  await c.dispose();
});
