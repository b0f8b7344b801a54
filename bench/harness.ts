import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** A Tandem stack running in a child process (bench/stack-child). */
export interface ChildStack {
  gatewayUrl: string;
  customerUrl: string;
  /** The same stack's subgraphs behind a second gateway with no authentication, limits or rate limit (bench:query compares the two). */
  openGatewayUrl: string;
  /** `authorization` for the gateway (a bi token). */
  authHeaders: Record<string, string>;
  /** `x-gateway-token` for calling a subgraph directly as the gateway would. */
  subgraphHeaders: Record<string, string>;
  pid: number;
  ask<T = Record<string, unknown>>(cmd: string, args?: object): Promise<T>;
  /** Peak resident set size of the Tandem child so far, in MB (Linux VmHWM). */
  /** the child's peak RSS (VmHWM) since it started, or since the last resetPeakRss() */
  peakRssMb(): number;
  /** Starts the peak over from the current RSS (Linux: clear_refs 5), so a step's peak is its own, not the start's. False where it cannot. */
  resetPeakRss(): boolean;
  /** the child's RSS now */
  rssMb(): number;
  /** Peak RSS of the simulators' child, in MB; undefined when they run inside the Tandem child. */
  systemsPeakRssMb(): number | undefined;
  /** CPU time (user + system) the child has used so far, in ms (Linux /proc). */
  cpuMs(): number;
  /**
   * Waits until the child is idle (under 10% of a core for 200 ms): autocannon
   * ends a run with its last requests still in flight and closes their
   * connections, but the stack works them to the end, so the next measured run
   * would start behind them. Resolves with the ms waited.
   */
  settle(): Promise<number>;
  stop(): Promise<void>;
}

interface SystemsChild {
  child: ChildProcess;
  env: Record<string, string>;
}

/** The simulators in their own process (bench/query-systems-child); env points Tandem's adapters at them. */
async function startSystemsChild(options: { customers: number; latencyMs: number }): Promise<SystemsChild> {
  const child = fork(path.join(__dirname, 'query-systems-child.js'), [JSON.stringify(options)], { execArgv: process.execArgv });
  const ready = await new Promise<{ systems: Record<'CRM' | 'ERP' | 'PSA', { url: string; token: string }> }>((resolve, reject) => {
    child.once('message', (m: any) => (m.ready ? resolve(m) : reject(new Error('systems child did not start'))));
    child.once('exit', (code) => reject(new Error(`systems child exited with ${code}`)));
  });
  const env: Record<string, string> = {};
  for (const [s, { url, token }] of Object.entries(ready.systems)) {
    env[`TANDEM_${s}_URL`] = url;
    env[`TANDEM_${s}_TOKEN`] = token;
  }
  return { child, env };
}

async function stopSystemsChild(systems: SystemsChild): Promise<void> {
  const exited = new Promise((r) => systems.child.once('exit', r));
  systems.child.send({ cmd: 'stop' });
  await exited;
}

/** Peak resident set size of a process, in MB (Linux VmHWM). */
export function peakRssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in clock ticks of 10 ms
}

/**
 * Waits until a process is idle (under 10% of a core for 200 ms; at most a
 * minute) and resolves with the ms waited. See ChildStack.settle.
 */
export async function settle(pid: number): Promise<number> {
  const start = Date.now();
  let cpu = cpuMsOf(pid);
  while (Date.now() - start < 60_000) {
    await new Promise((r) => setTimeout(r, 200));
    const now = cpuMsOf(pid);
    if (now - cpu <= 20) break;
    cpu = now;
  }
  return Date.now() - start;
}

export async function startChildStack(
  options: {
    customers: number;
    latencyMs: number;
    ttlSeconds?: number;
    /** simulators in a process of their own @default false */
    externalSystems?: boolean;
    /** more environment for the Tandem child (e.g. TANDEM_TELEMETRY=off) */
    env?: Record<string, string>;
  },
  /** extra node flags for the child (e.g. `--cpu-prof`) */
  execArgv: string[] = [],
): Promise<ChildStack> {
  const systems = options.externalSystems ? await startSystemsChild(options) : undefined;
  const child: ChildProcess = fork(path.join(__dirname, 'stack-child.js'), [JSON.stringify(options)], {
    env: { ...process.env, ...systems?.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...options.env },
    execArgv: [...process.execArgv, ...execArgv],
  });
  const ready = await new Promise<Pick<ChildStack, 'gatewayUrl' | 'customerUrl' | 'openGatewayUrl' | 'authHeaders' | 'subgraphHeaders'>>((resolve, reject) => {
    child.once('message', (m: any) => (m.ready ? resolve(m) : reject(new Error('child did not start'))));
    child.once('exit', (code) => reject(new Error(`stack child exited with ${code}`)));
  }).catch(async (err) => {
    if (systems) await stopSystemsChild(systems);
    throw err;
  });
  let queue = Promise.resolve<unknown>(undefined);
  const ask = <T>(cmd: string, args: object = {}) => {
    const p = queue.then(
      () =>
        new Promise<T>((resolve) => {
          child.once('message', (m) => resolve(m as T));
          child.send({ ...args, cmd });
        }),
    );
    queue = p.catch(() => undefined);
    return p;
  };
  const cpuMs = () => cpuMsOf(child.pid!);
  return {
    ...ready,
    pid: child.pid!,
    ask,
    peakRssMb: () => peakRssMbOf(child.pid!),
    resetPeakRss() {
      try {
        writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    rssMb() {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    systemsPeakRssMb: () => (systems ? peakRssMbOf(systems.child.pid!) : undefined),
    cpuMs,
    settle: () => settle(child.pid!),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      // a child that dies while stopping never answers: its exit ends the wait too
      await Promise.race([ask('stop'), exited]);
      await exited;
      if (systems) await stopSystemsChild(systems);
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return res.json();
}

export function writeResult(name: string, result: unknown): string {
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}
