import { createLogger, type Logger } from '../lib';
import { DEFAULT_CONCURRENCY, DEFAULT_TOKENS, DEFAULT_WEBHOOK_SECRETS, systemsConfigFromEnv } from './config';
import { CrmSystem, salesforceDialect } from './crm/crm-system';
import { ErpSystem, netSuiteDialect } from './erp/erp-system';
import { kantataDialect, PsaSystem } from './psa/psa-system';
import { generateWorld } from './seed/generate-world';
import type { CrmData, ErpData, PsaData, World } from './seed/world';
import { readSystemFile, systemFilePath } from './server/persistence';
import { type RunningSystem, startSystemServer, type SystemModel } from './server/system-server';
import type { Dialect, SystemName } from './server/types';
import { defaultWebhookConfig, parseWebhookPatch, type WebhookPatch } from './server/webhooks';

/** Options of one simulator. */
export interface SimulatorOptions {
  /**
   * Listen port; 0 picks a free one (read it back from `RunningSystem.url`).
   * @default 0
   */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * Bearer token the simulator accepts.
   * @default 'crm-dev-token' | 'erp-dev-token' | 'psa-dev-token'
   */
  token?: string;
  /**
   * Wait before handling each request, in milliseconds.
   * @default 0
   */
  latencyMs?: number;
  /**
   * Requests in flight before answering 429.
   * @default 25 (ERP 10)
   */
  concurrency?: number;
  /**
   * Keep the records in `<dataDir>/systems/<name>.json` (seeded when missing); without it the simulator lives in memory.
   */
  dataDir?: string;
  /** The world to seed from (the simulator copies its part); generated from `seed`/`customers`/`today` when absent. */
  world?: World;
  /** @default 42 */
  seed?: number;
  /** @default 50 */
  customers?: number;
  /** Base date of a generated world. @default new Date() */
  today?: Date | string;
  /** @default createLogger('system-<name>') */
  logger?: Logger;
  /**
   * Webhooks: receiver URL (none: nothing is sent), HMAC secret, and the retry
   * schedule (first retry after retryBaseMs, doubling; maxAttempts in all).
   * @default { url: null, secret: '<name>-dev-webhook-secret', enabled: true, retryBaseMs: 500, maxAttempts: 6 }
   */
  webhook?: WebhookPatch;
}

/**
 * Options of {@link startSystems}. Every setting left out comes from
 * {@link systemsConfigFromEnv} (ports 4101-4103, dev tokens, latency 5 ms, ...),
 * except under jest, where ports default to 0 (free ports) and latency to 0.
 */
export interface StartSystemsOptions {
  /** The world all three seed from; generated once (from seed, customers, today) when absent and needed. */
  world?: World;
  /** Keep each system's records in `<dataDir>/systems/<name>.json`; in memory without it. */
  dataDir?: string;
  /** @default TANDEM_SYSTEM_LATENCY_MS, 5 (0 under jest) */
  latencyMs?: number;
  /** @default TANDEM_<SYS>_PORT, 4101 / 4102 / 4103 (0 under jest) */
  ports?: Partial<Record<SystemName, number>>;
  /** @default TANDEM_<SYS>_TOKEN, `<sys>-dev-token` */
  tokens?: Partial<Record<SystemName, string>>;
  /** @default TANDEM_<SYS>_CONCURRENCY, 25 (ERP 10) */
  concurrency?: Partial<Record<SystemName, number>>;
  /** @default TANDEM_SYSTEMS_HOST, '127.0.0.1' */
  host?: string;
  /** @default TANDEM_SEED, 42 */
  seed?: number;
  /** @default TANDEM_SEED_CUSTOMERS, 50 */
  customers?: number;
  /** Base date of a generated world. @default TANDEM_SEED_TODAY, else new Date() */
  today?: Date | string;
  /** Start only these systems. @default all three */
  only?: readonly SystemName[];
  /** Parent logger; each system logs through a `system-<name>` child. */
  logger?: Logger;
  /**
   * Webhook settings per system (`{ crm: { url, secret } }`); what is left out comes from
   * TANDEM_<SYS>_WEBHOOK_URL / TANDEM_<SYS>_WEBHOOK_SECRET. Change them later with
   * `RunningSystem.setWebhook` or `PUT /__admin/webhooks`.
   */
  webhooks?: Partial<Record<SystemName, WebhookPatch>>;
}

/** The three running simulators. */
export interface RunningSystems {
  crm: RunningSystem<CrmData>;
  erp: RunningSystem<ErpData>;
  psa: RunningSystem<PsaData>;
}

