import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { dropSchema, PG_TEST_URL, postgresReachable, skipNotice, testSchemaName, urlWithSchema } from '../../store/test-support';
import { eventually } from '../support/sync-gateway';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * /readyz follows the store: a stack on PostgreSQL reached through a loopback
 * TCP proxy that the test cuts and restores. Needs PostgreSQL (TANDEM_TEST_DATABASE_URL
 * or 127.0.0.1:5432); the PGlite half of the rule (a failing store check makes the
 * role unready) is in telemetry/telemetry.int.spec.ts.
 */
const pgUp = postgresReachable();
if (!pgUp) console.warn(skipNotice('readiness (store unreachable → /readyz 503)'));

/** Forwards 127.0.0.1:<port> to the PostgreSQL server; `cut()` closes it and every connection, `restore()` listens again on the same port. */
async function startProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = async () => {
    if (server?.listening) return;
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    // a port below Linux's ephemeral range (32768+): the other suites' port-0 servers
    // cannot take it while the proxy is cut, so restore() gets the same port back
    for (let attempt = 0; ; attempt++) {
      const p = port || 20_000 + Math.floor(Math.random() * 10_000);
      try {
        // listeners removed whichever way it ends: a retried listen must not pile them up
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => {
            server!.off('listening', onListening);
            reject(e);
          };
          const onListening = () => {
            server!.off('error', onError);
            resolve();
          };
          server!.once('error', onError);
          server!.once('listening', onListening);
          server!.listen(p, '127.0.0.1');
        });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw e;
        if (port) await new Promise((r) => setTimeout(r, 100)); // our own port, still closing: wait
      }
    }
    port = (server!.address() as AddressInfo).port;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      const closed = new Promise<void>((r) => server!.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    /** Closes the proxy for good (nothing may keep the test process alive). */
    async close() {
      if (!server?.listening) return;
      const closed = new Promise<void>((r) => server!.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

(pgUp ? describe : describe.skip)('/readyz and the store', () => {
  let t: TestStack;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const schema = testSchemaName();

  beforeAll(async () => {
    proxy = await startProxy(new URL(PG_TEST_URL));
    const viaProxy = new URL(urlWithSchema(schema));
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    t = await startTestStack({ customers: 10, store: { databaseUrl: viaProxy.toString() } });
  }, 120_000);
  afterAll(async () => {
    // the stack stops through the proxy (its pool says goodbye), then the proxy closes
    await proxy?.restore().catch(() => undefined);
    await t?.stop();
    await proxy?.close();
    await dropSchema(schema);
  });

  test('turns unready (503, store failing) when the store is unreachable, and ready again after', async () => {
    const readyz = async () => {
      const res = await fetch(`${t.gatewayUrl.replace(/\/graphql$/, '')}/readyz`);
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(await readyz()).toMatchObject({ status: 200, body: { ready: true, checks: { store: { ok: true, detail: { kind: 'postgres' } } } } });

    await proxy.cut();
    const down = await eventually('/readyz 503', async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    }, 20_000, 200);
    expect(down.body).toMatchObject({ status: 'unready', phase: 'ready', checks: { store: { ok: false, error: expect.any(String) }, bus: { ok: true } } });
    // alive all the same: the process is fine, its store is not
    expect((await fetch(`${t.gatewayUrl.replace(/\/graphql$/, '')}/healthz`)).status).toBe(200);

    await proxy.restore();
    const up = await eventually('/readyz 200 again', async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    }, 30_000, 200);
    expect(up.body.checks.store.ok).toBe(true);
  }, 120_000);
});
