/**
 * Subscriptions across gateway replicas on NATS JetStream: replica A is a whole
 * Tandem (store, workers, relay publishing to JetStream, its own gateway);
 * replica B is a gateway alone, with no store, that knows the events only
 * through NATS. A mutation sent to A reaches a subscriber on B, and a cursor from
 * one replica resumes on the other.
 */
import { connect } from 'nats';
import { openEventBus, type EventBus } from '../../events';
import { createGatewaySecurity, startGateway, type RunningGateway } from '../../gateway';
import { createLogger } from '../../lib';
import { NATS_TEST_URL, natsReachable, natsSkipNotice, uniqueNatsNames } from '../support/nats';
import { defaultAuthorizationFor, gql, startTestStack, type TestStack } from '../support/stack';
import { connectClient, waitFor, type TestClient } from '../support/subscriptions';
import { settled } from './workflows.support';

const reachable = natsReachable();
if (!reachable) console.warn(natsSkipNotice('subscriptions across gateway replicas'));
const describeNats = reachable ? describe : describe.skip;

describeNats(`subscriptions across two gateway replicas on NATS JetStream (${NATS_TEST_URL})`, () => {
  const names = uniqueNatsNames('subs');
  const events = { natsUrl: NATS_TEST_URL, ...names, retentionHours: 1 };
  let a: TestStack;
  let busB: EventBus;
  let b: RunningGateway;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    a = await startTestStack({ workers: true, customers: 5, events });
    busB = await openEventBus({ config: events, logger: createLogger('events-b'), name: 'tandem-test-replica-b' });
    b = await startGateway({
      port: 0,
      logger: createLogger('gateway-b'),
      supergraphSdl: a.supergraphSdl,
      subgraphs: Object.values(a.subgraphs).map((s) => ({ name: s.name, url: s.url })),
      subscriptions: { source: busB.source! },
      security: createGatewaySecurity(a.security.gateway.security, createLogger('gateway-b')),
      landingPage: false,
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose().catch(() => undefined)));
    await b?.stop();
    await busB?.close();
    await a?.stop();
    const nc = await connect({ servers: NATS_TEST_URL });
    await (await nc.jetstreamManager()).streams.delete(names.natsStream).catch(() => undefined);
    await nc.close();
  });

  const client = (url: string) => {
    // replica B verifies A's staff token: both use the stack's keys
    const c = connectClient(url, { connectionParams: { authorization: defaultAuthorizationFor(a.gatewayUrl) } });
    clients.push(c);
    return c;
  };

  test('replica B has no store and no relay: the bus is NATS', () => {
    expect(a.events.kind).toBe('nats');
    expect(busB.kind).toBe('nats');
    expect(busB.relay).toBeNull();
  });

  test('a subscriber on replica B receives the events of a mutation sent to replica A', async () => {
    const [open] = await a.store.raw<{ id: string }>(`SELECT id FROM invoice WHERE status IN ('OVERDUE', 'PARTIALLY_PAID') ORDER BY id LIMIT 1`);
    const invoice = (await a.store.getMany('invoice', [open.id])).get(open.id)!.value;
    const onB = client(b.url);
    const inv = onB.subscribe(`subscription($c: ID) { invoiceStatusChanged(customerId: $c) { id status balance { amount } customer { id name } } }`, { c: invoice.customerId });
    const txs = onB.subscribe(`subscription { syncTransactionUpdated(workflow: "payment") { id workflow status } }`);
    await waitFor('subscriptions on B', () => b.subscriptions!.stats().subscriptions >= 2);

    const r = await gql(a.gatewayUrl, `mutation($i: ID!, $a: Decimal!) { recordPayment(invoiceId: $i, amount: $a, idempotencyKey: "nats-e2e-pay") { id } }`, {
      i: invoice.id,
      a: invoice.balance.amount,
    });
    expect(r.errors).toBeUndefined();
    const txId = r.data.recordPayment.id as string;
    expect((await settled(a, txId)).status).toBe('SUCCEEDED');

    await waitFor('the invoice event on B', () => inv.received.length >= 1, 30_000, () => inv.received);
    expect(inv.received[0].data.invoiceStatusChanged).toMatchObject({ id: invoice.id, status: 'PAID', balance: { amount: '0.00' }, customer: { id: invoice.customerId } });
    expect(inv.received[0].extensions.event!.payload).toEqual({ invoiceId: invoice.id, customerId: invoice.customerId, from: invoice.status, to: 'PAID' });
    await waitFor('the transaction events on B', () => txs.received.filter((e) => e.data.syncTransactionUpdated.id === txId).length >= 3, 30_000, () => txs.received);
    expect(txs.received.filter((e) => e.data.syncTransactionUpdated.id === txId).map((e) => e.extensions.event!.payload.status)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);

    // what JetStream holds: the event at its store position, as the message id
    const nc = await connect({ servers: NATS_TEST_URL });
    try {
      const m = await (await nc.jetstreamManager()).streams.getMessage(names.natsStream, { last_by_subj: `${names.natsSubjectPrefix}.invoice.status-changed.v1` });
      expect(m.header.get('Nats-Msg-Id')).toBe(inv.received[0].extensions.cursor);
    } finally {
      await nc.close();
    }
  });

  test('both replicas give an event the same cursor, and a cursor from A resumes on B with exactly the missed events', async () => {
    const rows = await a.store.raw<{ id: string }>(`SELECT id FROM invoice ORDER BY id LIMIT 2`);
    const [x, y] = rows.map((r) => r.id);
    const set = async (id: string, status: 'BLOCKED' | 'VOID' | 'ISSUED') => {
      const v = (await a.store.getMany('invoice', [id])).get(id)!.value;
      await a.store.putMany('invoice', [{ ...v, status }], 'ERP');
    };
    const onA = client(a.gatewayUrl);
    const sa = onA.subscribe(`subscription { invoiceStatusChanged { id status } }`);
    const sb = client(b.url).subscribe(`subscription { invoiceStatusChanged { id } }`);
    await waitFor('subscriptions on A and B', () => a.gateway.subscriptions!.stats().subscriptions >= 1 && b.subscriptions!.stats().subscriptions >= 1);
    await set(x, 'BLOCKED');
    await waitFor('the event on both', () => sa.received.length >= 1 && sb.received.length >= 1, 30_000, () => [sa.received, sb.received]);
    expect(sb.received[0].extensions.cursor).toBe(sa.received[0].extensions.cursor);
    const cursor = sa.received[0].extensions.cursor;
    await onA.dispose();

    await set(y, 'VOID');
    await set(x, 'ISSUED');
    const resumed = client(b.url).subscribe(`subscription($s: String) { invoiceStatusChanged(since: $s) { id } }`, { s: cursor });
    await waitFor('the missed events on B', () => resumed.received.length >= 2, 30_000, () => resumed.received);
    expect(resumed.received.map((e) => [e.data.invoiceStatusChanged.id, e.extensions.event!.payload.to])).toEqual([
      [y, 'VOID'],
      [x, 'ISSUED'],
    ]);
    expect(resumed.received.map((e) => Number(e.extensions.cursor))).toEqual(sb.received.slice(1, 3).map((e) => Number(e.extensions.cursor)));
    // and nothing more: no duplicate of what came before the cursor
    await set(y, 'ISSUED');
    await waitFor('the live one after', () => resumed.received.length >= 3, 30_000, () => resumed.received);
    expect(resumed.received).toHaveLength(3);
  });
});
