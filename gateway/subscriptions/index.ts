/**
 * Subscriptions on the gateway (docs/subscriptions.md): graphql-ws on the
 * GraphQL path, events from a SubscriptionSource, each event's selection
 * resolved through the supergraph.
 */
export { attachSubscriptions, SLOW_SUBSCRIBER_CLOSE_CODE, GOING_AWAY_CLOSE_CODE } from './server';
export type { AttachSubscriptionsOptions, RunningSubscriptions, SubscriptionsConfig, ConnectionInit, ConnectionInitHook } from './server';
export { subscriptionsConfigFromEnv, SUBSCRIPTIONS_CONFIG_DEFAULTS } from './config';
export { buildEventGraph, EVENTS_SUBGRAPH, EVENT_FIELD_PREFIX } from './event-graph';
export type { EventGraph, EventFieldInfo } from './event-graph';
export { subscriptionsOverHttpPlugin } from './http-plugin';
export type { SubscriptionEvent, SubscriptionSink, SubscriptionRequest, SubscriptionSource } from './source';
