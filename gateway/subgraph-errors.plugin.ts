/**
 * Logs every error that came from a subgraph, with the subgraph's name, code
 * and the request id, so a failing subgraph is visible in the gateway's logs.
 *
 * The errors themselves reach clients already stamped with
 * `extensions.serviceName`: Apollo Gateway adds it to errors a subgraph
 * returns (keeping the subgraph's other extensions), and the subgraph data
 * source adds it when the fetch itself fails (see data-source.ts). The plugin
 * does not rewrite responses.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../lib/logger';
import type { GatewayContext } from './data-source';

export function subgraphErrorsPlugin(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const serviceName = error.extensions?.serviceName;
            if (typeof serviceName !== 'string') continue;
            logger.warn(
              { serviceName, code: error.extensions.code, path: error.path, requestId: contextValue.requestId, operationName },
              `subgraph error: ${error.message}`,
            );
          }
        },
      };
    },
  };
}
