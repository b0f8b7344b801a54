/**
 * How a VendorHttpClient's requests reach the wire (docs/decisions/adapters-io-thread.md):
 * on the IO thread (the default), or on the calling thread
 * (`TANDEM_ADAPTER_IO_THREAD=false`). Either way a request waits for its place in
 * its admission limit, if it has one, and its time budget starts once admitted.
 */
import type { Worker } from 'node:worker_threads';
import { envBool } from '../../lib/env';
import { startModuleThread } from '../../lib/module-thread';
import {
  Agents,
  fromThreadError,
  Limits,
  wireRequest,
  type AdmissionLimit,
  type FromThread,
  type ToThread,
  type WireRequest,
  type WireResponse,
} from './io-thread';

export interface SendOptions {
  /** the attempt's time budget, from its admission */
  timeoutMs: number;
  /** longest answer read (ResponseTooLarge beyond) */
  maxBytes: number;
  /** the in-flight limit the request waits for */
  admission?: AdmissionLimit;
  /** hands the caller a function that ends the request at once, rejecting with the reason given */
  cancel: (end: (reason: unknown) => void) => void;
}

export interface Transport {
  send(req: WireRequest, opts: SendOptions): Promise<WireResponse>;
}

/** Requests sent from the calling thread. */
export class LocalTransport implements Transport {
  private readonly agents = new Agents();
  private readonly limits = new Limits();

  send(req: WireRequest, opts: SendOptions): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      let abort: ((reason: unknown) => void) | undefined;
      let withdraw: (() => boolean) | undefined;
      let ended = false;
      // the cancel hook first: a caller that has given up already sends nothing
      opts.cancel((reason) => {
        if (ended) return;
        ended = true;
        if (abort) abort(reason);
        else {
          withdraw?.();
          reject(reason);
        }
      });
      if (ended) return;
      withdraw = this.limits.enter(opts.admission, (leave) => {
        abort = wireRequest(this.agents, req, opts.timeoutMs, opts.maxBytes, (err, res) => {
          leave();
          if (err === undefined) resolve(res!);
          else reject(err);
        });
      });
    });
  }
}

/** How long the IO thread is kept with nothing to do before it is stopped (a new request starts it again). */
const IDLE_STOP_MS = 5_000;

/**
 * Requests sent from the IO thread (io-thread.ts): their places in their limits
 * are kept, taken and given back there. One thread per process, started on the
 * first request, stopped after `idleStopMs` (IDLE_STOP_MS) without any. It keeps
 * the process alive while a request is pending (as the request's own socket would
 * on the calling thread), and never once none is.
 */
export class ThreadTransport implements Transport {
  constructor(private readonly options: { idleStopMs?: number } = {}) {}

  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WireResponse) => void; reject: (e: unknown) => void }>();
  private idle: NodeJS.Timeout | undefined;

  send(req: WireRequest, opts: SendOptions): Promise<WireResponse> {
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<WireResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // a request in flight keeps the process alive, as a socket of its own would
      if (this.pending.size === 1) worker.ref();
      let posted = false;
      // the cancel hook first: a caller that has given up already sends nothing
      opts.cancel((reason) => {
        if (!this.settle(id)) return;
        if (posted) worker.postMessage({ op: 'cancel', id } satisfies ToThread);
        reject(reason);
      });
      if (!this.pending.has(id)) return;
      worker.postMessage({ op: 'send', id, req, timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, admission: opts.admission } satisfies ToThread);
      posted = true;
    });
  }

  /** Whether the IO thread is running. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Stops the thread now (requests still open fail as a dropped connection). */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  /** Removes a pending request; false if it had settled already. */
  private settle(id: number): boolean {
    if (!this.pending.delete(id)) return false;
    if (this.pending.size === 0) {
      this.worker?.unref();
      clearTimeout(this.idle);
      this.idle = setTimeout(() => void this.close(), this.options.idleStopMs ?? IDLE_STOP_MS);
      this.idle.unref();
    }
    return true;
  }

  private thread(): Worker {
    clearTimeout(this.idle);
    if (this.worker) return this.worker;
    const w = startModuleThread(__dirname, 'io-thread', { tandemIoThread: true });
    w.on('message', (m: FromThread) => {
      const p = this.pending.get(m.id);
      if (!p || !this.settle(m.id)) return;
      if ('res' in m) p.resolve(m.res);
      else p.reject(fromThreadError(m.error));
    });
    const fail = (why: string) => {
      if (this.worker === w) this.worker = undefined;
      // a newer thread has taken over (this one was stopped while idle): its requests are not this one's
      else if (this.worker !== undefined) return;
      for (const [id, p] of [...this.pending]) {
        this.settle(id);
        p.reject(Object.assign(new Error(`the IO thread ${why}`), { code: 'ECONNRESET' }));
      }
    };
    w.on('error', (e) => fail(`failed: ${e.message}`));
    w.on('exit', (code) => fail(`exited (${code})`));
    // after the listeners (adding a 'message' listener refs the thread's port again):
    // referenced only while a request is pending (send, settle)
    w.unref();
    this.worker = w;
    return w;
  }
}

let shared: Transport | undefined;

/** The process's transport: the IO thread unless TANDEM_ADAPTER_IO_THREAD=false. */
export function defaultTransport(): Transport {
  shared ??= envBool('TANDEM_ADAPTER_IO_THREAD', true) ? new ThreadTransport() : new LocalTransport();
  return shared;
}
