import type { SourceSystem } from '../../canonical-schema';
import { generateWorld, startSystems, stopSystems, type RunningSystem, type RunningSystems, type World } from '../../systems';
import { systemConfig, type AdaptersConfig, type SystemConfig } from '../config';
import { createAdapters, type Adapters } from '../index';

/** The base date of the test world, and the ERP adapter's `today`. */
export const TEST_TODAY = '2025-06-16';

/** The simulators on free ports, a seeded world, and adapters pointed at them (for integration tests). */
export interface SimulatedAdapters {
  world: World;
  systems: RunningSystems;
  /** The simulator of each system. */
  sim: Record<SourceSystem, RunningSystem>;
  /** Adapters with test-friendly defaults (1 s timeout, 10 ms backoff). */
  adapters: Adapters;
  /** Builds more adapters over the same simulators with other settings. */
  make(overrides?: Partial<SystemConfig>, perSystem?: Partial<Record<SourceSystem, Partial<SystemConfig>>>): Adapters;
  stop(): Promise<void>;
}

/** Starts the three simulators (port 0) over one generated world and builds adapters for them. */
export async function startSimulatedAdapters(opts: { customers?: number; seed?: number } = {}): Promise<SimulatedAdapters> {
  const world = generateWorld({ seed: opts.seed ?? 42, customers: opts.customers ?? 50, today: TEST_TODAY });
  const systems = await startSystems({ world });
  const sim: Record<SourceSystem, RunningSystem> = { CRM: systems.crm, ERP: systems.erp, PSA: systems.psa };
  const make = (overrides: Partial<SystemConfig> = {}, perSystem: Partial<Record<SourceSystem, Partial<SystemConfig>>> = {}): Adapters => {
    const cfg = (s: SourceSystem): SystemConfig =>
      systemConfig({ baseUrl: sim[s].url, token: sim[s].token, timeoutMs: 1000, retryBaseDelayMs: 10, ...overrides, ...perSystem[s] });
    const config: AdaptersConfig = { CRM: cfg('CRM'), ERP: cfg('ERP'), PSA: cfg('PSA') };
    return createAdapters(config, { erp: { today: () => TEST_TODAY } });
  };
  return { world, systems, sim, adapters: make(), make, stop: () => stopSystems(systems) };
}
