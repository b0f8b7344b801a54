/**
 * A real graphql-ws client (graphql-ws createClient over the `ws` package) for
 * the subscription suites: every result and error it receives, with the time it
 * arrived, and the close event of its socket.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { defaultAuthorizationFor } from './stack';

export const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

export interface Received {
  data: any;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  extensions: { cursor: string; event?: { type: string; occurredAt: string; payload: any } } & Record<string, any>;
  /** Date.now() when it arrived */
  at: number;
}

export interface TestSubscription {
  received: Received[];
  /** errors the subscription ended with (a graphql-ws `error` message, or the socket closing) */
  errors: any[];
  completed: boolean;
  /** resolves when the subscription ends, one way or another */
  ended: Promise<void>;
  unsubscribe(): void;
}

export interface TestClient {
  client: Client;
  /** every close event of the socket: code and reason */
  closes: { code: number; reason: string }[];
  /** the open socket (to pause it: stop reading) */
  socket(): WebSocket | undefined;
  subscribe(query: string, variables?: Record<string, unknown>): TestSubscription;
  dispose(): Promise<void>;
}

/** A client of the gateway at `httpUrl`; to a test stack's gateway it sends the stack's staff token in connection_init unless `connectionParams` is given. */
export function connectClient(httpUrl: string, options: { connectionParams?: Record<string, unknown>; retryAttempts?: number; lazy?: boolean } = {}): TestClient {
  const staff = defaultAuthorizationFor(httpUrl);
  const connectionParams = options.connectionParams ?? (staff ? { authorization: staff } : undefined);
  const closes: { code: number; reason: string }[] = [];
  let socket: WebSocket | undefined;
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    lazy: options.lazy ?? true,
    retryAttempts: options.retryAttempts ?? 0,
    connectionParams,
    shouldRetry: () => false,
    on: {
      connected: (s) => {
        socket = s as WebSocket;
      },
      closed: (e) => {
        const ev = e as { code: number; reason: string | Buffer };
        closes.push({ code: ev.code, reason: String(ev.reason) });
      },
    },
  });
  return {
    client,
    closes,
    socket: () => socket,
    subscribe(query, variables) {
      const s: TestSubscription = { received: [], errors: [], completed: false, ended: Promise.resolve(), unsubscribe: () => undefined };
      s.ended = new Promise<void>((resolve) => {
        s.unsubscribe = client.subscribe(
          { query, variables },
          {
            next: (r) => void s.received.push({ ...(r as Omit<Received, 'at'>), at: Date.now() }),
            error: (err) => {
              s.errors.push(err);
              resolve();
            },
            complete: () => {
              s.completed = true;
              resolve();
            },
          },
        );
      });
      return s;
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}

/** Polls `check` until it returns true; fails with `what` and the last state after `ms` (generous: the machine is shared). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30_000, state?: () => unknown): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}${state ? `: ${JSON.stringify(state())}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
