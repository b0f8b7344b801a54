import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpFetcher, SubgraphFetchError } from './http-fetcher';

async function serve(handler: http.RequestListener, keepAliveTimeout = 5000) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = keepAliveTimeout;
  const ports = new Set<number>();
  server.on('connection', (socket) => ports.add(socket.remotePort ?? 0));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const stop = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return { url, ports, stop };
}

describe('createHttpFetcher', () => {
  it('reuses one keep-alive socket for sequential requests', async () => {
    const s = await serve((req, res) => req.resume().on('end', () => res.end('{"ok":true}')));
    const fetcher = createHttpFetcher();
    try {
      for (let i = 0; i < 3; i++) expect(await (await fetcher(s.url, { method: 'POST', body: '{}' })).json()).toEqual({ ok: true });
      expect(s.ports.size).toBe(1);
    } finally {
      fetcher.destroy();
      await s.stop();
    }
  });

  it('survives the server dropping an idle keep-alive socket', async () => {
    const s = await serve((req, res) => req.resume().on('end', () => res.end('ok')), 50);
    const fetcher = createHttpFetcher();
    try {
      expect(await (await fetcher(s.url)).text()).toBe('ok');
      await new Promise((r) => setTimeout(r, 150));
      expect(await (await fetcher(s.url)).text()).toBe('ok');
    } finally {
      fetcher.destroy();
      await s.stop();
    }
  });

  it('gives up at the deadline with ETIMEDOUT', async () => {
    const s = await serve(() => undefined);
    const fetcher = createHttpFetcher({ timeoutMs: 100 });
    try {
      const err = await fetcher(s.url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubgraphFetchError);
      expect((err as SubgraphFetchError).code).toBe('ETIMEDOUT');
    } finally {
      fetcher.destroy();
      await s.stop();
    }
  });
});
