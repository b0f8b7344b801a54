// The simulated CRM, ERP and PSA for bench/query, in their own process: they
// stand in for external SaaS systems, so neither their CPU nor their memory is
// Tandem's (the RSS target applies to the stack child alone). Options as JSON in
// argv[2]; reports the systems' URLs and tokens over IPC, then answers 'stop'.
// (A copy of bench/sync-systems-child.ts, sized by customers instead of a fixed world.)
process.env.NODE_ENV ??= 'production';
import pino from 'pino';
import { startSystems, stopSystems } from '../systems';

async function main() {
  const opts = JSON.parse(process.argv[2] ?? '{}') as { latencyMs: number; customers: number };
  const systems = await startSystems({ latencyMs: opts.latencyMs, customers: opts.customers, ports: { crm: 0, erp: 0, psa: 0 }, logger: pino({ level: 'silent' }) });
  const all = { CRM: systems.crm, ERP: systems.erp, PSA: systems.psa };
  process.on('message', async (msg: { cmd: string }) => {
    if (msg.cmd === 'stop') {
      await stopSystems(systems);
      process.send!({ stopped: true }, () => process.exit(0));
    }
  });
  process.send!({ ready: true, systems: Object.fromEntries(Object.entries(all).map(([k, s]) => [k, { url: s.url, token: s.token }])) });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
