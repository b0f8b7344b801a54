import type { CountersSnapshot } from './server/counters';
import type { Faults, FaultsPatch } from './server/faults';
import type { SystemLabel } from './server/types';
import type { WebhookDelivery, WebhookPatch, WebhookSettings } from './server/webhooks';

/** The admin API of one running simulator, over HTTP (for tests and tools in other processes). */
export interface SystemAdmin {
  health(): Promise<{ ok: boolean; system: SystemLabel }>;
  faults(): Promise<Faults>;
  /** Merges fault switches; resolves to the result. */
  setFaults(patch: FaultsPatch): Promise<Faults>;
  /** Restores the default fault switches. */
  clearFaults(): Promise<Faults>;
  counters(): Promise<CountersSnapshot>;
  resetCounters(): Promise<void>;
  /** The webhook settings (no secret) and the delivery log, newest first. */
  webhooks(): Promise<WebhookSettings & { deliveries: WebhookDelivery[] }>;
  setWebhook(patch: WebhookPatch): Promise<WebhookSettings>;
  redeliverWebhook(id: string): Promise<WebhookDelivery>;
}

export class SystemAdminError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SystemAdminError';
  }
}

/** A typed client of `<url>/__admin/...` (no auth; loopback only). */
export function systemAdmin(url: string): SystemAdmin {
  const base = url.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/__admin/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new SystemAdminError(`${method} ${base}/__admin/${path} answered ${res.status}: ${text}`, res.status);
    return JSON.parse(text) as T;
  };
  return {
    health: () => call('GET', 'health'),
    faults: () => call('GET', 'faults'),
    setFaults: (patch) => call('PUT', 'faults', patch),
    clearFaults: () => call('DELETE', 'faults'),
    counters: () => call('GET', 'counters'),
    resetCounters: async () => {
      await call('POST', 'counters/reset');
    },
    webhooks: () => call('GET', 'webhooks'),
    setWebhook: (patch) => call('PUT', 'webhooks', patch),
    redeliverWebhook: (id) => call('POST', `webhooks/${encodeURIComponent(id)}/redeliver`),
  };
}
