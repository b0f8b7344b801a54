/**
 * Logs never contain tokens, tax ids or webhook secrets. A whole stack runs
 * in a child process at LOG_LEVEL=debug (every log line it writes is read
 * here), serves a mutation carrying a tax id all the way through the workers
 * to the CRM and ERP (with the systems' signed webhooks coming back), a denied
 * read, and refused tokens; then every line is searched.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { gql } from '../support/stack';

let child: ChildProcess;
let ready: { gatewayUrl: string; tokens: { integrator: string; bi: string }; internalSecret: string; webhookSecrets: string[] };
let stderr = '';

beforeAll(async () => {
  child = fork(path.join(__dirname, '..', 'support', 'logged-stack-child.ts'), [], {
    execArgv: ['-r', require.resolve('../support/ts-register.js')],
    env: { ...process.env, LOG_LEVEL: 'debug', LOG_PRETTY: '' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  ready = await new Promise((resolve, reject) => {
    child.once('message', (m: any) => (m.ready ? resolve(m) : reject(new Error('child did not start'))));
    child.once('exit', (code) => reject(new Error(`stack child exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}, 120_000);

afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((r) => child.once('exit', r));
    child.send({ cmd: 'stop' });
    await exited;
  }
});

test('a mutation with a tax id, a denied read and refused tokens leave no token, tax id or webhook secret in the logs', async () => {
  const TAX_ID = 'DE-LOGS-987654321';
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const m = await gql(
    ready.gatewayUrl,
    `mutation($input: CustomerInput!) { upsertCustomer(input: $input, idempotencyKey: "logs-1") { id } }`,
    { input: { name: 'Logged GmbH', legalName: 'Logged GmbH', currency: 'EUR', taxId: TAX_ID, billingAddress: { line1: '1 Log St', city: 'Berlin', country: 'DE' } } },
    bearer(ready.tokens.integrator),
  );
  expect(m.errors).toBeUndefined();
  const id = m.data.upsertCustomer.id as string;
  // carried across the CRM and the ERP by the workers, and read back
  const until = Date.now() + 60_000;
  let status = 'PENDING';
  while (!['SUCCEEDED', 'DEAD_LETTERED', 'COMPENSATED'].includes(status)) {
    if (Date.now() > until) throw new Error(`transaction ${id} still ${status}`);
    await new Promise((r) => setTimeout(r, 200));
    status = (await gql(ready.gatewayUrl, `{ syncTransaction(id: "${id}") { status } }`, undefined, bearer(ready.tokens.integrator))).data.syncTransaction.status;
  }
  expect(status).toBe('SUCCEEDED');
  const denied = await gql(ready.gatewayUrl, `{ customers(first: 5) { edges { node { taxId } } } }`, undefined, bearer(ready.tokens.bi));
  expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const forged = ready.tokens.bi.slice(0, -4) + 'AAAA';
  expect((await gql(ready.gatewayUrl, '{ customers(first: 1) { totalCount } }', undefined, bearer(forged))).status).toBe(401);
  // a direct call to a subgraph with a token signed with the right secret in the wrong header shape
  expect((await gql(ready.gatewayUrl.replace(/\/graphql$/, '/graphql'), '{ __typename }', undefined, { authorization: `Bearer ${ready.internalSecret}` })).status).toBe(401);

  // let the last lines reach the pipe
  await new Promise((r) => setTimeout(r, 500));
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(50);
  // the logs say what happened...
  expect(stderr).toContain('sync transaction submitted');
  expect(stderr).toContain('request refused: Invalid token: signature verification failed');
  // ...and hold none of the secrets
  const secrets = [TAX_ID, ready.tokens.integrator, ready.tokens.bi, forged, ready.internalSecret, ...ready.webhookSecrets];
  for (const secret of secrets) {
    const leaks = lines.filter((l) => l.includes(secret) || l.includes(secret.slice(0, 40)));
    expect({ secret: secret.slice(0, 12), leaks: leaks.slice(0, 2) }).toEqual({ secret: secret.slice(0, 12), leaks: [] });
  }
  // the gateway's internal tokens (x-gateway-token) are JWTs too: no JWT of any kind is logged
  expect(lines.filter((l) => /eyJ[\w-]{10,}\.[\w-]{10,}\./.test(l)).slice(0, 2)).toEqual([]);
});
