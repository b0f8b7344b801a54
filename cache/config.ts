import type { EntityType } from '../canonical-schema';
import { envInt } from '../lib';

/**
 * How long a cached row counts as fresh, per entity, in seconds. Past it, a read
 * goes through to the system of record and writes the answer back.
 * Each is overridable with `TANDEM_TTL_<ENTITY>` (e.g. `TANDEM_TTL_INVOICE=30`).
 */
export type FreshnessBudget = Record<EntityType, number>;

/** @default customer 300 s, opportunity 120 s, project 300 s, resource 600 s, assignment 120 s, timeEntry 60 s, invoice 60 s, payment 300 s */
export const DEFAULT_FRESHNESS: FreshnessBudget = {
  customer: 300,
  opportunity: 120,
  project: 300,
  resource: 600,
  assignment: 120,
  timeEntry: 60,
  invoice: 60,
  payment: 300,
};

export function freshnessFromEnv(): FreshnessBudget {
  const out = { ...DEFAULT_FRESHNESS };
  for (const entity of Object.keys(out) as EntityType[]) {
    const name = `TANDEM_TTL_${entity.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    out[entity] = envInt(name, out[entity], 0, 86_400 * 30);
  }
  return out;
}
