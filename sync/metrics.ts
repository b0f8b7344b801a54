import type { Store } from '../store';
import { metrics, onScrape } from '../telemetry';
import type { CircuitState, SyncEngine } from './api';

const CIRCUIT_VALUE: Record<CircuitState, number> = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 };

/**
 * Sets the store-backed gauges (outbox depth, backlog, dead letters, oldest
 * pending work, circuit states, and the business gauges) each time `/metrics`
 * is scraped: two statements per scrape. Returns the function that stops it.
 */
export function registerSyncMetrics(engine: SyncEngine, store: Store): () => void {
  return onScrape('sync', async () => {
    const [m, circuits] = await Promise.all([
      engine.metrics(),
      store.raw<{ system: string; state: CircuitState }>(`SELECT system::text AS system, state FROM sync_circuit`),
    ]);
    metrics.outboxDepth.set(m.outboxDepth);
    metrics.syncBacklog.set(m.syncBacklog);
    metrics.deadLetters.set(m.deadLettered);
    metrics.oldestPendingSeconds.set(m.oldestPendingSeconds ?? 0);
    metrics.opportunitiesAwaitingProject.set(m.opportunitiesAwaitingProject);
    metrics.invoicesBlocked.set(m.invoicesBlocked);
    metrics.unbilledAmount.reset();
    for (const u of m.unbilledAmount) metrics.unbilledAmount.set({ currency: u.currency }, Number(u.amount));
    for (const system of ['CRM', 'ERP', 'PSA']) metrics.circuitState.set({ system }, 0);
    for (const c of circuits) metrics.circuitState.set({ system: c.system }, CIRCUIT_VALUE[c.state] ?? 0);
  });
}
