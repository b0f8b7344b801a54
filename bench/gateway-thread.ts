// A federation gateway on its own worker thread (so on its own core), over
// subgraphs served elsewhere: the scale-out shape (`tandem gateway`) inside the
// bench's stack process. Started by stack-child when BENCH_GATEWAY=thread.
import { parentPort, workerData } from 'node:worker_threads';
import { createGatewaySecurity, securityConfigFromEnv, startGateway } from '../gateway';
import { createLogger } from '../lib';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys } from '../runtime';

async function main() {
  const { supergraphSdl, host, dataDir } = workerData as { supergraphSdl: string; host: string; secret: string; dataDir: string };
  // the same policies as the stack's own gateway, with the stack's development keys
  const keys = await ensureDevKeys(dataDir);
  const config = securityConfigFromEnv({ jwks: keys.publicJwks, issuer: DEV_ISSUER, audience: DEV_AUDIENCE, internalTokenSecret: keys.internalTokenSecret });
  const logger = createLogger('gateway');
  const gateway = await startGateway({ port: 0, host, supergraphSdl, logger, security: createGatewaySecurity(config.security, logger) });
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
