/**
 * Group commit for small writes that many concurrent callers make to the store
 * (docs/decisions/group-commit.md): the engine's submits, the workers' step
 * records (sync_persist), the audit entries of mutations, and the store's cache
 * reads, id-map reads and cache refreshes.
 *
 * On the embedded store most of such a call's cost is the call itself (the wire
 * protocol, the statement's own transaction), not its work. A group commit sends
 * an item at once when no call of its kind is in flight; while one is, the items
 * that arrive wait and then go together in ONE call (one transaction). An idle
 * store sees no added latency; a busy one gets fewer, larger calls.
 *
 * A batch that fails is sent again item by item, so each caller gets its own
 * answer: `many` must be all or nothing (one statement or one transaction), so
 * nothing is applied twice.
 */

export interface GroupCommitOptions<T, R> {
  /** One item on its own. */
  one(item: T): Promise<R>;
  /** Several items in one call, all or nothing: one result per item, in order. */
  many(items: T[]): Promise<R[]>;
  /** items per call at most @default 64 */
  maxBatch?: number;
  /** calls in flight at once @default 1 */
  maxInFlight?: number;
  /** Orders each batch (say, by the row it locks, so that two processes' batches never wait on each other in a cycle). */
  compare?: (a: T, b: T) => number;
}

export interface GroupCommit<T, R> {
  /** Sends one item (alone or with others); resolves to its own result. */
  submit(item: T): Promise<R>;
  /** Rejects every item not yet sent with `error` (a simulated crash: nothing more is written). */
  abort(error: Error): void;
  /** calls made so far, items sent in them, and batches resent item by item */
  readonly stats: { calls: number; items: number; fallbacks: number };
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export function createGroupCommit<T, R>(options: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const maxBatch = Math.max(1, options.maxBatch ?? 64);
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  const queue: Waiting<T, R>[] = [];
  let inFlight = 0;
  const stats = { calls: 0, items: 0, fallbacks: 0 };

  /** `one` as a promise even when it throws before returning one */
  const one = (item: T): Promise<R> => {
    try {
      return options.one(item);
    } catch (e) {
      return Promise.reject(e);
    }
  };

  async function send(batch: Waiting<T, R>[]): Promise<void> {
    stats.calls++;
    stats.items += batch.length;
    if (batch.length === 1) {
      const [w] = batch;
      await one(w.item).then(w.resolve, w.reject);
      return;
    }
    let results: R[];
    try {
      results = await options.many(batch.map((w) => w.item));
      if (!Array.isArray(results) || results.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} items came back with ${Array.isArray(results) ? results.length : 'no'} results`);
      }
    } catch {
      // rolled back as a whole: each on its own, so the failing item gets its own error
      stats.fallbacks++;
      await Promise.all(batch.map((w) => one(w.item).then(w.resolve, w.reject)));
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]));
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      if (options.compare) batch.sort((a, b) => options.compare!(a.item, b.item));
      inFlight++;
      send(batch)
        // nothing in send should throw; if it does, no caller of the batch is left waiting
        .catch((e: unknown) => batch.forEach((w) => w.reject(e)))
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  return {
    stats,
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
    abort(error) {
      for (const w of queue.splice(0)) w.reject(error);
    },
  };
}
