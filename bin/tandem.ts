#!/usr/bin/env node
// The `tandem` command: everything in one process, or one role at a time for scale-out.
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAdapters } from '../adapters';
import { CanonicalCache, freshnessFromEnv, indexAll } from '../cache';
import { openEventBus, eventBusConfigFromEnv, type EventBus } from '../events';
import { runGatewayCommand, runSchemaCheck } from '../gateway';
import { createLogger } from '../lib';
import {
  AUTH_OFF_ROLES,
  committedSupergraphPath,
  composeTandemSupergraph,
  DEV_AUDIENCE,
  DEV_ISSUER,
  ensureDevKeys,
  internalTokenVerifierFromEnv,
  mintDevToken,
  startAll,
  startBanner,
  tandemConfigFromEnv,
  watchRole,
} from '../runtime';
import { openStore } from '../store';
import { startSystems, type SystemName } from '../systems';
import { createSyncEngine, reconcile, registerSyncMetrics, scheduleReconciliation, startWebhookServer, startWorkers } from '../sync';
import { createHealth, startOpsServer, startTracing } from '../telemetry';
import { DEFAULT_SUBGRAPH_PORTS, isRole, isSubgraphName, ROLES, startSubgraph, SUBGRAPH_NAMES, type Role } from '../subgraphs';

const USAGE = `Usage: tandem <command>

  start                   everything in one process: simulated CRM/ERP/PSA, store, subgraphs, gateway
  systems [crm|erp|psa]   the simulated source systems only (all three, or one)
  subgraph <name>         one subgraph (${SUBGRAPH_NAMES.join(', ')}) over the store and the adapters
  worker                  sync workers: claim sync transactions from the store and carry them across the systems;
                          also the webhook receiver (port 4010), the periodic reconciliation and the event relay
  reconcile               one reconciliation pass (drift between CRM, ERP and PSA), print the report, exit
  gateway [options]       the federation gateway (tandem gateway --help)
  index                   index every source record into the store once, then exit
  migrate                 apply pending store migrations, then exit
  schema check|update     compare the composed supergraph with supergraph.graphql (or rewrite it;
                          update refuses a breaking change unless the old field was deprecated first,
                          or --allow-breaking)
  token <role> [--sub s] [--customer id] [--days n]
                          a development token signed with the data directory's key (roles: ${ROLES.join(', ')})

Configuration is read from the environment; see README.md.
`;

const log = createLogger('cli');

/** Resolves on SIGINT or SIGTERM. A second signal exits at once. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (sig: string) => {
      process.once('SIGINT', () => process.exit(130));
      resolve(sig);
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}

async function start(): Promise<number> {
  const config = tandemConfigFromEnv();
  const started = Date.now();
  process.stdout.write(`Starting Tandem (data in ${config.dataDir})...\n`);
  const tandem = await startAll();
  const storeNote = tandem.store.kind === 'pglite' ? `embedded PGlite in ${path.join(config.dataDir, 'pglite')}` : 'PostgreSQL (DATABASE_URL)';
  process.stdout.write(startBanner(tandem, storeNote) + `\n  Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.\n\n`);
  const sig = await untilSignal();
  process.stdout.write(`\n${sig}: stopping Tandem...\n`);
  await tandem.stop();
  process.stdout.write('Tandem stopped.\n');
  return 0;
}

async function systems(which: string | undefined): Promise<number> {
  const config = tandemConfigFromEnv();
  const names: SystemName[] = which ? [which as SystemName] : ['crm', 'erp', 'psa'];
  if (which && !['crm', 'erp', 'psa'].includes(which)) {
    process.stderr.write(`tandem systems: unknown system "${which}" (crm, erp or psa)\n`);
    return 2;
  }
  const tracing = startTracing({ serviceName: 'tandem-systems' });
  const running = await startSystems({ dataDir: config.dataDir, host: config.host, only: names });
  for (const s of Object.values(running)) process.stdout.write(`${s.system} simulator at ${s.url} (token ${s.token})\n`);
  await untilSignal();
  await Promise.all(Object.values(running).map((s) => s.stop()));
  await tracing?.stop();
  return 0;
}

async function subgraph(name: string | undefined): Promise<number> {
  if (!name || !isSubgraphName(name)) {
    process.stderr.write(`tandem subgraph: name one of ${SUBGRAPH_NAMES.join(', ')}\n`);
    return 2;
  }
  const config = tandemConfigFromEnv();
  const tracing = startTracing({ serviceName: `tandem-subgraph-${name}` });
  const health = createHealth('migrating');
  const store = await openStore({ ...config.store, logger: createLogger('store') });
  const adapters = createAdapters();
  const cache = new CanonicalCache(store, adapters, freshnessFromEnv(), createLogger('cache'));
  const sync = createSyncEngine({ store, logger: createLogger('sync-engine'), probe: (system) => adapters.probe(system) });
  const internalToken = await internalTokenVerifierFromEnv(config.dataDir);
  // the operations subgraph reports the store-backed gauges (backlog, dead letters, business counts)
  const unregister = name === 'operations' ? registerSyncMetrics(sync, store) : () => undefined;
  const unwatch = watchRole(health, { store });
  // its writes (read-through, submitted transactions) append events: relay them
  const events = await relayEvents(store, `tandem-subgraph-${name}`);
  const running = await startSubgraph(name, { cache, sync, port: config.subgraphPorts[name], host: config.host, internalToken, health });
  health.setPhase('ready');
  process.stdout.write(`Subgraph ${name} at ${running.url} (metrics and health: /metrics, /healthz, /readyz)\n`);
  await untilSignal();
  health.setPhase('stopping');
  await running.stop();
  unwatch();
  unregister();
  await events.close();
  await store.close();
  await tracing?.stop();
  return 0;
}

/** The event relay of a process that writes to the store: sequences its events and, with NATS_URL, publishes them. */
function relayEvents(store: Awaited<ReturnType<typeof openStore>>, name: string): Promise<EventBus> {
  return openEventBus({ store, consume: false, name, logger: createLogger('events') });
}

