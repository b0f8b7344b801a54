// A test stack in a child process whose logs (LOG_LEVEL from the parent, at
// debug by default) go to its stderr, where the parent reads them: the
// log-redaction suite. Sends { ready, gatewayUrl, tokens, webhookSecrets } over IPC; stops on { cmd: 'stop' }.
import 'reflect-metadata';
import { startTestStack } from './stack';

async function main() {
  const t = await startTestStack({ customers: 5, workers: true, webhooks: true });
  const tokens = {
    integrator: await t.token('integrator', { subject: 'logs-integrator@tandem.test' }),
    bi: await t.token('bi', { subject: 'logs-bi@tandem.test' }),
  };
  process.on('message', async (msg: { cmd: string }) => {
    if (msg.cmd === 'stop') {
      await t.stop();
      process.send!({ stopped: true }, () => process.exit(0));
    }
  });
  process.send!({
    ready: true,
    gatewayUrl: t.gatewayUrl,
    tokens,
    internalSecret: t.security.devKeys!.internalTokenSecret,
    webhookSecrets: ['crm-dev-webhook-secret', 'erp-dev-webhook-secret', 'psa-dev-webhook-secret'],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
