/**
 * The relay: in every process that writes to the store, it gives committed
 * domain events their stream positions (event_stream_sequence) as soon as
 * their transaction commits (the `tandem_domain_event` notification), and,
 * with NATS, publishes them to JetStream. A sweep catches what a lost
 * notification or a crashed process left behind; a prune drops events older
 * than the retention.
 */
import type { Logger } from '../lib';
import type { Store } from '../store';
import { DOMAIN_EVENT_CHANNEL, sequenceEvents, storeStreamHead } from './store-stream';
import type { StreamEvent } from './stream';

/** Publishes the store's sequenced events to another bus (NATS JetStream), in order, each once. */
export interface EventPublisher {
  /**
   * Publishes every retained event up to position `last` not yet published; resolves when they are
   * acknowledged. `fresh`: events just sequenced (read from the store only when they do not follow on).
   */
  publishUpTo(store: Store, last: number, fresh?: readonly StreamEvent[]): Promise<void>;
}

export interface EventRelayOptions {
  store: Store;
  logger: Logger;
  publisher?: EventPublisher;
  /** called with the events this relay sequenced, in order (the in-process bus dispatches them without reading them back) */
  onSequenced?: (events: readonly StreamEvent[]) => void;
  /** how often to sweep for unsequenced or unpublished events @default 2000 */
  sweepMs?: number;
  /**
   * While events keep coming, passes start at least this far apart: what commits
   * meanwhile waits up to this long and goes in one pass. An idle relay's first
   * pass starts at once. @default 20
   */
  coalesceMs?: number;
  /** events older than this are deleted from the store (0: never) @default 24 */
  retentionHours?: number;
  /** how often to prune @default 600000 (10 min) */
  pruneEveryMs?: number;
}

export interface RunningEventRelay {
  /** Sequences (and publishes) what is committed now; resolves when done. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const BATCH = 1000;

export async function startEventRelay(options: EventRelayOptions): Promise<RunningEventRelay> {
  const { store, logger, publisher } = options;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let failures = 0;

  const pass = async () => {
    let last: number;
    const fresh: StreamEvent[] = [];
    for (;;) {
      const r = await sequenceEvents(store, BATCH);
      last = r.last;
      if (r.events.length) options.onSequenced?.(r.events);
      if (publisher) fresh.push(...r.events);
      if (r.events.length < BATCH) break;
    }
    if (publisher) await publisher.publishUpTo(store, last, fresh);
  };
  const coalesceMs = Math.max(0, options.coalesceMs ?? 20);
  let lastStart = -Infinity;
  let cutShort: (() => void) | undefined;
  /** waits until `coalesceMs` after the last pass began (at once when stopping) */
  const spaced = () => {
    const wait = lastStart + coalesceMs - performance.now();
    if (wait <= 0 || stopped) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        cutShort = undefined;
        resolve();
      }
      cutShort = done;
    });
  };
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        await spaced();
        if (stopped) return;
        // whatever committed until now goes in this pass
        again = false;
        lastStart = performance.now();
        try {
          await pass();
          if (failures > 0) logger.info({ failures }, 'event relay recovered');
          failures = 0;
        } catch (err) {
          if (stopped) return;
          if (failures++ % 30 === 0) logger.warn({ err, failures }, 'event relay pass failed; the sweep retries it');
          return;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const unlisten = await store.listen(DOMAIN_EVENT_CHANNEL, () => void run());
  const sweep = setInterval(() => void run(), options.sweepMs ?? 2000);
  sweep.unref();

  const retentionHours = options.retentionHours ?? 24;
  const prune = async () => {
    try {
      // with a publisher, an event leaves the store only once JetStream has it
      const rows = await store.rawBackground<{ n: number }>(
        `WITH d AS (DELETE FROM domain_event WHERE seq IS NOT NULL AND occurred_at < now() - ($1::float8 * interval '1 hour')
           AND (NOT $2 OR seq <= (SELECT published_seq FROM event_stream WHERE name = 'default')) RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        retentionHours,
        Boolean(publisher),
      );
      if (Number(rows[0]?.n) > 0) logger.info({ deleted: Number(rows[0].n), retentionHours }, 'pruned old events from the stream');
    } catch (err) {
      logger.warn({ err }, 'pruning old events failed');
    }
  };
  const pruner = retentionHours > 0 ? setInterval(() => void prune(), options.pruneEveryMs ?? 600_000) : undefined;
  pruner?.unref();

  await run();
  const head = await storeStreamHead(store);
  logger.info({ last: head.last, first: head.first, publisher: publisher ? 'nats' : 'none', retentionHours }, 'event relay started');

  return {
    flush: () => run(),
    async stop() {
      stopped = true;
      cutShort?.();
      clearInterval(sweep);
      if (pruner) clearInterval(pruner);
      await unlisten().catch(() => undefined);
      await running;
    },
  };
}