interface DataOf {
  crm: CrmData;
  erp: ErpData;
  psa: PsaData;
}

const FACTORIES: { [N in SystemName]: { dialect: Dialect; model(data: DataOf[N]): SystemModel<DataOf[N]> } } = {
  crm: { dialect: salesforceDialect, model: (d) => new CrmSystem(d) },
  erp: { dialect: netSuiteDialect, model: (d) => new ErpSystem(d) },
  psa: { dialect: kantataDialect, model: (d) => new PsaSystem(d) },
};

async function startSystem<N extends SystemName>(name: N, opts: SimulatorOptions, world: () => World): Promise<RunningSystem<DataOf[N]>> {
  const file = opts.dataDir ? systemFilePath(opts.dataDir, name) : undefined;
  const persisted = file ? readSystemFile<DataOf[N]>(file, name) : undefined;
  const data = persisted?.data ?? (structuredClone(world()[name]) as DataOf[N]);
  const factory = FACTORIES[name];
  return startSystemServer({
    name,
    dialect: factory.dialect,
    model: factory.model(data),
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    token: opts.token ?? DEFAULT_TOKENS[name],
    latencyMs: opts.latencyMs ?? 0,
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY[name],
    logger: opts.logger ?? createLogger(`system-${name}`),
    file,
    writeOnStart: Boolean(file && !persisted),
    idempotency: persisted?.idempotency,
    webhook: { ...defaultWebhookConfig(DEFAULT_WEBHOOK_SECRETS[name]), ...parseWebhookPatch(opts.webhook ?? {}) },
  });
}

function worldOf(opts: { world?: World; seed?: number; customers?: number; today?: Date | string }): () => World {
  let world = opts.world;
  return () => (world ??= generateWorld({ seed: opts.seed, customers: opts.customers, today: opts.today }));
}

/** Starts the Salesforce-shaped CRM simulator. */
export function startCrm(opts: SimulatorOptions = {}): Promise<RunningSystem<CrmData>> {
  return startSystem('crm', opts, worldOf(opts));
}

/** Starts the NetSuite-shaped ERP simulator. */
export function startErp(opts: SimulatorOptions = {}): Promise<RunningSystem<ErpData>> {
  return startSystem('erp', opts, worldOf(opts));
}

/** Starts the Kantata-shaped PSA simulator. */
export function startPsa(opts: SimulatorOptions = {}): Promise<RunningSystem<PsaData>> {
  return startSystem('psa', opts, worldOf(opts));
}

/**
 * Starts the simulators (all three, or `only` some) over one shared world,
 * generated at most once and only when some system has no data file. If one
 * fails to start, the others are stopped and the error is rethrown.
 */
export function startSystems(opts: StartSystemsOptions & { only: readonly SystemName[] }): Promise<Partial<RunningSystems>>;
export function startSystems(opts?: StartSystemsOptions): Promise<RunningSystems>;
export async function startSystems(opts: StartSystemsOptions = {}): Promise<Partial<RunningSystems>> {
  const env = systemsConfigFromEnv();
  const underJest = process.env.JEST_WORKER_ID !== undefined;
  const seed = opts.seed ?? env.seed;
  const customers = opts.customers ?? env.customers;
  const world = worldOf({ world: opts.world, seed, customers, today: opts.today ?? env.today });
  const one = (name: SystemName): SimulatorOptions => ({
    port: opts.ports?.[name] ?? (underJest ? 0 : env.ports[name]),
    host: opts.host ?? env.host,
    token: opts.tokens?.[name] ?? env.tokens[name],
    latencyMs: opts.latencyMs ?? (underJest ? 0 : env.latencyMs),
    concurrency: opts.concurrency?.[name] ?? env.concurrency[name],
    dataDir: opts.dataDir,
    logger: opts.logger ? opts.logger.child({ component: `system-${name}` }) : undefined,
    webhook: { ...env.webhooks[name], ...opts.webhooks?.[name] },
  });
  const names = opts.only ? [...new Set(opts.only)] : (['crm', 'erp', 'psa'] as const);
  const results = await Promise.allSettled(names.map((name) => startSystem(name, one(name), world)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw failed.reason;
  }
  const out: Partial<Record<SystemName, RunningSystem>> = {};
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') out[names[i]] = r.value;
  });
  return out as Partial<RunningSystems>;
}

/** Stops every simulator given (in parallel). */
export async function stopSystems(systems: Partial<RunningSystems>): Promise<void> {
  await Promise.all(Object.values(systems).map((s) => s.stop()));
}
