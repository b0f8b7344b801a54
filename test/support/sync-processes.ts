/**
 * Helpers for the multi-process sync tests (test/e2e/crash, multi-worker): a
 * whole Tandem in the test process (simulators, subgraphs, gateway; no workers)
 * over a fresh PostgreSQL schema that worker child processes share, Closed Won
 * opportunities created through the CRM's API, conversions submitted through the
 * gateway, and worker processes that can be killed with SIGKILL. No jest globals here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { canonicalId } from '../../canonical-schema';
import type { Store } from '../../store';
import { dropSchema, testSchemaName, urlWithSchema } from '../../store/test-support';
import type { CrmData, ErpData, PsaData, RunningSystem } from '../../systems';
import type { StartWorkersOptions } from '../../sync';
import { startTestStack, type TestStack } from './stack';
import { convertOpportunity } from './sync-gateway';

export const silent = pino({ level: 'silent' });

export interface SharedEnv {
  /** the stack: gateway, subgraphs and simulators in this process, no workers */
  stack: TestStack;
  systems: { crm: RunningSystem; erp: RunningSystem; psa: RunningSystem };
  store: Store;
  databaseUrl: string;
  /** the environment a worker child needs: the store and the three systems */
  childEnv: NodeJS.ProcessEnv;
  /** `convertOpportunity` through the gateway; the transaction's id */
  convert(opportunityId: string, idempotencyKey: string): Promise<string>;
  crm(): CrmData;
  erp(): ErpData;
  psa(): PsaData;
  close(): Promise<void>;
}

/**
 * A stack on a fresh PostgreSQL schema (simulators with `latencyMs` per call and a small
 * world, the gateway in front, no workers: those run in child processes).
 */
/** The environment that points a child process's adapters at these simulators (TANDEM_<SYS>_URL and _TOKEN). */
export function adapterEnv(systems: { crm: RunningSystem; erp: RunningSystem; psa: RunningSystem }): Record<string, string> {
  return {
    TANDEM_CRM_URL: systems.crm.url,
    TANDEM_CRM_TOKEN: systems.crm.token,
    TANDEM_ERP_URL: systems.erp.url,
    TANDEM_ERP_TOKEN: systems.erp.token,
    TANDEM_PSA_URL: systems.psa.url,
    TANDEM_PSA_TOKEN: systems.psa.token,
  };
}

export async function startSharedEnv(opts: { latencyMs: number; erpConcurrency?: number }): Promise<SharedEnv> {
  const schema = testSchemaName();
  const databaseUrl = urlWithSchema(schema);
  const stack = await startTestStack({
    customers: 10,
    store: { databaseUrl },
    systems: { latencyMs: opts.latencyMs, concurrency: opts.erpConcurrency ? { erp: opts.erpConcurrency } : undefined },
    // generous: the mutation reads the opportunity from the CRM, which shares this process with jest
    adapters: { timeoutMs: 10_000 },
  });
  const systems = { crm: stack.systems.crm!, erp: stack.systems.erp!, psa: stack.systems.psa! };
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    ...adapterEnv(systems),
    // generous: these suites count calls, and a timeout on a loaded 2-core machine
    // (the simulators share the jest process) would retry a step legitimately
    TANDEM_ADAPTER_TIMEOUT_MS: '10000',
    LOG_LEVEL: process.env.TANDEM_CHILD_LOG_LEVEL ?? 'silent',
  };
  return {
    stack,
    systems,
    store: stack.store,
    databaseUrl,
    childEnv,
    convert: async (opportunityId, idempotencyKey) => (await convertOpportunity(stack, opportunityId, idempotencyKey)).id,
    crm: () => systems.crm.snapshot() as CrmData,
    erp: () => systems.erp.snapshot() as ErpData,
    psa: () => systems.psa.snapshot() as PsaData,
    async close() {
      await stack.stop();
      await dropSchema(schema);
    },
  };
}

/**
 * Creates `n` Closed Won opportunities without a project on one complete account,
 * through the CRM's sObject Collections API (200 a request), and teaches the store
 * their canonical ids. Returns { crmId, id } per opportunity.
 */
export async function createClosedWon(env: SharedEnv, n: number, tag: string): Promise<{ crmId: string; id: string }[]> {
  const account = env.crm().accounts.find((a) => a.ERP_Customer_Id__c && a.Tax_Id__c && a.BillingStreet && a.Legal_Entity__c && a.Type === 'Customer');
  if (!account) throw new Error('no complete account in the seed world');
  const out: { crmId: string; id: string }[] = [];
  for (let start = 0; start < n; start += 200) {
    const records = Array.from({ length: Math.min(200, n - start) }, (_, i) => ({
      attributes: { type: 'Opportunity' },
      Name: `${tag} ${start + i}`,
      AccountId: account.Id,
      StageName: 'Closed Won',
      CloseDate: '2025-06-01',
      Amount: 10_000 + start + i,
    }));
    const res = await fetch(`${env.systems.crm.url}/services/data/v60.0/composite/sobjects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.systems.crm.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allOrNone: true, records }),
    });
    const body = (await res.json()) as { id: string; success: boolean }[];
    if (!res.ok || body.length !== records.length || !body.every((r) => r.success)) {
      throw new Error(`creating opportunities failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    for (const r of body) out.push({ crmId: r.id, id: canonicalId('opportunity', r.id) });
  }
  await env.store.linkExternalIds(
    'opportunity',
    out.map((o) => ({ canonicalId: o.id, system: 'CRM' as const, externalId: o.crmId })),
  );
  return out;
}

export type ChildWorkerOptions = Pick<StartWorkersOptions, 'concurrency' | 'perSystemLimit' | 'leaseSeconds' | 'pollMs' | 'retry' | 'breaker' | 'id'>;

/** A `startWorkers` in its own node process (test/support/sync-worker-child.ts). */
export interface WorkerProcess {
  readonly id: string;
  readonly pid: number;
  /** SIGKILL, resolves when the process is gone */
  kill(): Promise<void>;
  /** drains (workers.stop()) and exits */
  stop(): Promise<void>;
}

export async function startWorkerProcess(env: NodeJS.ProcessEnv, options: ChildWorkerOptions): Promise<WorkerProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'sync-worker-child.ts'), [JSON.stringify(options)], {
    env,
    execArgv: ['-r', require.resolve('./ts-register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ id: string }>((resolve, reject) => {
    child.once('message', (m: { ready?: boolean; id: string }) => (m.ready ? resolve(m) : reject(new Error('worker child did not start'))));
    child.once('exit', (code, signal) => reject(new Error(`worker child exited before it was ready (${code ?? signal})`)));
  });
  return {
    id: ready.id,
    pid: child.pid!,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ cmd: 'stop' });
      await exited;
    },
  };
}

/** How many of `ids` are in one of `statuses` (one query). */
export async function countIn(store: Store, ids: string[], statuses: string[]): Promise<number> {
  return store.prisma.syncTransaction.count({ where: { id: { in: ids }, status: { in: statuses } } });
}

export { sleep } from './eventually';
