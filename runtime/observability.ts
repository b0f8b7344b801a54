import type { Store } from '../store';
import type { SyncWorkers } from '../sync';
import type { Health } from '../telemetry';

/**
 * The readiness checks of a Tandem role: the store answers a statement (critical),
 * the event bus (critical; in-process until a broker is configured), and the
 * circuit states of this process's workers (reported, never critical: a source
 * system being down does not make Tandem unready).
 */
export function watchRole(health: Health, parts: { store?: Store; workers?: SyncWorkers | null }): () => void {
  const removers: (() => void)[] = [];
  const { store, workers } = parts;
  if (store) {
    removers.push(
      health.addCheck('store', async () => {
        await store.raw('SELECT 1');
        return { kind: store.kind };
      }),
    );
  }
  removers.push(health.addCheck('bus', () => ({ kind: 'in-process' })));
  if (workers) removers.push(health.addCheck('circuits', () => workers.circuits(), { critical: false }));
  return () => removers.forEach((r) => r());
}
