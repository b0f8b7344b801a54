/**
 * The worker-thread side of the embedded database (see pglite-remote.ts and
 * docs/decisions/store-pglite-thread.md): one PGlite instance, driven
 * by messages from the thread that opened it. Loaded only as a worker.
 */
import { openAsBlob } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { messages, PGlite, type Transaction } from '@electric-sql/pglite';
import type { Request, Response, SerializedError, ThreadOptions } from './pglite-protocol';

type Queryable = Pick<Transaction, 'query' | 'exec'>;

async function main(): Promise<void> {
  const port = parentPort!;
  const options = workerData as ThreadOptions;
  let db: PGlite;
  try {
    db = await PGlite.create(options.dataDir, {
      startParams: options.startParams,
      ...(options.template ? { loadDataDir: (await openAsBlob(options.template)) as Blob } : {}),
    });
  } catch (e) {
    port.postMessage({ id: 0, error: serialize(e) } satisfies Response);
    return;
  }
  const prismaParsers = await adapterParsers();

  /** open transactions: their handle, the chain their statements run on, and how to end them */
  const txs = new Map<number, { tx: Transaction; chain: Promise<unknown>; end: (commit: boolean) => void; done: Promise<void> }>();
  let nextTx = 1;
  const listeners = new Map<number, () => Promise<void>>();
  let nextListener = 1;

  const run = (target: Queryable, req: Extract<Request, { op: 'query' | 'exec' }>): Promise<unknown> =>
    req.op === 'exec'
      ? target.exec(req.sql).then((results) => results.map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows })))
      : target
          .query(req.sql, req.params, { rowMode: req.rowMode, parsers: req.prismaParsers ? prismaParsers : undefined })
          .then((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }));

  port.on('message', (req: Request) => {
    const reply = (p: Promise<unknown>) =>
      p.then(
        (result) => port.postMessage({ id: req.id, result } satisfies Response),
        (e) => port.postMessage({ id: req.id, error: serialize(e) } satisfies Response),
      );
    switch (req.op) {
      case 'query':
      case 'exec': {
        if (req.tx === undefined) return void reply(run(db, req));
        const open = txs.get(req.tx);
        if (!open) return void reply(Promise.reject(new Error(`transaction ${req.tx} is not open`)));
        // a transaction's statements run one after another, in the order they were sent
        const p = open.chain.then(() => run(open.tx, req));
        open.chain = p.catch(() => undefined);
        return void reply(p);
      }
      case 'describe':
        return void reply(
          db.describeQuery(req.sql).then((d) => ({
            queryParams: d.queryParams.map((q) => ({ dataTypeID: q.dataTypeID })),
            resultFields: d.resultFields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
          })),
        );
      case 'begin': {
        const id = nextTx++;
        let started!: () => void;
        const opened = new Promise<void>((resolve) => (started = resolve));
        const done = db
          .transaction(async (tx) => {
            let end!: (commit: boolean) => void;
            const ended = new Promise<boolean>((resolve) => (end = resolve));
            txs.set(id, { tx, chain: Promise.resolve(), end, done: undefined as unknown as Promise<void> });
            started();
            if (!(await ended)) throw new RolledBack();
          })
          .then(
            () => undefined,
            (e) => {
              if (!(e instanceof RolledBack)) throw e;
            },
          );
        // BEGIN failed: nothing was registered
        done.catch(() => undefined);
        return void reply(
          Promise.race([opened, done.then(() => Promise.reject(new Error('transaction ended before it began')))]).then(() => {
            txs.get(id)!.done = done;
            return id;
          }),
        );
      }
      case 'rollback': {
        const open = txs.get(req.tx);
        if (!open) return void reply(Promise.resolve());
        const p = open.chain.then(() => open.tx.rollback());
        open.chain = p.catch(() => undefined);
        return void reply(p);
      }
      case 'end': {
        const open = txs.get(req.tx);
        if (!open) return void reply(Promise.resolve());
        return void reply(
          open.chain.then(async () => {
            txs.delete(req.tx);
            open.end(req.commit);
            await open.done;
          }),
        );
      }
      case 'listen': {
        const id = nextListener++;
        return void reply(
          db
            .listen(req.channel, (payload) => port.postMessage({ notify: id, payload } satisfies Response))
            .then((unlisten) => {
              listeners.set(id, unlisten);
              return id;
            }),
        );
      }
      case 'unlisten': {
        const unlisten = listeners.get(req.listener);
        listeners.delete(req.listener);
        return void reply(unlisten ? unlisten() : Promise.resolve());
      }
      case 'close':
        return void reply(db.close());
    }
  });
  port.postMessage({ id: 0, result: 'ready' } satisfies Response);
}

class RolledBack extends Error {}

/**
 * The value parsers pglite-prisma-adapter passes with every query: functions,
 * which cannot cross threads, so this thread takes the adapter's own by letting
 * it run one query against a stand-in client.
 */
async function adapterParsers(): Promise<Record<number, (value: string) => unknown>> {
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  let parsers: Record<number, (value: string) => unknown> = {};
  const standIn = {
    query: async (_sql: string, _params: unknown[], options: { parsers?: typeof parsers }) => {
      parsers = options.parsers ?? {};
      return { rows: [], fields: [], affectedRows: 0 };
    },
  };
  const adapter = await new PrismaPGlite(standIn as unknown as PGlite).connect();
  await adapter.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] });
  return parsers;
}

function serialize(e: unknown): SerializedError {
  if (e instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
    return { message: e.message, name: e.name, database: e instanceof messages.DatabaseError, fields };
  }
  return { message: String(e), name: 'Error', database: false, fields: {} };
}

void main().catch((e) => parentPort?.postMessage({ id: 0, error: serialize(e) } satisfies Response));
