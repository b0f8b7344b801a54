import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../../lib';
import type { SystemLabel } from './types';

/** Where and how a simulator sends its webhooks. */
export interface WebhookConfig {
  /** Receiver URL; null: events are not sent (nor logged). */
  url: string | null;
  /** HMAC-SHA256 key of `X-Tandem-Signature`. */
  secret: string;
  /** false pauses sending (events are dropped) without forgetting the URL. @default true */
  enabled: boolean;
  /** First redelivery delay; each next one doubles. @default 500 */
  retryBaseMs: number;
  /** Attempts per delivery, the first included. @default 6 */
  maxAttempts: number;
}

/** The settings a simulator starts with: no URL (nothing is sent), retries 500 ms doubling, 6 attempts. */
export function defaultWebhookConfig(secret: string): WebhookConfig {
  return { url: null, secret, enabled: true, retryBaseMs: 500, maxAttempts: 6 };
}

/** A partial update of the webhook settings (the admin API and `RunningSystem.setWebhook`). */
export type WebhookPatch = Partial<Pick<WebhookConfig, 'url' | 'secret' | 'enabled' | 'retryBaseMs' | 'maxAttempts'>>;

/** The settings as shown to callers: the secret is never echoed. */
export interface WebhookSettings {
  url: string | null;
  enabled: boolean;
  secretSet: boolean;
  retryBaseMs: number;
  maxAttempts: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One delivery in the log (the latest {@link DELIVERY_LOG_SIZE} are kept). */
export interface WebhookDelivery {
  id: string;
  type: string;
  occurredAt: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  /** HTTP status of the last attempt; null when it got no answer */
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  /** The exact JSON body sent on every attempt. */
  body: string;
  /** W3C traceparent of the request that raised the event, sent with every attempt (so the receiver continues its trace) */
  traceparent: string | null;
}

export class WebhookConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookConfigError';
  }
}

export const DELIVERY_LOG_SIZE = 500;
/** Attempts in flight at once per simulator; more wait their turn (a burst never floods the receiver). */
export const MAX_ATTEMPTS_IN_FLIGHT = 8;
const ATTEMPT_TIMEOUT_MS = 5000;

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, as the receiver checks it. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Validates a settings patch from the admin API or a caller; throws WebhookConfigError naming the bad key. */
export function parseWebhookPatch(input: unknown): WebhookPatch {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new WebhookConfigError('webhook settings must be a JSON object');
  const out: WebhookPatch = {};
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'url':
        if (value !== null && (typeof value !== 'string' || !/^https?:\/\/[^\s]+$/.test(value))) {
          throw new WebhookConfigError('url must be an http(s) URL or null');
        }
        out.url = value;
        break;
      case 'secret':
        if (typeof value !== 'string' || value === '') throw new WebhookConfigError('secret must be a non-empty string');
        out.secret = value;
        break;
      case 'enabled':
        if (typeof value !== 'boolean') throw new WebhookConfigError('enabled must be true or false');
        out.enabled = value;
        break;
      case 'retryBaseMs':
      case 'maxAttempts':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new WebhookConfigError(`${key} must be an integer of at least 1`);
        out[key] = value;
        break;
      default:
        throw new WebhookConfigError(`unknown webhook setting "${key}"`);
    }
  }
  return out;
}

/**
 * The simulators' shared webhook sender: signs each event, POSTs it, retries a
 * non-2xx answer or a network error with backoff (retryBaseMs doubling,
 * maxAttempts in all) and keeps a bounded delivery log. Sending happens on
 * timers, never inside the request that caused the event, and never throws.
 */
