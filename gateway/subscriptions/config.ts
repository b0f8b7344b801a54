import { envInt } from '../../lib/env';
import type { SubscriptionsConfig } from './server';

export const SUBSCRIPTIONS_CONFIG_DEFAULTS: Readonly<SubscriptionsConfig> = Object.freeze({
  maxSubscriptionsPerConnection: 100,
  subscriberBuffer: 1000,
  keepAliveMs: 12_000,
  connectionInitTimeoutMs: 3000,
});

/**
 * Reads TANDEM_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION, TANDEM_GATEWAY_SUBSCRIBER_BUFFER,
 * TANDEM_GATEWAY_WS_KEEPALIVE_MS and TANDEM_GATEWAY_WS_INIT_TIMEOUT_MS; `overrides` win.
 */
export function subscriptionsConfigFromEnv(overrides: Partial<SubscriptionsConfig> = {}): SubscriptionsConfig {
  const d = SUBSCRIPTIONS_CONFIG_DEFAULTS;
  return {
    maxSubscriptionsPerConnection:
      overrides.maxSubscriptionsPerConnection ?? envInt('TANDEM_GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION', d.maxSubscriptionsPerConnection, 1, 100_000),
    subscriberBuffer: overrides.subscriberBuffer ?? envInt('TANDEM_GATEWAY_SUBSCRIBER_BUFFER', d.subscriberBuffer, 1, 1_000_000),
    keepAliveMs: overrides.keepAliveMs ?? envInt('TANDEM_GATEWAY_WS_KEEPALIVE_MS', d.keepAliveMs, 0, 3_600_000),
    connectionInitTimeoutMs: overrides.connectionInitTimeoutMs ?? envInt('TANDEM_GATEWAY_WS_INIT_TIMEOUT_MS', d.connectionInitTimeoutMs, 100, 600_000),
  };
}
