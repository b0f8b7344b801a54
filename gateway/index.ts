/** The gateway's one door. */
export { composeSupergraph, composeFromSubgraphs, fetchSubgraphSdl, CompositionError, SubgraphSdlError, SERVICE_SDL_QUERY } from './compose';
export type { SubgraphDefinition, FetchSubgraphSdlOptions } from './compose';
export { checkSupergraph, formatSchemaCheck, runSchemaCheck, apiSchemaOf, printApiSchema, SchemaCheckExit } from './schema-check';
export type { SchemaChange, SchemaCheckResult, RunSchemaCheckOptions } from './schema-check';
export { startGateway, supergraphSubgraphNames } from './server';
export type { StartGatewayOptions, RunningGateway } from './server';
export {
  gatewayConfigFromEnv,
  loadGatewayConfigFile,
  applyGatewayConfigDefaults,
  parseSubgraphList,
  GATEWAY_CONFIG_DEFAULTS,
} from './config';
export type { GatewayConfig, GatewayConfigFile, SubgraphEndpoint } from './config';
export { runGatewayCommand, GATEWAY_USAGE } from './command';
export type { GatewayCommandOptions } from './command';
export { landingPage } from './landing-page';
export type { LandingPageOptions, LandingPageExample } from './landing-page';
export { gatewayContextFromRequest, DEFAULT_FORWARD_HEADERS, DOWNSTREAM_SERVICE_ERROR } from './data-source';
export type { GatewayContext, LocalSubgraphExecutor } from './data-source';
export { requireApolloGateway } from './apollo-gateway';
export * from './policies';
export {
  attachSubscriptions,
  subscriptionsConfigFromEnv,
  buildEventGraph,
  SUBSCRIPTIONS_CONFIG_DEFAULTS,
  SLOW_SUBSCRIBER_CLOSE_CODE,
  GOING_AWAY_CLOSE_CODE,
} from './subscriptions';
export type {
  RunningSubscriptions,
  SubscriptionsConfig,
  ConnectionInit,
  ConnectionInitHook,
  SubscriptionEvent,
  SubscriptionSink,
  SubscriptionRequest,
  SubscriptionSource,
  EventGraph,
} from './subscriptions';
