/**
 * The embedded database on its own thread (docs/decisions/store-pglite-thread.md): PGlite runs
 * PostgreSQL compiled to WebAssembly on the thread that calls it, so in one
 * process it took the CPU the gateway, the subgraphs and the sync workers
 * needed. `RemotePGlite` opens PGlite in a worker thread (pglite-thread.ts) and
 * offers the part of PGlite's API the store uses (query, exec, transaction,
 * close), so the Prisma adapter, the migrator and the store's own statements
 * run on it unchanged.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../lib/module-thread';
import { messages, type PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import type { Described, Request, Response, SerializedError, ThreadOptions } from './pglite-protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type QueryOptions = { rowMode?: 'array' | 'object'; parsers?: unknown };
type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The subset of PGlite (and of its transactions) the store, the migrator and the Prisma adapter call. */
export interface PGliteLike {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<Results[]>;
  /** The parameter and result types of one statement, without running it. */
  describeQuery(sql: string): Promise<Described>;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** LISTEN: `onNotify` gets the payload of each NOTIFY on `channel`; resolves to a function that stops. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  readonly closed: boolean;
  close(): Promise<void>;
}

export class RemotePGlite implements PGliteLike {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly listeners = new Map<number, (payload: string) => void>();
  private failed: Error | undefined;
  private isClosed = false;

  private constructor(private readonly worker: Worker) {}

  /** Starts the thread and opens the database on it (rejects with PGlite's own error when it cannot). */
  static async open(options: ThreadOptions): Promise<RemotePGlite> {
    const worker = startThread(options);
    const remote = new RemotePGlite(worker);
    await new Promise<void>((resolve, reject) => {
      remote.pending.set(0, { resolve: () => resolve(), reject });
      worker.on('message', (res: Response) => remote.settle(res));
      worker.on('error', (e) => remote.fail(e));
      worker.on('exit', (code) => remote.fail(new Error(`the embedded database thread exited (code ${code})`)));
    }).catch(async (e) => {
      await worker.terminate();
      throw e;
    });
    // an idle thread does not keep the process running (PGlite in-process did not
    // either); a statement in flight does (see call)
    worker.unref();
    return remote;
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.call({ op: 'query', sql, params, rowMode: options?.rowMode, prismaParsers: options?.parsers !== undefined }) as Promise<Results<T>>;
  }

  exec(sql: string): Promise<Results[]> {
    return this.call({ op: 'exec', sql }) as Promise<Results[]>;
  }

  describeQuery(sql: string): Promise<Described> {
    return this.call({ op: 'describe', sql }) as Promise<Described>;
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const id = (await this.call({ op: 'begin' })) as number;
    let closed = false;
    const check = () => {
      if (closed) throw new Error('Transaction is closed');
    };
    const tx = {
      query: async (sql: string, params?: unknown[], options?: QueryOptions) => {
        check();
        return this.call({ op: 'query', sql, params, rowMode: options?.rowMode, prismaParsers: options?.parsers !== undefined, tx: id });
      },
      exec: async (sql: string) => {
        check();
        return this.call({ op: 'exec', sql, tx: id });
      },
      rollback: async () => {
        check();
        closed = true;
        await this.call({ op: 'rollback', tx: id });
      },
      get closed() {
        return closed;
      },
    } as unknown as Transaction;
    let result: T;
    try {
      result = await fn(tx);
    } catch (e) {
      closed = true;
      await this.call({ op: 'end', tx: id, commit: false }).catch(() => undefined);
      throw e;
    }
    closed = true;
    await this.call({ op: 'end', tx: id, commit: true });
    return result;
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const listener = (await this.call({ op: 'listen', channel })) as number;
    this.listeners.set(listener, onNotify);
    return async () => {
      if (!this.listeners.delete(listener) || this.isClosed || this.failed) return;
      await this.call({ op: 'unlisten', listener });
    };
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    try {
      if (!this.failed) await this.call({ op: 'close' });
    } finally {
      this.isClosed = true;
      this.listeners.clear();
      this.worker.removeAllListeners('exit');
      await this.worker.terminate();
    }
  }

  /** This object where PGlite's type is expected (the Prisma adapter, the migrator). */
  asPGlite(): PGlite {
    return this as unknown as PGlite;
  }

  private call(body: RequestBody): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.isClosed) return Promise.reject(new Error('the embedded database is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id });
    });
  }

  private settle(res: Response): void {
    if (res.id === undefined) {
      this.listeners.get(res.notify)?.(res.payload);
      return;
    }
    const p = this.pending.get(res.id);
    if (!p) return;
    this.pending.delete(res.id);
    if (this.pending.size === 0) this.worker.unref();
    if (res.error) p.reject(rebuild(res.error));
    else p.resolve(res.result);
  }

  private fail(e: Error): void {
    if (this.isClosed) return;
    this.failed ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** A thread error as the caller's error: PostgreSQL errors as PGlite's DatabaseError, so the Prisma adapter maps their codes. */
function rebuild(e: SerializedError): Error {
  const err: Error =
    e.database ? new messages.DatabaseError(e.message, Number(e.fields.length ?? 0), 'error') : new Error(e.message);
  Object.assign(err, e.fields);
  if (!e.database) err.name = e.name;
  return err;
}

/** The thread runs pglite-thread (see startModuleThread). */
function startThread(options: ThreadOptions): Worker {
  return startModuleThread(__dirname, 'pglite-thread', options);
}
