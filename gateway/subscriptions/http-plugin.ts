import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** A subscription sent over HTTP gets a clear 400 instead of the gateway's internal error. */
export function subscriptionsOverHttpPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws protocol) on this same path, not over HTTP', {
              extensions: { code: 'SUBSCRIPTION_OVER_HTTP', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
