import { envDay, envInt, envString } from '../lib';
import type { SystemName } from './server/types';

/** Default listen port of each simulator. */
export const DEFAULT_PORTS: Readonly<Record<SystemName, number>> = { crm: 4101, erp: 4102, psa: 4103 };
/** Default bearer token of each simulator. */
export const DEFAULT_TOKENS: Readonly<Record<SystemName, string>> = { crm: 'crm-dev-token', erp: 'erp-dev-token', psa: 'psa-dev-token' };
/** Default HMAC secret of each simulator's webhooks (`TANDEM_<SYS>_WEBHOOK_SECRET`). */
export const DEFAULT_WEBHOOK_SECRETS: Readonly<Record<SystemName, string>> = {
  crm: 'crm-dev-webhook-secret',
  erp: 'erp-dev-webhook-secret',
  psa: 'psa-dev-webhook-secret',
};
/** Default concurrency limit of each simulator (requests in flight before 429). */
export const DEFAULT_CONCURRENCY: Readonly<Record<SystemName, number>> = { crm: 25, erp: 10, psa: 25 };

/**
 * Settings of the three simulators under `npm start`. The shape spreads straight
 * into `startSystems({ ...systemsConfigFromEnv(), dataDir })`.
 */
export interface SystemsConfig {
  /**
   * Listen address of all three (`TANDEM_SYSTEMS_HOST`).
   * @default '127.0.0.1'
   */
  host: string;
  /**
   * Listen ports (`TANDEM_CRM_PORT`, `TANDEM_ERP_PORT`, `TANDEM_PSA_PORT`); 0 picks a free port.
   * @default { crm: 4101, erp: 4102, psa: 4103 }
   */
  ports: Record<SystemName, number>;
  /**
   * Bearer tokens (`TANDEM_CRM_TOKEN`, `TANDEM_ERP_TOKEN`, `TANDEM_PSA_TOKEN`).
   * @default { crm: 'crm-dev-token', erp: 'erp-dev-token', psa: 'psa-dev-token' }
   */
  tokens: Record<SystemName, string>;
  /**
   * Requests in flight before a simulator answers 429 (`TANDEM_CRM_CONCURRENCY`, `TANDEM_ERP_CONCURRENCY`, `TANDEM_PSA_CONCURRENCY`).
   * @default { crm: 25, erp: 10, psa: 25 }
   */
  concurrency: Record<SystemName, number>;
  /**
   * Wait before handling each request, in milliseconds (`TANDEM_SYSTEM_LATENCY_MS`).
   * @default 5
   */
  latencyMs: number;
  /**
   * Seed of the generated world when a simulator has no data file yet (`TANDEM_SEED`).
   * @default 42
   */
  seed: number;
  /**
   * Size of the generated world, in CRM accounts (`TANDEM_SEED_CUSTOMERS`).
   * @default 50
   */
  customers: number;
  /**
   * Base date of the generated world, `YYYY-MM-DD` (`TANDEM_SEED_TODAY`): the world is "in mid-flight"
   * around it (open invoices, unapproved time). Set it to reproduce one day's world.
   * @default undefined: today
   */
  today: string | undefined;
  /**
   * Where each simulator sends its webhooks (`TANDEM_<SYS>_WEBHOOK_URL`, unset: nothing is
   * sent until one is set at runtime) and their HMAC secret (`TANDEM_<SYS>_WEBHOOK_SECRET`).
   * @default { crm: { url: null, secret: 'crm-dev-webhook-secret' }, ... }
   */
  webhooks: Record<SystemName, { url: string | null; secret: string }>;
}

const NAMES: readonly SystemName[] = ['crm', 'erp', 'psa'];

/** Reads {@link SystemsConfig} from the environment; a bad value throws a ConfigError naming the variable. */
export function systemsConfigFromEnv(): SystemsConfig {
  const per = <T>(read: (name: SystemName, upper: string) => T) =>
    Object.fromEntries(NAMES.map((n) => [n, read(n, n.toUpperCase())])) as Record<SystemName, T>;
  return {
    host: envString('TANDEM_SYSTEMS_HOST', '127.0.0.1'),
    ports: per((n, u) => envInt(`TANDEM_${u}_PORT`, DEFAULT_PORTS[n], 0, 65535)),
    tokens: per((n, u) => envString(`TANDEM_${u}_TOKEN`, DEFAULT_TOKENS[n])),
    concurrency: per((n, u) => envInt(`TANDEM_${u}_CONCURRENCY`, DEFAULT_CONCURRENCY[n], 1, 100_000)),
    latencyMs: envInt('TANDEM_SYSTEM_LATENCY_MS', 5, 0, 60_000),
    seed: envInt('TANDEM_SEED', 42),
    customers: envInt('TANDEM_SEED_CUSTOMERS', 50, 5, 100_000),
    today: envDay('TANDEM_SEED_TODAY'),
    webhooks: per((n, u) => ({
      url: envString(`TANDEM_${u}_WEBHOOK_URL`) ?? null,
      secret: envString(`TANDEM_${u}_WEBHOOK_SECRET`, DEFAULT_WEBHOOK_SECRETS[n]),
    })),
  };
}
