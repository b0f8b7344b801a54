import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** The NATS server (with JetStream) the NATS suites use. */
export const NATS_TEST_URL = process.env.TANDEM_TEST_NATS_URL || 'nats://127.0.0.1:4222';

let reachable: boolean | undefined;

/**
 * Whether NATS_TEST_URL accepts connections and has JetStream, decided
 * synchronously (so suites can choose describe or describe.skip) by a short-lived
 * child process. TANDEM_TEST_NATS=0 turns the NATS suites off.
 */
export function natsReachable(): boolean {
  if (reachable !== undefined) return reachable;
  if (process.env.TANDEM_TEST_NATS === '0') return (reachable = false);
  const code = `
    const { connect } = require(${JSON.stringify(require.resolve('nats'))});
    connect({ servers: process.env.URL, timeout: 2000, maxReconnectAttempts: 0 })
      .then(async (nc) => { await (await nc.jetstreamManager()).getAccountInfo(); await nc.close(); })
      .then(() => process.exit(0), () => process.exit(1));`;
  const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, URL: NATS_TEST_URL }, timeout: 8000 });
  reachable = r.status === 0;
  return reachable;
}

export function natsSkipNotice(suite: string): string {
  if (process.env.TANDEM_TEST_NATS === '0') return `NATS suite "${suite}" SKIPPED: TANDEM_TEST_NATS=0`;
  return `NATS suite "${suite}" SKIPPED: no NATS server with JetStream reachable at ${NATS_TEST_URL} (set TANDEM_TEST_NATS_URL to one, or TANDEM_TEST_NATS=0)`;
}

/** A JetStream stream name and subject prefix of this run's own, so that runs never see each other's events. */
export function uniqueNatsNames(label: string): { natsStream: string; natsSubjectPrefix: string } {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  return { natsStream: `TANDEM_TEST_${label}_${id}`, natsSubjectPrefix: `tandem-test.${label}.${id}` };
}
