import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import { Reader, type CanonicalCache } from '../../cache';
import { createGraphQLHttpServer, localOnlyApolloPlugins, REQUEST_ID_HEADER } from '../../lib/apollo-http';
import type { Logger } from '../../lib';
import type { SyncEngine } from '../../sync';
import type { SubgraphContext } from './context';
import { callerOf, traceIdOf } from './request-identity';
import { formatSubgraphError } from './errors';

/**
 * When a source system failed but cached data stood in for it, the answer is
 * still complete; this adds one error per failed system (`extensions.code`,
 * `extensions.system`, `servedStale: true`) so the caller knows, alongside the
 * `freshness.stale: true` on the values themselves.
 */
const staleServedPlugin: ApolloServerPlugin<SubgraphContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const stale = contextValue.reader.failures.filter((f) => f.servedStale);
        if (stale.length === 0 || response.body.kind !== 'single') return;
        const seen = new Set<string>();
        const errors = [...(response.body.singleResult.errors ?? [])];
        for (const f of stale) {
          const key = `${f.system}:${f.code}`;
          if (seen.has(key)) continue;
          seen.add(key);
          errors.push(
            new GraphQLError(`${f.message}; cached data was served in its place (freshness.stale is true)`, {
              extensions: { code: f.code, system: f.system, servedStale: true },
            }).toJSON(),
          );
        }
        response.body.singleResult.errors = errors;
      },
    };
  },
};

export interface RunningSubgraph {
  name: string;
  url: string;
  /** The subgraph's SDL with federation directives, as composition needs it. */
  sdl: string;
  stop(): Promise<void>;
}

export interface StartSubgraphOptions {
  name: string;
  schema: GraphQLSchema;
  cache: CanonicalCache;
  /** The sync engine mutations submit to (and the operations subgraph reads). */
  sync: SyncEngine;
  port: number;
  host?: string;
  logger: Logger;
}

/** Serves one subgraph schema over HTTP at `/graphql`, each request with its own Reader. */
export async function serveSubgraph(options: StartSubgraphOptions): Promise<RunningSubgraph> {
  const { name, schema, cache, sync, logger } = options;
  const apollo = new ApolloServer<SubgraphContext>({
    schema,
    introspection: true,
    stopOnTerminationSignals: false,
    plugins: [...localOnlyApolloPlugins(), staleServedPlugin],
    formatError: formatSubgraphError,
    logger,
  });
  const server = createGraphQLHttpServer<SubgraphContext>({
    apollo,
    logger,
    context: (req) => {
      const requestId = String(req.headers[REQUEST_ID_HEADER]);
      return { reader: new Reader(cache), requestId, logger: logger.child({ requestId }), sync, caller: callerOf(req), traceId: traceIdOf(req) };
    },
    health: () => ({ subgraph: name }),
  });
  const url = await server.listen(options.port, options.host ?? '127.0.0.1');
  logger.info({ subgraph: name, url }, `subgraph ${name} listening at ${url}`);
  return { name, url, sdl: printSubgraphSchema(schema), stop: () => server.stop() };
}
