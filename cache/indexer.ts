import { ANCHOR_SYSTEM, ENTITY_TYPES, type EntityType } from '../canonical-schema';
import type { AdapterSet } from '../adapters/port';
import type { Store } from '../store';
import type { Logger } from '../lib';

/** rows per putMany when indexing */
const INDEX_SLICE = 1000;

export interface IndexReport {
  entity: EntityType;
  count: number;
  ms: number;
  error?: string;
}

/**
 * Lists every record of every entity from its system of record and writes it to
 * the store: the first start's warm-up, and a periodic sweep that picks up
 * records created in a source system since. A system that fails is reported
 * and skipped; the others are still indexed.
 */
export async function indexAll(store: Store, adapters: AdapterSet, logger: Logger, entities: readonly EntityType[] = ENTITY_TYPES): Promise<IndexReport[]> {
  const reports: IndexReport[] = [];
  for (const entity of entities) {
    const system = ANCHOR_SYSTEM[entity];
    const started = Date.now();
    try {
      const values = await adapters[system].listAll(entity);
      const syncedAt = new Date();
      // in slices: one statement over 10,000 rows grew PGlite's heap (which never shrinks) by ~100 MB
      for (let i = 0; i < values.length; i += INDEX_SLICE) await store.putMany(entity, values.slice(i, i + INDEX_SLICE), system, syncedAt);
      reports.push({ entity, count: values.length, ms: Date.now() - started });
      logger.info({ entity, system, count: values.length, ms: Date.now() - started }, `indexed ${values.length} ${entity} records from ${system}`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      reports.push({ entity, count: 0, ms: Date.now() - started, error: message });
      logger.warn({ entity, system, err: message }, `could not index ${entity} from ${system}; will retry on the next sweep`);
    }
  }
  return reports;
}

/** Runs `indexAll` every `intervalSeconds` until stopped; a sweep never overlaps the previous one. */
export function scheduleIndexing(store: Store, adapters: AdapterSet, logger: Logger, intervalSeconds: number): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = indexAll(store, adapters, logger).finally(() => {
      running = undefined;
    });
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
