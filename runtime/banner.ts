import { ROLE_PURPOSE, ROLES } from '../subgraphs';
import type { RunningTandem } from './start-all';

/** What `tandem start` prints once everything answers: where to go and what to try. */
export function startBanner(t: RunningTandem, dataNote: string): string {
  const lines = [
    '',
    '  Tandem is running.',
    '',
    `  GraphQL gateway   ${t.gatewayUrl}   (open it in a browser for the query page)`,
    `  Operations console ${t.console.url ?? t.gatewayUrl.replace(/\/graphql$/, '/console')}${t.devTokens ? '   (log in with the admin token below: it may replay; any staff token may look)' : ''}`,
    `  Metrics, health   ${t.gatewayUrl.replace(/\/graphql$/, '')}/metrics · /healthz · /readyz   (on every server below too)`,
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
  lines.push('', `  Store             ${dataNote}`);
  const auth = t.security.gateway.security.auth;
  if (t.devTokens) {
    lines.push('', `  Tokens (development key in ${t.security.devKeys!.dir}; valid 7 days; \`npx tandem token <role>\` mints more)`);
    for (const role of ROLES) lines.push(`    ${role.padEnd(13)} ${ROLE_PURPOSE[role]}`, `      ${t.devTokens[role]}`);
    lines.push('    Send one as "Authorization: Bearer <token>" (the query page has a field for it). README "Security" says what each role may do.');
  } else if (!auth) {
    lines.push('', '  Authentication is OFF (TANDEM_AUTH=off): every request gets the staff roles. Development only.');
  } else {
    lines.push('', '  Tokens: from your identity provider (TANDEM_AUTH_JWKS_URL / TANDEM_AUTH_PUBLIC_KEY).');
  }
  const bearer = t.devTokens ? `-H "authorization: Bearer $TOKEN" ` : '';
  lines.push(
    '',
    '  Try:',
    ...(t.devTokens ? [`    TOKEN=${t.devTokens.bi}`] : []),
    `    curl -s ${t.gatewayUrl} -H 'content-type: application/json' ${bearer}\\`,
    `      -d '{"query":"{ customers(first: 3) { totalCount edges { node { name arBalance { amount currency } projects { code status } } } } }"}'`,
    '',
    '  A cross-system write (an integrator token; returns a tracked sync transaction at once; follow it with syncTransaction(id)):',
    ...(t.devTokens ? [`    TOKEN=${t.devTokens.integrator}`] : []),
    `    curl -s ${t.gatewayUrl} -H 'content-type: application/json' ${bearer}\\`,
    `      -d '{"query":"mutation { convertOpportunity(opportunityId: \\"<id>\\", idempotencyKey: \\"demo-1\\") { id status } }"}'`,
    `    (ids of Closed Won opportunities: { customers(first: 50) { edges { node { opportunities(stage: CLOSED_WON) { id name project { code } } } } } })`,
    '',
    '  Ctrl-C stops everything cleanly.',
    '',
  );
  return lines.join('\n');
}
