import type { SourceSystem } from '../canonical-schema';
import { envInt, envString } from '../lib';

/** How to reach and call one source system. */
export interface SystemConfig {
  /** Base URL of the vendor API, without a trailing slash (e.g. `http://127.0.0.1:4101`). */
  baseUrl: string;
  /** Bearer token sent as `Authorization: Bearer <token>`. */
  token: string;
  /**
   * Time budget of one HTTP attempt, in milliseconds.
   * @default 3000
   */
  timeoutMs: number;
  /**
   * How many times a read is retried after a retryable failure (UNAVAILABLE, TIMEOUT, RATE_LIMITED).
   * Writes are never retried by the adapter.
   * @default 2
   */
  readRetries: number;
  /**
   * The longest Retry-After a read waits for; a longer one fails at once with RATE_LIMITED
   * rather than stalling a query.
   * @default 2000
   */
  maxRetryAfterMs: number;
  /**
   * First backoff delay between read retries, in milliseconds; doubles each retry, with jitter.
   * @default 100
   */
  retryBaseDelayMs?: number;
  /**
   * The largest answer body read, in bytes; a longer one is cut off and fails BAD_RESPONSE
   * (a misbehaving system cannot exhaust the gateway's memory).
   * @default 67108864 (64 MiB)
   */
  maxResponseBytes?: number;
}

/** Connection settings of the three systems. */
export type AdaptersConfig = Record<SourceSystem, SystemConfig>;

/** Defaults shared by every system. */
export const DEFAULT_TIMEOUT_MS = 3000;
export const DEFAULT_READ_RETRIES = 2;
export const DEFAULT_MAX_RETRY_AFTER_MS = 2000;
export const DEFAULT_RETRY_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Reads one system's settings from the environment:
 * `TANDEM_<SYS>_URL`, `TANDEM_<SYS>_TOKEN`, and the shared `TANDEM_ADAPTER_TIMEOUT_MS`,
 * `TANDEM_ADAPTER_READ_RETRIES`, `TANDEM_ADAPTER_MAX_RETRY_AFTER_MS`.
 */
export function systemConfigFromEnv(system: SourceSystem): SystemConfig {
  const defaults = SYSTEM_DEFAULTS[system];
  return {
    baseUrl: envString(`TANDEM_${system}_URL`, defaults.url).replace(/\/+$/, ''),
    token: envString(`TANDEM_${system}_TOKEN`, defaults.token),
    timeoutMs: envInt('TANDEM_ADAPTER_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 1, 600_000),
    readRetries: envInt('TANDEM_ADAPTER_READ_RETRIES', DEFAULT_READ_RETRIES, 0, 10),
    maxRetryAfterMs: envInt('TANDEM_ADAPTER_MAX_RETRY_AFTER_MS', DEFAULT_MAX_RETRY_AFTER_MS, 0, 600_000),
    maxResponseBytes: envInt('TANDEM_ADAPTER_MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES, 1024, 1024 * 1024 * 1024),
  };
}

const SYSTEM_DEFAULTS: Record<SourceSystem, { url: string; token: string }> = {
  /** @default TANDEM_CRM_URL=http://127.0.0.1:4101, TANDEM_CRM_TOKEN=crm-dev-token */
  CRM: { url: 'http://127.0.0.1:4101', token: 'crm-dev-token' },
  /** @default TANDEM_ERP_URL=http://127.0.0.1:4102, TANDEM_ERP_TOKEN=erp-dev-token */
  ERP: { url: 'http://127.0.0.1:4102', token: 'erp-dev-token' },
  /** @default TANDEM_PSA_URL=http://127.0.0.1:4103, TANDEM_PSA_TOKEN=psa-dev-token */
  PSA: { url: 'http://127.0.0.1:4103', token: 'psa-dev-token' },
};

/**
 * Reads the settings of all three systems from the environment.
 *
 * | variable | default |
 * | --- | --- |
 * | `TANDEM_CRM_URL` / `TANDEM_CRM_TOKEN` | `http://127.0.0.1:4101` / `crm-dev-token` |
 * | `TANDEM_ERP_URL` / `TANDEM_ERP_TOKEN` | `http://127.0.0.1:4102` / `erp-dev-token` |
 * | `TANDEM_PSA_URL` / `TANDEM_PSA_TOKEN` | `http://127.0.0.1:4103` / `psa-dev-token` |
 * | `TANDEM_ADAPTER_TIMEOUT_MS` | `3000` |
 * | `TANDEM_ADAPTER_READ_RETRIES` | `2` |
 * | `TANDEM_ADAPTER_MAX_RETRY_AFTER_MS` | `2000` |
 * | `TANDEM_ADAPTER_MAX_RESPONSE_BYTES` | `67108864` |
 */
export function adaptersConfigFromEnv(): AdaptersConfig {
  return { CRM: systemConfigFromEnv('CRM'), ERP: systemConfigFromEnv('ERP'), PSA: systemConfigFromEnv('PSA') };
}

/** A SystemConfig with the shared defaults filled in; `baseUrl` and `token` are required. */
export function systemConfig(partial: Pick<SystemConfig, 'baseUrl' | 'token'> & Partial<SystemConfig>): SystemConfig {
  return {
    timeoutMs: DEFAULT_TIMEOUT_MS,
    readRetries: DEFAULT_READ_RETRIES,
    maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
    ...partial,
    baseUrl: partial.baseUrl.replace(/\/+$/, ''),
  };
}
