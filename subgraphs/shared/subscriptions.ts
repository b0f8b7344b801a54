import { GraphQLError } from 'graphql';
import type { BuildSchemaOptions } from 'type-graphql';

/**
 * Subscription fields are declared by the subgraph that owns their type, so
 * that composition puts them in the supergraph, but they are served by the
 * gateway over graphql-ws from the event bus (docs/subscriptions.md): a
 * subgraph never runs one. These are the pieces every owning subgraph uses.
 */
export const SUBSCRIPTIONS_SERVED_BY_GATEWAY = 'SUBSCRIPTIONS_SERVED_BY_GATEWAY';

/** The `subscribe` of every subscription field in a subgraph: refuses, naming where it is served. */
export function servedByGateway(): never {
  throw new GraphQLError('Subscriptions are served by the gateway over graphql-ws (same /graphql path), not by a subgraph', {
    extensions: { code: SUBSCRIPTIONS_SERVED_BY_GATEWAY },
  });
}

/** type-graphql wants a PubSub once a schema has a subscription; nothing is published through it. */
export const gatewayServedPubSub: NonNullable<BuildSchemaOptions['pubSub']> = {
  publish: () => undefined,
  subscribe: () => servedByGateway(),
};

/** The description of the `since` argument every subscription field takes. */
export const SINCE_DESCRIPTION =
  'Resume after this cursor (the `extensions.cursor` of the last event you received): the events you missed come first, in order. ' +
  'An error with code CURSOR_EXPIRED when the stream no longer holds them.';
