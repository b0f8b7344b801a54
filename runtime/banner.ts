import type { RunningTandem } from './start-all';

/** What `tandem start` prints once everything answers: where to go and what to try. */
export function startBanner(t: RunningTandem, dataNote: string): string {
  const lines = [
    '',
    '  Tandem is running.',
    '',
    `  GraphQL gateway   ${t.gatewayUrl}   (open it in a browser for the query page)`,
    '',
    '  Subgraphs',
    ...Object.values(t.subgraphs).map((s) => `    ${s.name.padEnd(10)} ${s.url}`),
  ];
  const systems = Object.values(t.systems);
  if (systems.length > 0) {
    lines.push('', '  Simulated source systems (admin: <url>/__admin/faults, <url>/__admin/counters)');
    for (const s of systems) lines.push(`    ${s.system.padEnd(10)} ${s.url}   token ${s.token}`);
  }
  if (t.webhooks) {
    lines.push('', `  Webhook receiver  ${t.webhooks.url}/webhooks/crm|erp|psa   (the simulators post their changes here, signed)`);
  }
  lines.push(
    '',
    `  Store             ${dataNote}`,
    '',
    '  Try:',
    `    curl -s ${t.gatewayUrl} -H 'content-type: application/json' \\`,
    `      -d '{"query":"{ customers(first: 3) { totalCount edges { node { name arBalance { amount currency } projects { code status } } } } }"}'`,
    '',
    '  A cross-system write (returns a tracked sync transaction at once; follow it with syncTransaction(id)):',
    `    curl -s ${t.gatewayUrl} -H 'content-type: application/json' -H 'x-tandem-caller: you@example.com' \\`,
    `      -d '{"query":"mutation { convertOpportunity(opportunityId: \\"<id>\\", idempotencyKey: \\"demo-1\\") { id status } }"}'`,
    `    (ids of Closed Won opportunities: { customers(first: 50) { edges { node { opportunities(stage: CLOSED_WON) { id name project { code } } } } } })`,
    '',
    '  Ctrl-C stops everything cleanly.',
    '',
  );
  return lines.join('\n');
}
