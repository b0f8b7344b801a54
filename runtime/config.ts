import path from 'node:path';
import { envBool, envInt, envString } from '../lib';
import { storeConfigFromEnv, type StoreConfig } from '../store';
import { SUBGRAPH_NAMES, subgraphPortFromEnv, type SubgraphName } from '../subgraphs';

/** Configuration of a Tandem process, read from the environment (see README "Configuration"). */
export interface TandemConfig {
  /** Where the embedded store and the simulators keep their data. @default '.data' (`TANDEM_DATA_DIR`) */
  dataDir: string;
  /** Interface every server binds to. @default '127.0.0.1' (`TANDEM_HOST`) */
  host: string;
  /** @default 4000 (`TANDEM_GATEWAY_PORT`) */
  gatewayPort: number;
  /** @default customer 4001, project 4002, resource 4003, billing 4004, operations 4005 (`TANDEM_<NAME>_SUBGRAPH_PORT`) */
  subgraphPorts: Record<SubgraphName, number>;
  /**
   * Start the simulated CRM, ERP and PSA in this process. Set false to point the
   * adapters at systems running elsewhere (`TANDEM_CRM_URL`, ...).
   * @default true (`TANDEM_EMBEDDED_SYSTEMS`)
   */
  embeddedSystems: boolean;
  /** The canonical store: PGlite under `<dataDir>/pglite`, or PostgreSQL with `DATABASE_URL`. */
  store: StoreConfig;
  /** Seconds between index sweeps that pick up records created in the source systems. @default 600 (`TANDEM_INDEX_INTERVAL_S`; 0 turns it off) */
  indexIntervalSeconds: number;
  /** Run sync workers in this process (they claim work from the store's outbox). @default true (`TANDEM_WORKERS`) */
  workers: boolean;
  /** Run the webhook receiver in this process and point the embedded simulators at it. @default true (`TANDEM_WEBHOOKS`) */
  webhooks: boolean;
  /** Port of the webhook receiver (`POST /webhooks/crm|erp|psa`). @default 4010 (`TANDEM_WEBHOOK_PORT`) */
  webhookPort: number;
  /**
   * The embedded gateway calls the subgraphs of this process in-process (no HTTP
   * hop, no JSON between them); their HTTP endpoints still serve everyone else.
   * @default true (`TANDEM_INPROCESS_SUBGRAPHS`)
   */
  inProcessSubgraphs: boolean;
  /** Seconds between reconciliation runs. @default 300 (`TANDEM_RECONCILE_INTERVAL_SECONDS`; 0 turns it off) */
  reconcileIntervalSeconds: number;
  /** Port of `tandem worker`'s `/metrics`, `/healthz` and `/readyz`. @default 4011 (`TANDEM_WORKER_OPS_PORT`) */
  workerOpsPort: number;
}

export function tandemConfigFromEnv(): TandemConfig {
  const dataDir = path.resolve(envString('TANDEM_DATA_DIR', '.data'));
  return {
    dataDir,
    host: envString('TANDEM_HOST', '127.0.0.1'),
    gatewayPort: envInt('TANDEM_GATEWAY_PORT', 4000, 0, 65535),
    subgraphPorts: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphPortFromEnv(n)])) as Record<SubgraphName, number>,
    embeddedSystems: envBool('TANDEM_EMBEDDED_SYSTEMS', true),
    store: { ...storeConfigFromEnv(), dataDir },
    indexIntervalSeconds: envInt('TANDEM_INDEX_INTERVAL_S', 600, 0),
    workers: envBool('TANDEM_WORKERS', true),
    webhooks: envBool('TANDEM_WEBHOOKS', true),
    webhookPort: envInt('TANDEM_WEBHOOK_PORT', 4010, 0, 65535),
    inProcessSubgraphs: envBool('TANDEM_INPROCESS_SUBGRAPHS', true),
    reconcileIntervalSeconds: envInt('TANDEM_RECONCILE_INTERVAL_SECONDS', 300, 0),
    workerOpsPort: envInt('TANDEM_WORKER_OPS_PORT', 4011, 0, 65535),
  };
}
