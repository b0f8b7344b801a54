import { bulkhead, circuitBreaker, CircuitState as CockatielState, ConsecutiveBreaker, handleWhen, wrap, type IPolicy } from 'cockatiel';
import { SourceError, type AdmissionLimit } from '../adapters/http';
import { SOURCE_SYSTEMS, type SourceSystem } from '../canonical-schema';
import { envInt, type Logger } from '../lib';
import type { CircuitState } from './api';

/** Default in-flight limits per system, below the simulators' own (CRM/PSA 25, ERP 10). */
export const DEFAULT_MAX_IN_FLIGHT: Record<SourceSystem, number> = { CRM: 20, ERP: 8, PSA: 20 };

/**
 * Per-system in-flight limits: `TANDEM_<SYS>_MAX_IN_FLIGHT`, else DEFAULT_MAX_IN_FLIGHT.
 * The limit is per worker process: with N worker processes give each limit/N.
 */
export function maxInFlightFromEnv(): Record<SourceSystem, number> {
  const out = {} as Record<SourceSystem, number>;
  for (const s of SOURCE_SYSTEMS) out[s] = envInt(`TANDEM_${s}_MAX_IN_FLIGHT`, DEFAULT_MAX_IN_FLIGHT[s], 1, 10_000);
  return out;
}

export interface BreakerConfig {
  /** consecutive failures (unavailable, timeout) that open the circuit @default 5 */
  threshold: number;
  /** how long the circuit stays open before one test call (half-open) @default 5000 */
  halfOpenAfterMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = { threshold: 5, halfOpenAfterMs: 5000 };

/** Failures that say the system is down (a 429 or a refusal does not). */
function systemDown(e: unknown): boolean {
  return e instanceof SourceError && (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT');
}

/**
 * One source system's gate: a circuit breaker around each writer call, and a
 * bulkhead that admits the system's requests (never more than `limit` in flight).
 * A writer call over a vendor client has each of its requests admitted on its own
 * (`guard` around the call, `admission` given to the client, whose transport keeps
 * the places: on the IO thread by default, adapters/http/transport.ts), so a place
 * is held for one request and not across the several requests of a call (a lookup,
 * a create and its read-back) or a read's backoff. Any other writer (a test's fake)
 * is `run`: admitted whole by a bulkhead of the same limit, then guarded.
 */
export interface SystemGate {
  readonly system: SourceSystem;
  /** the call admitted whole (one place for all of it), then through the breaker */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** the call through the breaker only; its requests are to be admitted one by one */
  guard<T>(fn: () => Promise<T>): Promise<T>;
  /** the limit a vendor client's requests wait for (a key of its own, `limit` places) */
  readonly admission: AdmissionLimit;
  circuit(): CircuitState;
  /** ms until an open circuit lets a test call through (0 when closed or due) */
  msUntilHalfOpen(): number;
}

/** numbers each set of gates: their admission keys are their own in the process's transport */
let gateSets = 0;

export function createSystemGates(options: {
  limits: Record<SourceSystem, number>;
  breaker: BreakerConfig;
  logger: Logger;
  /** called when a breaker changes state (persisted to sync_circuit) */
  onCircuit?: (system: SourceSystem, state: CircuitState) => void;
}): Record<SourceSystem, SystemGate> {
  const out = {} as Record<SourceSystem, SystemGate>;
  const gatesId = `gates-${++gateSets}`;
  for (const system of SOURCE_SYSTEMS) {
    const bh = bulkhead(options.limits[system], Number.MAX_SAFE_INTEGER);
    const cb = circuitBreaker(handleWhen(systemDown), {
      halfOpenAfter: options.breaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breaker.threshold),
    });
    let openedAt = 0;
    const map = (s: CockatielState): CircuitState =>
      s === CockatielState.Closed ? 'CLOSED' : s === CockatielState.HalfOpen ? 'HALF_OPEN' : 'OPEN';
    cb.onBreak(() => {
      openedAt = Date.now();
    });
    cb.onStateChange((s) => {
      const state = map(s);
      options.logger.warn({ system, circuit: state }, `circuit breaker of ${system} is ${state}`);
      options.onCircuit?.(system, state);
    });
    const policy: IPolicy = wrap(bh, cb);
    out[system] = {
      system,
      run: (fn) => policy.execute(() => fn()),
      guard: (fn) => cb.execute(() => fn()),
      admission: { key: `${gatesId}:${system}`, limit: options.limits[system] },
      circuit: () => map(cb.state),
      msUntilHalfOpen: () => (cb.state === CockatielState.Open ? Math.max(0, openedAt + options.breaker.halfOpenAfterMs - Date.now()) : 0),
    };
  }
  return out;
}
