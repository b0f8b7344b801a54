import { createAdapters, adaptersConfigFromEnv, systemConfig, type Adapters, type AdaptersConfig } from '../adapters';
import { CanonicalCache, freshnessFromEnv, indexAll, scheduleIndexing, type FreshnessBudget } from '../cache';
import { ENTITY_TYPES } from '../canonical-schema';
import { startConsole, type ConsoleOptions, type RunningConsole } from '../console';
import { startGateway, composeSupergraph, createGatewaySecurity, type ConnectionInitHook, type GatewaySecurityOptions, type RunningGateway, type SubscriptionsConfig } from '../gateway';
import { eventBusConfigFromEnv, openEventBus, type EventBus, type EventBusConfig } from '../events';
import { createLogger, envBool } from '../lib';
import { createHealth, startTracing, type Health } from '../telemetry';
import { openStore, type Store, type StoreConfig } from '../store';
import { startSystems, type RunningSystem, type SystemName } from '../systems';
import { ROLES, SUBGRAPH_NAMES, startSubgraph, type Role, type RunningSubgraph, type SubgraphName } from '../subgraphs';
import {
  createSyncEngine,
  registerSyncMetrics,
  scheduleReconciliation,
  startWebhookServer,
  startWorkers,
  type RunningWebhookServer,
  type StartWorkersOptions,
  type SyncEngine,
  type SyncWorkers,
} from '../sync';
import { tandemConfigFromEnv, type TandemConfig } from './config';
import { EXAMPLE_QUERIES } from './examples';
import { consoleAuthorizer, mintDevToken, tandemSecurityFromEnv, type TandemSecurity } from './security';
import { watchRole } from './observability';

/** Overrides for {@link startAll}; anything not given comes from the environment. */
export interface StartAllOptions {
  config?: Partial<TandemConfig>;
  /** Store settings (e.g. `{ memory: true }` in tests). */
  store?: StoreConfig;
  /** Options for the embedded simulators (tests shrink the world and drop the latency). */
  systems?: { latencyMs?: number; customers?: number; seed?: number; persist?: boolean; concurrency?: Partial<Record<SystemName, number>> };
  /** Freshness budgets per entity. */
  freshness?: Partial<FreshnessBudget>;
  /** Adapter settings per system, merged over the defaults (e.g. a shorter timeout in tests). */
  adapters?: Partial<{ timeoutMs: number; readRetries: number; maxRetryAfterMs: number; retryBaseDelayMs: number }>;
  /** Settings of the in-process sync workers (tests shorten the poll and the backoff). */
  workers?: Partial<Omit<StartWorkersOptions, 'store' | 'adapters' | 'engine'>>;
  /** Gateway policies over the environment's (e.g. a tighter rate limit in a test). */
  security?: Partial<GatewaySecurityOptions>;
  /** Settings of the operations console (tests sample its charts more often). */
  console?: Omit<ConsoleOptions, 'path' | 'graphqlPath'>;
  /** Event bus settings over the environment's (tests: a NATS stream of their own). */
  events?: Partial<EventBusConfig>;
  /** graphql-ws limits over the environment's (tests shrink the subscriber buffer). */
  subscriptions?: Partial<SubscriptionsConfig>;
  /** The gateway's connection_init check (see ConnectionInitHook). */
  onConnect?: ConnectionInitHook;
}

/** A whole Tandem in one process: simulators, store, cache, subgraphs and gateway. */
export interface RunningTandem {
  gatewayUrl: string;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  systems: Partial<Record<SystemName, RunningSystem>>;
  store: Store;
  adapters: Adapters;
  cache: CanonicalCache;
  gateway: RunningGateway;
  supergraphSdl: string;
  /** The sync engine every subgraph submits to. */
  engine: SyncEngine;
  /** The sync workers of this process; null when `workers` is off (separate `tandem worker` processes do the work). */
  workers: SyncWorkers | null;
  /** The webhook receiver (`POST /webhooks/crm|erp|psa`); null when `webhooks` is off. */
  webhooks: RunningWebhookServer | null;
  /** Keys and settings in force; `devKeys` is set when the development keys under the data directory are used. */
  security: TandemSecurity;
  /** A ready development token per role (the portal one sees the first customer), when the development keys are used. */
  devTokens: Record<Role, string> | null;
  /** Liveness and readiness (`/healthz`, `/readyz` on every server of the process). */
  health: Health;
  /** The operations console (`<gateway>/console`). */
  console: RunningConsole;
  /** The event bus (in-process, or NATS JetStream with NATS_URL) and its relay, behind the subscriptions. */
  events: EventBus;
  /** Stops everything in reverse order of start. Idempotent. */
  stop(): Promise<void>;
}

