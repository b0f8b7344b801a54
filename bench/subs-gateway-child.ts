// bench:subscriptions run B — a second gateway replica in its own process: no
// store, subscriptions from NATS JetStream, the rest of each event's selection
// from the first replica's subgraphs over HTTP.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
process.env.NODE_ENV ??= 'production';
import 'reflect-metadata';
import { openEventBus, type EventBusConfig } from '../events';
import { createGatewaySecurity, startGateway, type GatewaySecurityOptions } from '../gateway';
import { createLogger } from '../lib';

interface ChildOptions {
  supergraphSdl: string;
  subgraphs: { name: string; url: string }[];
  events: EventBusConfig;
  subscriberBuffer: number;
  security: GatewaySecurityOptions;
}

async function main() {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const bus = await openEventBus({ config: opts.events, relay: false, name: 'tandem-bench-replica-b', logger: createLogger('events') });
  const gateway = await startGateway({
    port: 0,
    logger: createLogger('gateway-b'),
    supergraphSdl: opts.supergraphSdl,
    subgraphs: opts.subgraphs,
    subscriptions: { source: bus.source!, subscriberBuffer: opts.subscriberBuffer, maxSubscriptionsPerConnection: 10 },
    security: createGatewaySecurity(opts.security, createLogger('gateway-b')),
    landingPage: false,
  });
  process.on('message', async (msg: { cmd: string }) => {
    if (msg.cmd === 'memory') {
      global.gc?.();
      const m = process.memoryUsage();
      process.send!({ heapUsed: m.heapUsed, rss: m.rss, stats: gateway.subscriptions!.stats() });
    } else if (msg.cmd === 'stop') {
      await gateway.stop();
      await bus.close();
      process.send!({ stopped: true }, () => process.exit(0));
    }
  });
  process.send!({ ready: true, gatewayUrl: gateway.url });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
