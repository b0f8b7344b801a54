/**
 * A `fetch`-shaped client on node:http with keep-alive agents that the gateway
 * owns and destroys on stop. Replaces the gateway's default make-fetch-happen
 * fetcher, which pools sockets we cannot close and honours proxy variables.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpFetcherOptions {
  /** Whole-request deadline, from connect to the last byte of the answer. @default 30000 */
  timeoutMs?: number;
  /** Largest response body accepted. @default 64 MiB */
  maxResponseBytes?: number;
  /** Sockets kept per subgraph host. @default 64 */
  maxSockets?: number;
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface HttpFetcher {
  (url: string, init?: FetchInit): Promise<Response>;
  /** Closes every pooled socket. */
  destroy(): void;
}

export class SubgraphFetchError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SubgraphFetchError';
  }
}

export function createHttpFetcher(options: HttpFetcherOptions = {}): HttpFetcher {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  function once(target: URL, init: FetchInit): Promise<Response> {
    const client = target.protocol === 'https:' ? https : http;
    const agent = target.protocol === 'https:' ? httpsAgent : httpAgent;
    return new Promise((resolve, reject) => {
      const req = client.request(target, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            req.destroy(new SubgraphFetchError(`response from ${target.href} larger than ${maxResponseBytes} bytes`, target.href));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
          }
          const status = res.statusCode ?? 502;
          const nullBody = status === 204 || status === 304;
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers }));
        });
      });
      const deadline = setTimeout(() => {
        req.destroy(new SubgraphFetchError(`request to ${target.href} timed out after ${timeoutMs} ms`, target.href, 'ETIMEDOUT'));
      }, timeoutMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('error', (err: NodeJS.ErrnoException) => {
        (err as { reusedSocket?: boolean }).reusedSocket = req.reusedSocket;
        reject(err);
      });
      req.end(init.body);
    });
  }

  const fetcher = (async (url: string, init: FetchInit = {}) => {
    const target = new URL(url);
    try {
      return await once(target, init);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
      // A pooled socket the server closed while idle fails at once with ECONNRESET;
      // the request never reached the server, so one retry on a fresh socket is safe.
      if (!(e.reusedSocket && e.code === 'ECONNRESET')) throw wrap(target, e);
    }
    try {
      return await once(target, init);
    } catch (err) {
      throw wrap(target, err as NodeJS.ErrnoException);
    }
  }) as HttpFetcher;
  fetcher.destroy = () => {
    httpAgent.destroy();
    httpsAgent.destroy();
  };
  return fetcher;
}

function wrap(target: URL, err: NodeJS.ErrnoException): SubgraphFetchError {
  if (err instanceof SubgraphFetchError) return err;
  return new SubgraphFetchError(`request to ${target.href} failed: ${err.code ?? err.message}`, target.href, err.code);
}
