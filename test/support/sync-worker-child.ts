// A sync worker process for the multi-process tests (test/e2e/crash, multi-worker):
// what `tandem worker` does, with the test's lease, poll and limits. Forked with
// test/support/ts-register.js; the store is DATABASE_URL (PostgreSQL), the systems
// TANDEM_<SYS>_URL. Options come as JSON in argv[2]; it reports { ready, id } over
// IPC once its workers run, and stops cleanly (drains) on { cmd: 'stop' }.
import pino from 'pino';
import { createAdapters } from '../../adapters';
import { openStore, storeConfigFromEnv } from '../../store';
import { startWorkers, type StartWorkersOptions } from '../../sync';

type ChildOptions = Pick<StartWorkersOptions, 'concurrency' | 'perSystemLimit' | 'leaseSeconds' | 'pollMs' | 'retry' | 'breaker' | 'id'>;

async function main() {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const store = await openStore({ ...storeConfigFromEnv(), logger });
  const workers = startWorkers({ store, adapters: createAdapters(), logger, ...opts });
  process.on('message', async (msg: { cmd?: string }) => {
    if (msg.cmd !== 'stop') return;
    await workers.stop();
    await store.close();
    process.send!({ stopped: true }, () => process.exit(0));
  });
  process.send!({ ready: true, id: workers.id });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
