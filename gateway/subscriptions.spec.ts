/**
 * The gateway's subscriptions are generic: any Federation 2 supergraph with a
 * Subscription field returning an entity, any SubscriptionSource. Two small
 * subgraphs (posts owns the subscription, users owns User.name) and a source
 * the test drives; a real graphql-ws client.
 */
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { createGraphQLHttpServer, localOnlyApolloPlugins } from '../lib/apollo-http';
import { createLogger } from '../lib/logger';
import { connectClient, waitFor, type TestClient } from '../test/support/subscriptions';
import { USERS_SDL, startSubgraph as startFixtureSubgraph, type RunningSubgraph } from './__fixtures__/subgraphs';
import { buildEventGraph, composeSupergraph, startGateway, type RunningGateway, type SubscriptionEvent, type SubscriptionSink, type SubscriptionSource } from './index';

const logger = createLogger('subscriptions-test');

const POSTS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Post @key(fields: "id") {
    id: ID!
    title: String!
    author: User!
  }
  type User @key(fields: "id") {
    id: ID!
  }
  type Query {
    post(id: ID!): Post
  }
  type Subscription {
    postPublished(authorId: ID, since: String): Post!
    postsPublished: [Post!]!
  }
`;

const POSTS: Record<string, { id: string; title: string; authorId: string }> = {
  p1: { id: 'p1', title: 'Hello', authorId: 'u1' },
  p2: { id: 'p2', title: 'Again', authorId: 'u2' },
  p3: { id: 'p3', title: 'Third', authorId: 'u1' },
};

interface Seen {
  query: string;
  authorization?: string;
}

async function startPosts(): Promise<{ url: string; sdl: string; seen: Seen[]; stop(): Promise<void> }> {
  const seen: Seen[] = [];
  const resolvers = {
    Query: { post: (_: unknown, { id }: { id: string }) => POSTS[id] ?? null },
    Post: {
      __resolveReference: (ref: { id: string }) => POSTS[ref.id] ?? null,
      author: (p: { authorId: string }) => ({ __typename: 'User', id: p.authorId }),
    },
    Subscription: { postPublished: { subscribe: () => { throw new Error('served by the gateway'); } }, postsPublished: { subscribe: () => { throw new Error('no'); } } },
  };
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(POSTS_SDL), resolvers: resolvers as never }),
    plugins: [
      ...localOnlyApolloPlugins(),
      { requestDidStart: async (rc) => void seen.push({ query: rc.request.query ?? '', authorization: rc.request.http?.headers.get('authorization') ?? undefined }) },
    ],
    stopOnTerminationSignals: false,
  });
  const server = createGraphQLHttpServer({ apollo, logger, stopGraceMs: 200 });
  const url = await server.listen(0);
  return { url, sdl: POSTS_SDL, seen, stop: () => server.stop() };
}

/** A source the test drives: every subscriber gets the events emitted while it is subscribed (filtered by authorId). */
class TestSource implements SubscriptionSource {
  readonly subscribers = new Set<{ args: Record<string, unknown>; sink: SubscriptionSink }>();
  async subscribe(request: { field: string; args: Record<string, unknown>; since: string | null }, sink: SubscriptionSink) {
    if (request.since === 'too-old') throw new GraphQLError('Invalid argument "since": too old', { extensions: { code: 'CURSOR_EXPIRED', argumentName: 'since' } });
    if (request.since === 'boom') throw new Error('the bus is down');
    const entry = { args: request.args, sink };
    this.subscribers.add(entry);
    return { close: () => void this.subscribers.delete(entry) };
  }
  emit(events: SubscriptionEvent[]) {
    for (const e of events) {
      for (const s of this.subscribers) {
        const authorId = POSTS[String(e.representation.id)]?.authorId;
        if (s.args.authorId == null || s.args.authorId === authorId) s.sink.event(e);
      }
    }
  }
}

const event = (id: string, cursor: string): SubscriptionEvent => ({ cursor, representation: { __typename: 'Post', id }, extensions: { type: 'post.published' } });

let users: RunningSubgraph;
let posts: Awaited<ReturnType<typeof startPosts>>;
let gateway: RunningGateway;
let source: TestSource;
const clients: TestClient[] = [];
const client = (connectionParams?: Record<string, unknown>) => {
  const c = connectClient(gateway.url, { connectionParams });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  [users, posts] = await Promise.all([startFixtureSubgraph('users'), startPosts()]);
  source = new TestSource();
  gateway = await startGateway({
    port: 0,
    logger,
    subgraphs: [
      { name: 'users', url: users.url },
      { name: 'posts', url: posts.url },
    ],
    subscriptions: { source },
    landingPage: false,
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await waitFor('no subscriptions left', () => gateway.subscriptions!.stats().subscriptions === 0);
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([users?.stop(), posts?.stop()]);
});

test('the event graph: subscription fields returning an entity are served, others are listed with the reason', () => {
  const graph = buildEventGraph(composeSupergraph([{ name: 'users', url: 'http://u.invalid', typeDefs: USERS_SDL }, { name: 'posts', url: 'http://p.invalid', typeDefs: POSTS_SDL }]));
  expect(graph.fields.get('postPublished')).toEqual({
    field: 'postPublished',
    queryField: '_subscriptionEvents_postPublished',
    typeName: 'Post',
    keyFields: ['id'],
    subgraph: 'posts',
  });
  expect(graph.unsupported.get('postsPublished')).toMatch(/returns a list/);
  expect(gateway.subscriptions!.graph.fields.has('postPublished')).toBe(true);
});

test('each event is resolved across subgraphs once for all subscribers with the same selection, in one fetch per subgraph per batch', async () => {
  const selection = `subscription { postPublished { id title author { id name } } }`;
  const subs = [client(), client(), client()].map((c) => c.subscribe(selection));
  const other = client().subscribe(`subscription($a: ID) { postPublished(authorId: $a) { title } }`, { a: 'u1' });
  await waitFor('four subscriptions', () => gateway.subscriptions!.stats().subscriptions === 4);
  expect(gateway.subscriptions!.stats().groups).toBe(2);
  const before = posts.seen.length;
  const usersBefore = users.seen.length;

  source.emit([event('p1', '1'), event('p2', '2'), event('p3', '3')]);
  await waitFor('every event at every subscriber', () => subs.every((s) => s.received.length === 3) && other.received.length === 2, 30_000, () => subs.map((s) => s.received.length));

  for (const s of subs) {
    expect(s.received.map((r) => r.data.postPublished)).toEqual([
      { id: 'p1', title: 'Hello', author: { id: 'u1', name: 'Ada' } },
      { id: 'p2', title: 'Again', author: { id: 'u2', name: 'Grace' } },
      { id: 'p3', title: 'Third', author: { id: 'u1', name: 'Ada' } },
    ]);
    expect(s.received.map((r) => r.extensions)).toEqual([1, 2, 3].map((c) => ({ cursor: String(c), type: 'post.published' })));
  }
  expect(other.received.map((r) => r.data.postPublished.title)).toEqual(['Hello', 'Third']);
  // two groups, one batch each: one _entities fetch to posts per group, one to users for the group that selects the author
  const fetches = posts.seen.slice(before).filter((s) => s.query.includes('_entities'));
  expect(fetches).toHaveLength(2);
  expect(users.seen.length - usersBefore).toBe(1);
});

test('the bearer token of connection_init is forwarded to the subgraphs that resolve the events', async () => {
  const s = client({ authorization: 'Bearer abc' }).subscribe(`subscription { postPublished { title } }`);
  await waitFor('subscribed', () => gateway.subscriptions!.stats().subscriptions === 1);
  const before = posts.seen.length;
  source.emit([event('p2', '10')]);
  await waitFor('the event', () => s.received.length === 1);
  expect(posts.seen.slice(before).map((x) => x.authorization)).toEqual(['Bearer abc']);
});

test('an event whose entity cannot be found is an error for that event only', async () => {
  const s = client().subscribe(`subscription { postPublished { id title } }`);
  await waitFor('subscribed', () => gateway.subscriptions!.stats().subscriptions === 1);
  source.emit([event('nope', '20'), event('p1', '21')]);
  await waitFor('both events', () => s.received.length === 2);
  expect(s.received[0]).toMatchObject({ data: null, errors: [{ path: ['postPublished'], extensions: { code: 'EVENT_ENTITY_NOT_FOUND' } }], extensions: { cursor: '20' } });
  expect(s.received[1]).toMatchObject({ data: { postPublished: { id: 'p1', title: 'Hello' } }, extensions: { cursor: '21' } });
  expect(s.received[1].errors).toBeUndefined();
});

test("the source's refusals reach the client with their code; a failure of the source is SUBSCRIPTION_SOURCE_FAILED", async () => {
  const c = client();
  const tooOld = c.subscribe(`subscription { postPublished(since: "too-old") { id } }`);
  const boom = c.subscribe(`subscription { postPublished(since: "boom") { id } }`);
  await Promise.all([tooOld.ended, boom.ended]);
  expect((tooOld.errors[0] as any[])[0]).toMatchObject({ extensions: { code: 'CURSOR_EXPIRED', argumentName: 'since' } });
  expect((boom.errors[0] as any[])[0]).toMatchObject({ message: expect.stringMatching(/the bus is down/), extensions: { code: 'SUBSCRIPTION_SOURCE_FAILED' } });
  const list = c.subscribe(`subscription { postsPublished { id } }`);
  await list.ended;
  expect((list.errors[0] as any[])[0]).toMatchObject({ extensions: { code: 'SUBSCRIPTION_NOT_AVAILABLE' } });
});

test('without a source, subscriptions are refused with SUBSCRIPTIONS_NOT_CONFIGURED (queries over the socket still work)', async () => {
  const bare = await startGateway({ port: 0, logger, subgraphs: [{ name: 'users', url: users.url }, { name: 'posts', url: posts.url }], landingPage: false });
  const c = connectClient(bare.url);
  try {
    const s = c.subscribe(`subscription { postPublished { id } }`);
    await s.ended;
    expect((s.errors[0] as any[])[0]).toMatchObject({ extensions: { code: 'SUBSCRIPTIONS_NOT_CONFIGURED' } });
    const q = c.subscribe(`{ post(id: "p1") { title author { name } } }`);
    await q.ended;
    expect(q.received[0].data).toEqual({ post: { title: 'Hello', author: { name: 'Ada' } } });
  } finally {
    await c.dispose();
    await bare.stop();
  }
});