async function worker(): Promise<number> {
  const config = tandemConfigFromEnv();
  const tracing = startTracing({ serviceName: 'tandem-worker' });
  // metrics and health first, so /readyz says "migrating" while the store migrates
  const health = createHealth('migrating');
  let ops: Awaited<ReturnType<typeof startOpsServer>> | null = null;
  try {
    ops = await startOpsServer({ port: config.workerOpsPort, host: config.host, health, logger: createLogger('ops') });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn({ port: config.workerOpsPort }, 'ops port already in use (another worker on this host); this worker serves no /metrics (set TANDEM_WORKER_OPS_PORT)');
  }
  const store = await openStore({ ...config.store, logger: createLogger('store') });
  health.setPhase('starting');
  const events = await relayEvents(store, 'tandem-worker');
  const adapters = createAdapters();
  const engine = createSyncEngine({ store, logger: createLogger('sync-engine'), probe: (system) => adapters.probe(system) });
  const workers = startWorkers({ store, adapters, engine, logger: createLogger('sync-workers') });
  const unregister = registerSyncMetrics(engine, store);
  const unwatch = watchRole(health, { store, workers });
  health.setPhase('ready');
  process.stdout.write(`Sync worker ${workers.id} running (${store.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'})${ops ? `; metrics and health at ${ops.url}/metrics, /healthz, /readyz` : ''}\n`);
  // The worker role also receives the systems' webhooks and runs the periodic reconciliation
  // (TANDEM_WEBHOOKS=false / TANDEM_RECONCILE_INTERVAL_SECONDS=0 turn them off, e.g. on extra replicas).
  let webhooks: Awaited<ReturnType<typeof startWebhookServer>> | null = null;
  if (config.webhooks) {
    try {
      webhooks = await startWebhookServer({ engine, store, port: config.webhookPort, host: config.host, logger: createLogger('webhooks'), health });
      process.stdout.write(`Webhook receiver at ${webhooks.url}/webhooks/crm|erp|psa\n`);
    } catch (err) {
      // Several worker replicas on one host: the first one receives the webhooks.
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      log.warn({ port: config.webhookPort }, 'webhook port already in use (another worker receives the webhooks); this worker runs without a receiver');
    }
  }
  const reconciliation = scheduleReconciliation({ engine, adapters, store, intervalSeconds: config.reconcileIntervalSeconds, logger: createLogger('reconcile') });
  const sig = await untilSignal();
  process.stdout.write(`${sig}: finishing the steps in flight...\n`);
  health.setPhase('stopping');
  await webhooks?.stop();
  await reconciliation.stop();
  await workers.stop();
  unwatch();
  unregister();
  await events.close();
  await store.close();
  await ops?.stop();
  await tracing?.stop();
  return 0;
}

async function reconcileOnce(): Promise<number> {
  const config = tandemConfigFromEnv();
  const store = await openStore({ ...config.store, logger: createLogger('store') });
  try {
    const engine = createSyncEngine({ store, logger: createLogger('sync-engine') });
    const report = await reconcile({ engine, adapters: createAdapters(), store, logger: createLogger('reconcile') });
    const kinds = new Map<string, number>();
    for (const f of report.findings) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
    process.stdout.write(`Reconciliation ${report.id}: ${report.findings.length} finding(s), ${report.repaired} new transaction(s)\n`);
    for (const [kind, n] of kinds) process.stdout.write(`  ${kind.padEnd(28)} ${n}\n`);
    for (const f of report.findings) process.stdout.write(`  ${f.kind} -> transaction ${f.transactionId} (${f.created ? 'submitted' : 'already submitted'}, ${f.status})\n`);
    process.stdout.write('Workers carry the transactions out; follow them with syncTransactions(...) or `tandem worker`.\n');
    return 0;
  } finally {
    await store.close();
  }
}

