/**
 * Tiny Federation 2 subgraphs for the gateway's tests, written with plain
 * @apollo/subgraph and SDL, served through lib/apollo-http.ts on port 0.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { createGraphQLHttpServer, localOnlyApolloPlugins } from '../../lib/apollo-http';
import { createLogger } from '../../lib/logger';

export const USERS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type User @key(fields: "id") {
    id: ID!
    name: String!
  }
  type Query {
    user(id: ID!): User
    users: [User!]!
    whoami: String
  }
`;

export const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Review {
    id: ID!
    body: String!
    author: User!
  }
  type User @key(fields: "id") {
    id: ID!
    reviews: [Review!]!
    "Fails for u2 the way a Tandem subgraph reports a source system that is down."
    rating: Float
  }
  type Query {
    reviews: [Review!]!
  }
`;

const USERS = [
  { id: 'u1', name: 'Ada' },
  { id: 'u2', name: 'Grace' },
];
const REVIEWS = [
  { id: 'r1', body: 'Great', authorId: 'u1' },
  { id: 'r2', body: 'Fine', authorId: 'u2' },
  { id: 'r3', body: 'Again', authorId: 'u1' },
];

export interface SeenRequest {
  headers: http.IncomingHttpHeaders;
}

const usersResolvers = {
  Query: {
    user: (_: unknown, { id }: { id: string }) => USERS.find((u) => u.id === id) ?? null,
    users: () => USERS,
    whoami: (_: unknown, __: unknown, ctx: { authorization?: string }) => ctx.authorization ?? null,
  },
  User: {
    __resolveReference: (ref: { id: string }) => USERS.find((u) => u.id === ref.id) ?? null,
  },
};

const reviewsResolvers = {
  Query: { reviews: () => REVIEWS },
  Review: { author: (r: { authorId: string }) => ({ __typename: 'User', id: r.authorId }) },
  User: {
    reviews: (u: { id: string }) => REVIEWS.filter((r) => r.authorId === u.id),
    rating: (u: { id: string }) => {
      if (u.id === 'u2') {
        throw new GraphQLError('ERP is unavailable', { extensions: { code: 'SOURCE_UNAVAILABLE', system: 'ERP', retryable: true } });
      }
      return 4.5;
    },
  },
};

export interface RunningSubgraph {
  name: string;
  url: string;
  sdl: string;
  /** Headers of every request the subgraph received. */
  seen: SeenRequest[];
  stop(): Promise<void>;
}

export async function startSubgraph(name: 'users' | 'reviews'): Promise<RunningSubgraph> {
  const sdl = name === 'users' ? USERS_SDL : REVIEWS_SDL;
  const seen: SeenRequest[] = [];
  type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>;
  const resolvers = (name === 'users' ? usersResolvers : reviewsResolvers) as unknown as SubgraphModule['resolvers'];
  const apollo = new ApolloServer<{ authorization?: string }>({
    schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers }),
    plugins: localOnlyApolloPlugins(),
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
  });
  const server = createGraphQLHttpServer({
    apollo,
    logger: createLogger('test-subgraph', { subgraph: name }),
    context: (req) => {
      seen.push({ headers: { ...req.headers } });
      return { authorization: req.headers.authorization };
    },
    stopGraceMs: 200,
  });
  const url = await server.listen(0);
  return { name, url, sdl, seen, stop: () => server.stop() };
}

/** A plain HTTP server answering every request with one canned response. */
export async function startCannedServer(status: number, body: string, contentType: string): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback URL nothing listens on. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/graphql`;
}

export async function postGraphQL(
  url: string,
  body: { query: string; variables?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) };
}
