/**
 * One-shot CLI roles as a user runs them, each in a process of its own:
 * `tandem index` and then `tandem reconcile` against simulated systems in another
 * process (here the test's), on an embedded store in a data directory of their own.
 * Nothing in such a process keeps it alive but the vendor requests it waits for,
 * so it also proves those requests do (an IO thread left unreferenced once let
 * `tandem index` exit with code 0 before any answer, having indexed nothing).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openStore } from '../../store';
import { generateWorld, startSystems, stopSystems, type RunningSystems } from '../../systems';
import { adapterEnv } from '../support/sync-processes';

const silent = pino({ level: 'silent' });
let systems: RunningSystems;
let dataDir: string;

beforeAll(async () => {
  // a latency, so that every answer is a while coming
  systems = await startSystems({ world: generateWorld({ seed: 7, customers: 10 }), latencyMs: 30, logger: silent });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-cli-'));
});
afterAll(async () => {
  await stopSystems(systems);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `tandem <args>` from the sources; resolves to its exit code and output. */
function tandem(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const child = fork(path.join(__dirname, '..', '..', 'bin', 'tandem.ts'), args, {
    execArgv: ['-r', require.resolve('../support/ts-register.js')],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...rest, LOG_LEVEL: 'silent', ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

const systemsEnv = () => ({ TANDEM_DATA_DIR: dataDir, ...adapterEnv(systems) });

test('tandem index fills the embedded store from the systems, prints what it indexed per entity, and exits 0', async () => {
  const r = await tandem(['index'], systemsEnv());
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  const printed = Object.fromEntries([...r.out.matchAll(/^(\w+)\s+(\d+) records/gm)].map((m) => [m[1], Number(m[2])]));
  expect(Object.keys(printed)).toEqual(expect.arrayContaining(['customer', 'opportunity', 'project', 'resource', 'timeEntry', 'invoice']));
  expect(printed.customer).toBeGreaterThan(0);
  expect(printed.timeEntry).toBeGreaterThan(printed.customer);
  // what it printed is in the store it left behind
  const store = await openStore({ dataDir, logger: silent });
  try {
    expect(await store.prisma.customer.count()).toBe(printed.customer);
    expect(await store.prisma.timeEntry.count()).toBe(printed.timeEntry);
  } finally {
    await store.close();
  }
}, 120_000);

test('tandem reconcile (after the index) submits one transaction per drift found and prints them; a second pass submits nothing new', async () => {
  const first = await tandem(['reconcile'], systemsEnv());
  expect({ code: first.code, err: first.err }).toEqual({ code: 0, err: '' });
  const head = /^Reconciliation \S+: (\d+) finding\(s\), (\d+) new transaction\(s\)$/m.exec(first.out);
  expect(head).not.toBeNull();
  const [findings, created] = [Number(head![1]), Number(head![2])];
  // the seeded world has drift (Closed Won opportunities without a project, invoice statuses the CRM does not show)
  expect(findings).toBeGreaterThan(0);
  expect(created).toBe(findings);
  const store = await openStore({ dataDir, logger: silent });
  try {
    expect(await store.prisma.syncTransaction.count()).toBe(created);
  } finally {
    await store.close();
  }
  // nothing ran them (no workers): the same drift is found again and recognised by its idempotency key
  const second = await tandem(['reconcile'], systemsEnv());
  expect(second.code).toBe(0);
  expect(second.out).toMatch(new RegExp(`^Reconciliation \\S+: ${findings} finding\\(s\\), 0 new transaction\\(s\\)$`, 'm'));
  expect(second.out.match(/already submitted/g)?.length).toBe(findings);
  const again = await openStore({ dataDir, logger: silent });
  try {
    expect(await again.prisma.syncTransaction.count()).toBe(created);
  } finally {
    await again.close();
  }
}, 120_000);
