import { GraphQLError } from 'graphql';
import { startCannedServer, startSubgraph, USERS_SDL, REVIEWS_SDL } from './__fixtures__/subgraphs';
import { composeFromSubgraphs, composeSupergraph, CompositionError, fetchSubgraphSdl, SubgraphSdlError } from './index';

describe('composeSupergraph', () => {
  it('composes Federation 2 subgraphs into a supergraph with their routing URLs', () => {
    const sdl = composeSupergraph([
      { name: 'users', url: 'http://127.0.0.1:4001/graphql', typeDefs: USERS_SDL },
      { name: 'reviews', url: 'http://127.0.0.1:4002/graphql', typeDefs: REVIEWS_SDL },
    ]);
    expect(sdl).toContain('@join__graph(name: "users", url: "http://127.0.0.1:4001/graphql")');
    expect(sdl).toMatch(/type User\s+@join__type\(graph: REVIEWS, key: "id"\)/);
  });

  it('throws a CompositionError that lists the composer’s own messages', () => {
    const clash = 'type Query { whoami: Int }';
    let error: unknown;
    try {
      composeSupergraph([
        { name: 'users', url: 'http://127.0.0.1:1/graphql', typeDefs: USERS_SDL },
        { name: 'other', url: 'http://127.0.0.1:2/graphql', typeDefs: clash },
      ]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CompositionError);
    const { errors, message } = error as CompositionError;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(GraphQLError);
    for (const e of errors) expect(message).toContain(e.message);
    expect(message).toMatch(/Type of field "Query\.whoami" is incompatible/);
  });

  it('reports SDL that does not parse as a composition error naming the subgraph', () => {
    expect(() => composeSupergraph([{ name: 'broken', url: 'http://127.0.0.1:1/graphql', typeDefs: 'type Query {' }])).toThrow(/\[broken\] SDL does not parse/);
  });
});

describe('fetchSubgraphSdl', () => {
  it('asks a running subgraph for _service.sdl and composes from URLs alone', async () => {
    const [users, reviews] = await Promise.all([startSubgraph('users'), startSubgraph('reviews')]);
    try {
      const sdl = await fetchSubgraphSdl(users.url);
      expect(sdl).toContain('type User');
      const supergraph = await composeFromSubgraphs([
        { name: 'users', url: users.url },
        { name: 'reviews', url: reviews.url },
      ]);
      expect(supergraph).toContain(`url: "${reviews.url}"`);
    } finally {
      await Promise.all([users.stop(), reviews.stop()]);
    }
  });

  it('explains when the endpoint is not a Federation subgraph', async () => {
    const plain = await startCannedServer(200, JSON.stringify({ errors: [{ message: 'Cannot query field "_service" on type "Query".' }] }), 'application/json');
    try {
      await expect(fetchSubgraphSdl(plain.url)).rejects.toThrow(/did not return _service\.sdl .*Cannot query field "_service"/);
      await expect(fetchSubgraphSdl(plain.url)).rejects.toBeInstanceOf(SubgraphSdlError);
    } finally {
      await plain.stop();
    }
  });
});
