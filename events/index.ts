/**
 * events/ — the event bus behind subscriptions (docs/subscriptions.md). Domain
 * events are committed with the changes that cause them (table domain_event,
 * status triggers); the relay gives them gapless positions in commit order and,
 * with NATS_URL, publishes them to JetStream; a stream delivers them to the
 * gateway's subscriptions, live or from a cursor.
 */
import { createLogger, type Logger } from '../lib';
import type { SubscriptionSource } from '../gateway';
import type { Store } from '../store';
import { eventBusConfigFromEnv, type EventBusConfig } from './config';
import { connectNats, createNatsEventStream, natsPublisher, type NatsBus } from './nats';
import { startEventRelay, type RunningEventRelay } from './relay';
import { createStoreEventStream } from './store-stream';
import type { EventStream } from './stream';
import { eventSubscriptionSource } from './subscription-source';

export { eventBusConfigFromEnv, EVENT_BUS_DEFAULTS, type EventBusConfig } from './config';
export { startEventRelay, type EventRelayOptions, type RunningEventRelay, type EventPublisher } from './relay';
export { createStoreEventStream, readEvents, sequenceEvents, storeStreamHead, DOMAIN_EVENT_CHANNEL, EVENT_STREAM_CHANNEL } from './store-stream';
export { connectNats, createNatsEventStream, natsPublisher, subjectOf, type NatsBus, type NatsStreamConfig } from './nats';
export { StreamCursorError, checkCursor, type EventStream, type StreamEvent, type StreamHead, type StreamSubscribeOptions, type StreamSubscription } from './stream';
export { eventSubscriptionSource, SUBSCRIPTION_TOPICS } from './subscription-source';

export interface OpenEventBusOptions {
  /** @default eventBusConfigFromEnv() */
  config?: EventBusConfig;
  /** the canonical store: needed for the in-process bus and for the relay */
  store?: Store;
  logger?: Logger;
  /** run the relay (sequence, and publish with NATS) in this process; needs `store` @default true when a store is given */
  relay?: boolean;
  /** consume the stream here (a gateway serving subscriptions) @default true */
  consume?: boolean;
  /** NATS connection name @default 'tandem' */
  name?: string;
}

export interface EventBus {
  kind: 'in-process' | 'nats';
  /** the stream (null when `consume` is false) */
  stream: EventStream | null;
  /** Tandem's subscription fields on the stream, for the gateway (null when `consume` is false) */
  source: SubscriptionSource | null;
  relay: RunningEventRelay | null;
  /** Stops the relay, the stream and the NATS connection. Idempotent. */
  close(): Promise<void>;
}

/** Opens the bus the configuration names: NATS JetStream when natsUrl is set, else the in-process bus over `store`. */
export async function openEventBus(options: OpenEventBusOptions = {}): Promise<EventBus> {
  const config = options.config ?? eventBusConfigFromEnv();
  const logger = options.logger ?? createLogger('events');
  const { store } = options;
  const consume = options.consume ?? true;
  const withRelay = (options.relay ?? true) && store !== undefined;
  let nats: NatsBus | undefined;
  let relay: RunningEventRelay | null = null;
  let stream: EventStream | null = null;
  const close = async () => {
    await relay?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the event relay failed'));
    await stream?.close().catch((err: unknown) => logger.warn({ err }, 'closing the event stream failed'));
    await nats?.close();
  };
  try {
    if (config.natsUrl) {
      nats = await connectNats(
        { url: config.natsUrl, stream: config.natsStream, subjectPrefix: config.natsSubjectPrefix, retentionHours: config.retentionHours },
        logger,
        options.name,
      );
      if (withRelay) relay = await startEventRelay({ store: store!, logger, publisher: natsPublisher(nats, logger), retentionHours: config.retentionHours });
      if (consume) stream = await createNatsEventStream(nats, logger);
    } else {
      if (!store) throw new Error('the in-process event bus needs the store (or set NATS_URL)');
      const local = consume ? await createStoreEventStream({ store, logger }) : null;
      stream = local;
      if (withRelay) relay = await startEventRelay({ store, logger, retentionHours: config.retentionHours, onSequenced: local ? (e) => local.offer(e) : undefined });
    }
  } catch (err) {
    await close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    kind: config.natsUrl ? 'nats' : 'in-process',
    stream,
    source: stream ? eventSubscriptionSource(stream) : null,
    relay,
    close: () => (closing ??= close()),
  };
}