export class WebhookSender {
  private config: WebhookConfig;
  private readonly log = new Map<string, WebhookDelivery>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  /** attempts due while MAX_ATTEMPTS_IN_FLIGHT were in flight, in the order they fell due */
  private readonly waiting: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly system: SystemLabel,
    initial: WebhookConfig,
    private readonly logger: Logger,
  ) {
    this.config = { ...initial };
  }

  settings(): WebhookSettings {
    const { url, enabled, secret, retryBaseMs, maxAttempts } = this.config;
    return { url, enabled, secretSet: secret !== '', retryBaseMs, maxAttempts };
  }

  configure(patch: WebhookPatch): WebhookSettings {
    this.config = { ...this.config, ...parseWebhookPatch(patch) };
    this.logger.info({ url: this.config.url, enabled: this.config.enabled }, 'webhook settings changed');
    return this.settings();
  }

  /** The delivery log, newest first. */
  deliveries(): WebhookDelivery[] {
    return [...this.log.values()].reverse().map((d) => ({ ...d }));
  }

  /**
   * Queues one event for delivery; a no-op when no URL is set, sending is disabled or the sender stopped.
   * `traceparent`: of the request that raised it, sent with every attempt.
   */
  emit(type: string, data: Record<string, unknown>, now = new Date(), traceparent: string | null = null): WebhookDelivery | undefined {
    const { url, enabled } = this.config;
    if (this.stopped || !enabled || !url) return undefined;
    const id = randomUUID();
    const occurredAt = now.toISOString();
    const delivery: WebhookDelivery = {
      id,
      type,
      occurredAt,
      url,
      status: 'pending',
      attempts: 0,
      lastStatus: null,
      lastError: null,
      lastAttemptAt: null,
      deliveredAt: null,
      body: JSON.stringify({ id, type, occurredAt, data }),
      traceparent,
    };
    this.log.set(id, delivery);
    if (this.log.size > DELIVERY_LOG_SIZE) {
      const oldest = this.log.keys().next().value;
      if (oldest !== undefined) this.log.delete(oldest);
    }
    this.schedule(delivery, 0, { n: 0 });
    return { ...delivery };
  }

  /** Sends a logged delivery again (same id and body, to the current URL), with a fresh round of attempts. */
  redeliver(id: string): WebhookDelivery | undefined {
    const delivery = this.log.get(id);
    if (!delivery || this.stopped) return undefined;
    if (this.config.url) delivery.url = this.config.url;
    delivery.status = 'pending';
    this.schedule(delivery, 0, { n: 0 });
    return { ...delivery };
  }

  /** Cancels pending retries and in-flight attempts. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
    this.waiting.length = 0;
  }

  /** `round.n`: attempts made in this round (a redelivery starts a new round). */
  private schedule(delivery: WebhookDelivery, delayMs: number, round: { n: number }): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      const go = () => void this.attempt(delivery, round);
      if (this.inFlight.size < MAX_ATTEMPTS_IN_FLIGHT) go();
      else this.waiting.push(go);
    }, delayMs);
    this.timers.add(t);
  }

  private async attempt(delivery: WebhookDelivery, round: { n: number }): Promise<void> {
    if (this.stopped) return;
    delivery.attempts += 1;
    round.n += 1;
    const timestamp = String(Math.floor(Date.now() / 1000));
    delivery.lastAttemptAt = new Date().toISOString();
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), ATTEMPT_TIMEOUT_MS);
    this.inFlight.add(controller);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': `tandem-simulator-${this.system.toLowerCase()}`,
          'x-tandem-webhook-id': delivery.id,
          'x-tandem-webhook-timestamp': timestamp,
          'x-tandem-signature': signWebhook(this.config.secret, timestamp, delivery.body),
          ...(delivery.traceparent ? { traceparent: delivery.traceparent } : {}),
        },
        body: delivery.body,
        signal: controller.signal,
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (status < 200 || status >= 300) error = `answered ${status}`;
    } catch (e) {
      error = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
      if (!this.stopped) this.waiting.shift()?.();
    }
    if (this.stopped) return;
    delivery.lastStatus = status;
    delivery.lastError = error;
    if (error === null) {
      delivery.status = 'delivered';
      delivery.deliveredAt = new Date().toISOString();
      this.logger.debug({ delivery: delivery.id, type: delivery.type, attempts: delivery.attempts }, 'webhook delivered');
      return;
    }
    if (round.n >= this.config.maxAttempts) {
      delivery.status = 'failed';
      this.logger.warn({ delivery: delivery.id, type: delivery.type, attempts: delivery.attempts, error }, 'webhook delivery failed for good');
      return;
    }
    const delay = this.config.retryBaseMs * 2 ** Math.min(round.n - 1, 16);
    this.logger.debug({ delivery: delivery.id, attempts: delivery.attempts, error, retryInMs: delay }, 'webhook delivery failed; retrying');
    this.schedule(delivery, delay, round);
  }
}
