/**
 * Group commit for the workers' step records (docs/decisions/sync-persist-batch.md).
 *
 * Each finished step is recorded by one sync_persist call. On PGlite most of such a
 * call's cost is the call itself (the wire protocol, the statement's transaction),
 * not its work, and every running transaction makes one per step. The batcher sends
 * a record at once when no call is in flight; while one is, the records that arrive
 * wait and then go together as ONE sync_persist_many call (one transaction). An
 * idle store sees no added latency; a busy one gets fewer, larger calls.
 *
 * A batch that fails is sent again entry by entry, so each record gets its own
 * answer (the batch rolled back as a whole, so nothing is applied twice).
 */

export interface PersistEntry {
  /** the transaction's id */
  t: string;
  /** sync_persist's payload */
  p: unknown;
}

export interface PersistBatcherOptions {
  /** One record on its own (sync_persist): 1 when the caller holds the lease, else 0. */
  one(entry: PersistEntry): Promise<number>;
  /** Several records in one call (sync_persist_many): one result per entry, in order. */
  many(entries: PersistEntry[]): Promise<number[]>;
  /** records per call at most @default 64 */
  maxBatch?: number;
  /** calls in flight at once @default 1 */
  maxInFlight?: number;
}

export interface PersistBatcher {
  /** Records one entry; resolves to sync_persist's result for it. */
  persist(entry: PersistEntry): Promise<number>;
  /** Rejects every record not yet sent with `error` (a simulated crash: nothing more is written). */
  abort(error: Error): void;
  /** calls made so far, and records sent in them (metrics, tests) */
  readonly stats: { calls: number; records: number; fallbacks: number };
}

interface Waiting {
  entry: PersistEntry;
  resolve(owned: number): void;
  reject(error: unknown): void;
}

export function createPersistBatcher(options: PersistBatcherOptions): PersistBatcher {
  const maxBatch = Math.max(1, options.maxBatch ?? 64);
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  const queue: Waiting[] = [];
  let inFlight = 0;
  const stats = { calls: 0, records: 0, fallbacks: 0 };

  async function send(batch: Waiting[]): Promise<void> {
    stats.calls++;
    stats.records += batch.length;
    if (batch.length === 1) {
      const [w] = batch;
      await options.one(w.entry).then(w.resolve, w.reject);
      return;
    }
    let owned: number[];
    try {
      owned = await options.many(batch.map((w) => w.entry));
      if (!Array.isArray(owned) || owned.length !== batch.length) throw new Error(`sync_persist_many returned ${owned?.length} results for ${batch.length} records`);
    } catch {
      // rolled back as a whole: each on its own, so the failing record gets its own error
      stats.fallbacks++;
      await Promise.all(batch.map((w) => options.one(w.entry).then(w.resolve, w.reject)));
      return;
    }
    batch.forEach((w, i) => w.resolve(Number(owned[i])));
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      // one lock order for every batch: two processes' batches never wait on each other in a cycle
      const batch = queue.splice(0, maxBatch).sort((a, b) => (a.entry.t < b.entry.t ? -1 : a.entry.t > b.entry.t ? 1 : 0));
      inFlight++;
      void send(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return {
    stats,
    persist(entry) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        pump();
      });
    },
    abort(error) {
      for (const w of queue.splice(0)) w.reject(error);
    },
  };
}
