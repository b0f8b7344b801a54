import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { telemetryEnabled } from '../lib';
import { boundedLabel, graphqlDuration, graphqlErrors, graphqlRequests } from './metrics';

/**
 * Counts and times every GraphQL operation an Apollo Server answers
 * (`tandem_graphql_*`), by operation name (`anonymous` when unnamed; `other`
 * past 200 distinct names) and type, with errors by their first code. Two
 * hooks per request and no per-field work. Without telemetry: no plugin.
 */
export function graphqlMetricsPlugin<T extends BaseContext>(server: string): ApolloServerPlugin<T>[] {
  if (!telemetryEnabled()) return [];
  const names = new Set<string>();
  return [
    {
      async requestDidStart() {
        const started = performance.now();
        return {
          async willSendResponse({ operationName, operation, errors, response }) {
            const op = boundedLabel(names, operationName ?? 'anonymous');
            const type = operation?.operation ?? 'invalid';
            const seconds = (performance.now() - started) / 1000;
            graphqlRequests.inc({ server, operation: op, type });
            graphqlDuration.observe({ server, operation: op, type }, seconds);
            const sent = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
            const first = errors?.[0] ?? sent?.[0];
            if (first) {
              const code = first.extensions?.code;
              graphqlErrors.inc({ server, operation: op, code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' });
            }
          },
        };
      },
    },
  ];
}
