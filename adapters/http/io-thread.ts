/**
 * Vendor requests on the wire, and the thread that can carry them
 * (docs/decisions/adapters-io-thread.md).
 *
 * `wireRequest` sends one request over node:http(s) with keep-alive agents and
 * reads the answer whole (not fetch, and no AbortSignal: docs/decisions/adapters-node-http.md); `Limits` admits requests under named in-flight limits
 * (FIFO). Both run either on the calling thread or, by default, on the IO
 * thread this module starts as (transport.ts): there a request's place in its
 * limit is given back the moment its answer is read, however busy the thread
 * that asked for it is.
 *
 * Loaded as a worker (or transpiled on load under jest), so it imports only
 * node modules.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** What one vendor request needs on the wire. */
export interface WireRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A named in-flight limit: requests with the same key share `limit` places. */
export interface AdmissionLimit {
  key: string;
  limit: number;
}

/** One HTTP answer, its body read whole. */
export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** An answer longer than the configured limit: read no further. */
export class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the answer is longer than ${limit} bytes (TANDEM_ADAPTER_MAX_RESPONSE_BYTES)`);
  }
}

/** No answer within the attempt's time budget (counted from its admission). */
export class AttemptTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** Keep-alive agents, one per origin (idle sockets never hold the process open). */
export class Agents {
  private readonly byOrigin = new Map<string, http.Agent>();
  for(url: URL): http.Agent {
    let agent = this.byOrigin.get(url.origin);
    if (!agent) {
      agent = new (url.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true });
      this.byOrigin.set(url.origin, agent);
    }
    return agent;
  }
  destroy(): void {
    for (const a of this.byOrigin.values()) a.destroy();
    this.byOrigin.clear();
  }
}

/**
 * Sends `req` and calls `done` once: with the answer, or with the error (Node's
 * network errors with their `code`, ResponseTooLarge, AttemptTimedOut, or the
 * reason given to the returned `abort`).
 */
export function wireRequest(
  agents: Agents,
  req: WireRequest,
  timeoutMs: number,
  maxBytes: number,
  done: (err: unknown, res?: WireResponse) => void,
): (reason: unknown) => void {
  let settled = false;
  const finish = (err: unknown, res?: WireResponse) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    done(err, res);
  };
  const url = new URL(req.url);
  const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
  const r = (url.protocol === 'https:' ? https : http).request(url, { method: req.method, headers, agent: agents.for(url) }, (res) => {
    res.setEncoding('utf8');
    let text = '';
    res.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > maxBytes) {
        finish(new ResponseTooLarge(maxBytes));
        r.destroy();
      }
    });
    res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, text }));
    // the connection dropped before the body ended
    res.on('close', () => {
      if (!res.complete) finish(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' }));
    });
    res.on('error', (e) => finish(e));
  });
  r.on('error', (e) => finish(e));
  const abort = (reason: unknown) => {
    // the first settlement wins: an aborted request fails with the reason, not with the reset it causes
    finish(reason);
    r.destroy();
  };
  const timer = setTimeout(() => abort(new AttemptTimedOut(timeoutMs)), timeoutMs);
  r.end(req.body);
  return abort;
}

/** Named in-flight limits, each admitting in arrival order. */
export class Limits {
  private readonly byKey = new Map<string, { active: number; waiting: Set<() => void> }>();

  /**
   * Runs `start` when `spec`'s limit has a place (at once without a spec). `start`
   * gets `leave`, to be called once when the request ends. Returns `withdraw`:
   * true (and `start` will never run) if the request was still waiting.
   */
  enter(spec: AdmissionLimit | undefined, start: (leave: () => void) => void): () => boolean {
    if (!spec) {
      start(() => undefined);
      return () => false;
    }
    let slot = this.byKey.get(spec.key);
    if (!slot) {
      slot = { active: 0, waiting: new Set() };
      this.byKey.set(spec.key, slot);
    }
    const s = slot;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      s.active--;
      const next = s.waiting.values().next();
      if (!next.done) {
        s.waiting.delete(next.value);
        next.value();
      } else if (s.active === 0) this.byKey.delete(spec.key);
    };
    const run = () => {
      s.active++;
      start(leave);
    };
    if (s.active < spec.limit) {
      run();
      return () => false;
    }
    s.waiting.add(run);
    return () => s.waiting.delete(run);
  }

  /** requests in flight under `key` (for tests) */
  active(key: string): number {
    return this.byKey.get(key)?.active ?? 0;
  }
}

/** Messages to the IO thread. */
export type ToThread =
  | { op: 'send'; id: number; req: WireRequest; timeoutMs: number; maxBytes: number; admission?: AdmissionLimit }
  | { op: 'cancel'; id: number };

/** An error as it crosses back from the IO thread. */
export type ThreadError =
  | { kind: 'too-large'; limit: number }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'error'; message: string; code?: string; name?: string };

/** Messages from the IO thread: every `send` is answered once, unless cancelled first. */
export type FromThread = { id: number; res: WireResponse } | { id: number; error: ThreadError };

export function toThreadError(e: unknown): ThreadError {
  if (e instanceof ResponseTooLarge) return { kind: 'too-large', limit: e.limit };
  if (e instanceof AttemptTimedOut) return { kind: 'timeout', timeoutMs: e.timeoutMs };
  const err = e as { message?: string; code?: string; name?: string };
  return { kind: 'error', message: String(err?.message ?? e), code: err?.code, name: err?.name };
}

export function fromThreadError(e: ThreadError): Error {
  if (e.kind === 'too-large') return new ResponseTooLarge(e.limit);
  if (e.kind === 'timeout') return new AttemptTimedOut(e.timeoutMs);
  const err = new Error(e.message);
  if (e.name) err.name = e.name;
  return e.code === undefined ? err : Object.assign(err, { code: e.code });
}

/** The IO thread: requests in, answers out, limits kept here. */
function serve(): void {
  const port = parentPort!;
  const agents = new Agents();
  const limits = new Limits();
  const open = new Map<number, { withdraw: () => boolean; abort?: (reason: unknown) => void }>();
  port.on('message', (m: ToThread) => {
    if (m.op === 'cancel') {
      const o = open.get(m.id);
      if (!o) return;
      open.delete(m.id);
      if (!o.withdraw()) o.abort?.(new Error('cancelled'));
      return;
    }
    const entry: { withdraw: () => boolean; abort?: (reason: unknown) => void } = { withdraw: () => false };
    open.set(m.id, entry);
    entry.withdraw = limits.enter(m.admission, (leave) => {
      entry.abort = wireRequest(agents, m.req, m.timeoutMs, m.maxBytes, (err, res) => {
        leave();
        if (!open.delete(m.id)) return; // cancelled: the asking side has settled already
        port.postMessage((err === undefined ? { id: m.id, res: res! } : { id: m.id, error: toThreadError(err) }) satisfies FromThread);
      });
    });
  });
}

if (!isMainThread && (workerData as { tandemIoThread?: boolean } | undefined)?.tandemIoThread) serve();
