// A federation gateway on its own worker thread (so on its own core), over
// subgraphs served elsewhere: the scale-out shape (`tandem gateway`) inside the
// bench's stack process. Started by stack-child when BENCH_GATEWAY=thread.
import { parentPort, workerData } from 'node:worker_threads';
import { startGateway } from '../gateway';
import { createLogger } from '../lib';

async function main() {
  const { supergraphSdl, host } = workerData as { supergraphSdl: string; host: string };
  const gateway = await startGateway({ port: 0, host, supergraphSdl, logger: createLogger('gateway') });
  parentPort!.on('message', async (msg: { cmd: string }) => {
    if (msg.cmd === 'stop') {
      await gateway.stop();
      parentPort!.postMessage({ stopped: true });
    }
  });
  parentPort!.postMessage({ url: gateway.url });
}

main().catch((err) => {
  parentPort!.postMessage({ error: String(err?.stack ?? err) });
});
