import { ConfigError, envInt, envString } from '../lib';

export interface EventBusConfig {
  /**
   * NATS server URL(s), comma-separated: the bus is NATS JetStream, shared by
   * every process. Unset: the in-process bus (the store's event table).
   * @default undefined (NATS_URL)
   */
  natsUrl?: string;
  /**
   * The JetStream stream (created when missing).
   * @default 'TANDEM_EVENTS' (TANDEM_NATS_STREAM)
   */
  natsStream: string;
  /**
   * Subjects are `<prefix>.<event type>`, e.g. `tandem.events.invoice.status-changed.v1`.
   * @default 'tandem.events' (TANDEM_NATS_SUBJECT_PREFIX)
   */
  natsSubjectPrefix: string;
  /**
   * How long the stream keeps events, so how long a client can resume with `since`
   * (the store's event table and JetStream's max_age alike).
   * @default 24 (TANDEM_EVENTS_RETENTION_HOURS)
   */
  retentionHours: number;
}

export const EVENT_BUS_DEFAULTS: Readonly<EventBusConfig> = Object.freeze({
  natsUrl: undefined,
  natsStream: 'TANDEM_EVENTS',
  natsSubjectPrefix: 'tandem.events',
  retentionHours: 24,
});

/**
 * Reads NATS_URL, TANDEM_NATS_STREAM, TANDEM_NATS_SUBJECT_PREFIX and TANDEM_EVENTS_RETENTION_HOURS;
 * `overrides` win (`natsUrl: ''` forces the in-process bus whatever NATS_URL says).
 */
export function eventBusConfigFromEnv(overrides: Partial<EventBusConfig> = {}): EventBusConfig {
  const config: EventBusConfig = {
    natsUrl: (overrides.natsUrl ?? envString('NATS_URL')) || undefined,
    natsStream: overrides.natsStream ?? envString('TANDEM_NATS_STREAM', EVENT_BUS_DEFAULTS.natsStream),
    natsSubjectPrefix: overrides.natsSubjectPrefix ?? envString('TANDEM_NATS_SUBJECT_PREFIX', EVENT_BUS_DEFAULTS.natsSubjectPrefix),
    retentionHours: overrides.retentionHours ?? envInt('TANDEM_EVENTS_RETENTION_HOURS', EVENT_BUS_DEFAULTS.retentionHours, 0, 24 * 365),
  };
  if (!/^[A-Za-z0-9_-]+$/.test(config.natsStream)) throw new ConfigError(`TANDEM_NATS_STREAM must be letters, digits, _ or -, got "${config.natsStream}"`);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(config.natsSubjectPrefix)) {
    throw new ConfigError(`TANDEM_NATS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, _ or -, got "${config.natsSubjectPrefix}"`);
  }
  return config;
}
