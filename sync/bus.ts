import { EventEmitter } from 'node:events';
import type { Store } from '../store';
import type { SyncTransactionRecord } from './api';

/**
 * The in-process signals of one store: `updated` after a transaction's status
 * changed (engine and workers of this process), `submitted` to wake this
 * process's workers at once instead of at their next poll.
 */
export interface SyncBus {
  emitUpdated(tx: SyncTransactionRecord): void;
  onUpdated(listener: (tx: SyncTransactionRecord) => void): () => void;
  /** true when someone listens for updates (records are only loaded for them) */
  hasUpdateListeners(): boolean;
  emitSubmitted(): void;
  onSubmitted(listener: () => void): () => void;
}

const buses = new WeakMap<Store, SyncBus>();

export function syncBus(store: Store): SyncBus {
  let bus = buses.get(store);
  if (!bus) {
    const ee = new EventEmitter();
    ee.setMaxListeners(0);
    bus = {
      emitUpdated: (tx) => {
        for (const l of ee.listeners('updated')) {
          try {
            (l as (t: SyncTransactionRecord) => void)(tx);
          } catch {
            // a listener's failure is its own; the engine goes on
          }
        }
      },
      onUpdated: (l) => {
        ee.on('updated', l);
        return () => void ee.off('updated', l);
      },
      hasUpdateListeners: () => ee.listenerCount('updated') > 0,
      emitSubmitted: () => void ee.emit('submitted'),
      onSubmitted: (l) => {
        ee.on('submitted', l);
        return () => void ee.off('submitted', l);
      },
    };
    buses.set(store, bus);
  }
  return bus;
}
