/**
 * The only place that loads `@apollo/gateway`. Its constructor starts an
 * OpenTelemetry exporter that reports usage to Apollo and probes cloud
 * metadata addresses unless APOLLO_TELEMETRY_DISABLED is set, so the variable
 * is forced here, before the first require. Everything else imports the
 * gateway's types only (`import type`), which compile to nothing.
 */
type ApolloGatewayModule = typeof import('@apollo/gateway');

let loaded: ApolloGatewayModule | undefined;

export function requireApolloGateway(): ApolloGatewayModule {
  if (!loaded) {
    process.env.APOLLO_TELEMETRY_DISABLED = 'true';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('@apollo/gateway') as ApolloGatewayModule;
  }
  // Also re-assert on every use: the gateway reads the variable in its constructor.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  return loaded;
}