const log = createLogger('runtime');

/**
 * Starts the whole system in this process on the embedded default: the three
 * simulated systems (seeded on first start), the store (migrated), a first
 * index of every source record when the store is empty, the four subgraphs and
 * the gateway composed over them.
 */
export async function startAll(options: StartAllOptions = {}): Promise<RunningTandem> {
  const config: TandemConfig = { ...tandemConfigFromEnv(), ...options.config };
  const stops: (() => Promise<void>)[] = [];
  const health = createHealth();
  const stopAll = async () => {
    health.setPhase('stopping');
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
  };

  try {
    const tracing = startTracing({ serviceName: 'tandem' });
    if (tracing) stops.push(() => tracing.stop());
    let systems: Partial<Record<SystemName, RunningSystem>> = {};
    let adapterConfig: AdaptersConfig = adaptersConfigFromEnv();
    if (config.embeddedSystems) {
      const persist = options.systems?.persist ?? true;
      systems = await startSystems({
        dataDir: persist ? config.dataDir : undefined,
        latencyMs: options.systems?.latencyMs,
        customers: options.systems?.customers,
        seed: options.systems?.seed,
        concurrency: options.systems?.concurrency,
        host: config.host,
        ports: options.config?.gatewayPort === 0 ? { crm: 0, erp: 0, psa: 0 } : undefined,
      });
      for (const s of Object.values(systems)) stops.push(() => s.stop());
      adapterConfig = {
        CRM: systemConfig({ ...adapterConfig.CRM, ...options.adapters, baseUrl: systems.crm!.url, token: systems.crm!.token }),
        ERP: systemConfig({ ...adapterConfig.ERP, ...options.adapters, baseUrl: systems.erp!.url, token: systems.erp!.token }),
        PSA: systemConfig({ ...adapterConfig.PSA, ...options.adapters, baseUrl: systems.psa!.url, token: systems.psa!.token }),
      };
    }
    const adapters = createAdapters(adapterConfig);

    health.setPhase('migrating');
    // a data directory given in `config` holds the store too, unless `store` says otherwise
    const storeDir = options.config?.dataDir !== undefined && options.config.store === undefined ? { dataDir: options.config.dataDir } : {};
    const store = await openStore({ ...config.store, ...storeDir, ...options.store, logger: createLogger('store') });
    stops.push(() => store.close());
    health.setPhase('starting');

    // the relay sequences (and with NATS publishes) every event this store commits, the first index's included
    const events = await openEventBus({ config: eventBusConfigFromEnv(options.events), store, logger: createLogger('events'), name: 'tandem-start' });
    stops.push(() => events.close());

    const cache = new CanonicalCache(store, adapters, { ...freshnessFromEnv(), ...options.freshness }, createLogger('cache'));
    const cached = await store.count('customer');
    if (cached === 0) {
      log.info('empty store: indexing every record from the CRM, ERP and PSA (first start)');
      const started = Date.now();
      const reports = await indexAll(store, adapters, createLogger('indexer'), ENTITY_TYPES);
      const total = reports.reduce((n, r) => n + r.count, 0);
      log.info({ ms: Date.now() - started, total }, `indexed ${total} records in ${Date.now() - started} ms`);
    } else {
      log.info({ customers: cached }, 'store already holds data: serving it, refreshing in the background');
      const sweep = indexAll(store, adapters, createLogger('indexer'));
      stops.push(async () => {
        await sweep;
      });
    }
    if (config.indexIntervalSeconds > 0) {
      const schedule = scheduleIndexing(store, adapters, createLogger('indexer'), config.indexIntervalSeconds);
      stops.push(() => schedule.stop());
    }

    const engine = createSyncEngine({ store, logger: createLogger('sync-engine'), probe: (system) => adapters.probe(system) });
    const unregisterMetrics = registerSyncMetrics(engine, store);
    stops.push(async () => unregisterMetrics());
    // stopped after the gateway and the subgraphs (nothing new is submitted), before the store
    let workers: SyncWorkers | null = null;
    if (config.workers) {
      const running = startWorkers({ ...options.workers, store, adapters, engine, logger: createLogger('sync-workers') });
      workers = running;
      stops.push(() => running.stop());
    }

    // Inbound webhooks: the receiver, and the embedded simulators pointed at it.
    let webhooks: RunningWebhookServer | null = null;
    if (config.webhooks) {
      const receiver = await startWebhookServer({ engine, store, port: options.config?.gatewayPort === 0 ? 0 : config.webhookPort, host: config.host, logger: createLogger('webhooks'), health });
      webhooks = receiver;
      stops.push(() => receiver.stop());
      for (const [name, system] of Object.entries(systems) as [SystemName, RunningSystem][]) {
        system.setWebhook({ url: receiver.endpoints[name], enabled: true });
      }
    }
    if (config.reconcileIntervalSeconds > 0) {
      const schedule = scheduleReconciliation({ engine, adapters, store, intervalSeconds: config.reconcileIntervalSeconds, logger: createLogger('reconcile') });
      stops.push(() => schedule.stop());
    }

    const security = await tandemSecurityFromEnv(config.dataDir);
    const consoleApp = startConsole({ authorize: consoleAuthorizer(security.gateway.security.auth), ...options.console, path: '/console', graphqlPath: '/graphql' });
    stops.push(async () => consoleApp.stop());

    const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
    for (const name of SUBGRAPH_NAMES) {
      const running = await startSubgraph(name, { cache, sync: engine, port: config.subgraphPorts[name], host: config.host, internalToken: security.internalToken, health });
      subgraphs[name] = running;
      stops.push(() => running.stop());
    }

    const unwatch = watchRole(health, { store, workers });
    stops.push(async () => unwatch());

    const supergraphSdl = composeSupergraph(SUBGRAPH_NAMES.map((n) => ({ name: n, url: subgraphs[n].url, typeDefs: subgraphs[n].sdl })));
    const gatewayLogger = createLogger('gateway');
    if (security.devKeys) log.warn({ keys: security.devKeys.dir }, 'tokens are verified with the development key under the data directory; set TANDEM_AUTH_JWKS_URL or TANDEM_AUTH_PUBLIC_KEY in production');
    if (!security.gateway.security.auth) log.warn('TANDEM_AUTH=off: every request is let in with the staff roles (development only)');
    const gateway = await startGateway({
      port: config.gatewayPort,
      host: config.host,
      supergraphSdl,
      logger: gatewayLogger,
      security: createGatewaySecurity({ ...security.gateway.security, ...options.security }, gatewayLogger),
      corsOrigins: security.gateway.corsOrigins,
      maxBodyBytes: security.gateway.maxBodyBytes,
      introspection: envBool('TANDEM_GATEWAY_INTROSPECTION', process.env.NODE_ENV !== 'production'),
      // the subgraphs above keep their HTTP endpoints; only this gateway skips the hop
      localSubgraphs: config.inProcessSubgraphs ? subgraphs : undefined,
      subscriptions: { ...options.subscriptions, source: events.source ?? undefined },
      onConnect: options.onConnect,
      landingPage: {
        title: 'Tandem',
        description: 'One graph over the CRM, ERP and PSA. Pick an example, press Run (Ctrl+Enter).',
        examples: EXAMPLE_QUERIES,
      },
      // the operations console, on the gateway's server (a generic extra-routes hook)
      routes: consoleApp.routes,
      health,
    });
    stops.push(() => gateway.stop());
    health.setPhase('ready');

    let devTokens: Record<Role, string> | null = null;
    if (security.devKeys) {
      const keys = security.devKeys;
      const first = (await store.page('customer', { first: 1 })).rows[0]?.value;
      devTokens = Object.fromEntries(
        await Promise.all(ROLES.map(async (r) => [r, await mintDevToken(keys, { roles: [r], customerId: r === 'portal' ? first?.id : undefined })])),
      ) as Record<Role, string>;
    }

    return {
      gatewayUrl: gateway.url,
      subgraphs,
      systems,
      store,
      adapters,
      cache,
      gateway,
      supergraphSdl,
      engine,
      workers,
      webhooks,
      security,
      devTokens,
      health,
      console: { ...consoleApp, url: gateway.url.replace(/\/graphql$/, '/console') },
      events,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