async function gateway(argv: string[]): Promise<number> {
  const hasSource =
    argv.some((a) => /^--(supergraph|subgraph|config)(=|$)/.test(a) || a === '-h' || a === '--help') ||
    !!(process.env.TANDEM_SUBGRAPHS || process.env.TANDEM_SUPERGRAPH_FILE || process.env.TANDEM_GATEWAY_CONFIG);
  // With no source given, serve Tandem's own subgraphs at their configured ports.
  const host = process.env.TANDEM_HOST ?? '127.0.0.1';
  const defaults = hasSource ? [] : SUBGRAPH_NAMES.flatMap((n) => ['--subgraph', `${n}=http://${host}:${tandemConfigFromEnv().subgraphPorts[n] ?? DEFAULT_SUBGRAPH_PORTS[n]}/graphql`]);
  const tracing = startTracing({ serviceName: 'tandem-gateway' });
  // a gateway alone has no store: its subscriptions come from NATS JetStream, when NATS_URL is set
  const help = argv.some((a) => a === '-h' || a === '--help');
  const bus = !help && eventBusConfigFromEnv().natsUrl ? await openEventBus({ consume: true, relay: false, name: 'tandem-gateway', logger: createLogger('events') }) : null;
  if (!help && !bus) log.info('NATS_URL is not set: this gateway serves no subscriptions (they need the event bus; tandem start serves them in-process)');
  try {
    return await runGatewayCommand([...argv, ...defaults], {
      subscriptions: { source: bus?.source ?? undefined },
      // whatever the environment does not configure comes from the data directory's development keys
      securityDefaults: async () => {
        const keys = await ensureDevKeys(tandemConfigFromEnv().dataDir);
        return {
          jwks: keys.publicJwks,
          issuer: DEV_ISSUER,
          audience: DEV_AUDIENCE,
          internalTokenSecret: keys.internalTokenSecret,
          anonymousClaims: { sub: 'anonymous', roles: [...AUTH_OFF_ROLES] },
        };
      },
    });
  } finally {
    await bus?.close();
    await tracing?.stop();
  }
}

async function token(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { sub: { type: 'string' }, customer: { type: 'string' }, days: { type: 'string' } },
  });
  const roles = positionals.flatMap((p) => p.split(','));
  const unknown = roles.filter((r) => !isRole(r));
  if (roles.length === 0 || unknown.length) {
    process.stderr.write(`tandem token: name one or more roles (${ROLES.join(', ')})${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}\n`);
    return 2;
  }
  if (roles.includes('portal') && !values.customer) {
    process.stderr.write('tandem token: a portal token needs --customer <canonical customer id>\n');
    return 2;
  }
  const days = values.days === undefined ? 7 : Number(values.days);
  if (!(days > 0 && days <= 365)) {
    process.stderr.write('tandem token: --days must be between 0 and 365\n');
    return 2;
  }
  const keys = await ensureDevKeys(tandemConfigFromEnv().dataDir);
  process.stdout.write(`${await mintDevToken(keys, { roles: roles as Role[], subject: values.sub, customerId: values.customer, ttlSeconds: Math.round(days * 86400) })}\n`);
  return 0;
}

async function index(): Promise<number> {
  const config = tandemConfigFromEnv();
  const store = await openStore({ ...config.store, logger: createLogger('store') });
  try {
    const reports = await indexAll(store, createAdapters(), createLogger('indexer'));
    for (const r of reports) process.stdout.write(`${r.entity.padEnd(12)} ${String(r.count).padStart(6)} records  ${r.ms} ms${r.error ? `  FAILED: ${r.error}` : ''}\n`);
    return reports.some((r) => r.error) ? 1 : 0;
  } finally {
    await store.close();
  }
}

async function migrateOnly(): Promise<number> {
  const config = tandemConfigFromEnv();
  const store = await openStore({ ...config.store, logger: createLogger('store') });
  await store.close();
  process.stdout.write('Store migrations applied.\n');
  return 0;
}

async function schema(action: string | undefined, flags: string[]): Promise<number> {
  if (action !== 'check' && action !== 'update') {
    process.stderr.write('tandem schema: say check or update\n');
    return 2;
  }
  const sdl = await composeTandemSupergraph();
  return runSchemaCheck({ committedPath: committedSupergraphPath(), newSdl: sdl, update: action === 'update', allowBreaking: flags.includes('--allow-breaking') });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start();
    case 'systems':
    case 'system':
      return systems(rest[0]);
    case 'subgraph':
      return subgraph(rest[0]);
    case 'gateway':
      return gateway(rest);
    case 'worker':
      return worker();
    case 'reconcile':
      return reconcileOnce();
    case 'index':
      return index();
    case 'migrate':
      return migrateOnly();
    case 'schema':
      return schema(rest[0], rest.slice(1));
    case 'token':
      return token(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`tandem: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.error({ err }, 'tandem failed');
    process.stderr.write(`tandem: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

