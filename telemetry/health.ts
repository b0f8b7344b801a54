/**
 * Liveness and readiness of one role. `/healthz` answers while the process
 * runs; `/readyz` answers 200 only when the role is started (not starting,
 * migrating the store or stopping) and every critical check passes (the store
 * answers, the event bus is connected). Informational checks (circuit states)
 * are reported but never make a role unready: a source system being down is
 * not a reason to take Tandem out of service.
 */

export type HealthPhase = 'starting' | 'migrating' | 'ready' | 'stopping';

export interface CheckResult {
  ok: boolean;
  /** what the check saw (e.g. circuit states) */
  detail?: unknown;
  /** why it failed */
  error?: string;
  /** how long it took */
  ms: number;
  /** false: reported, but does not decide readiness */
  critical: boolean;
}

export interface Readiness {
  ready: boolean;
  phase: HealthPhase;
  checks: Record<string, CheckResult>;
}

export interface HealthCheckOptions {
  /** false: reported but never makes the role unready. @default true */
  critical?: boolean;
  /** A check that takes longer fails. @default 2000 */
  timeoutMs?: number;
}

export interface Health {
  readonly phase: HealthPhase;
  setPhase(phase: HealthPhase): void;
  /**
   * Adds a check run by each readiness probe: it passes when `run` resolves
   * (its value is reported as `detail`) and fails when it throws or times out.
   * Returns the function that removes it.
   */
  addCheck(name: string, run: () => Promise<unknown> | unknown, options?: HealthCheckOptions): () => void;
  /** Runs every check (in parallel). */
  readiness(): Promise<Readiness>;
  /** Seconds since the role started. */
  uptimeSeconds(): number;
}

interface Check {
  run: () => Promise<unknown> | unknown;
  critical: boolean;
  timeoutMs: number;
}

/** A role's health, in phase `starting` until {@link Health.setPhase}('ready'). */
export function createHealth(initial: HealthPhase = 'starting'): Health {
  let phase = initial;
  const started = Date.now();
  const checks = new Map<string, Check>();

  async function runCheck(check: Check): Promise<CheckResult> {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const detail = await Promise.race([
        Promise.resolve().then(check.run),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${check.timeoutMs} ms`)), check.timeoutMs);
        }),
      ]);
      return { ok: true, ...(detail === undefined ? {} : { detail }), ms: Math.round(performance.now() - t0), critical: check.critical };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err), ms: Math.round(performance.now() - t0), critical: check.critical };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get phase() {
      return phase;
    },
    setPhase(next) {
      phase = next;
    },
    addCheck(name, run, options = {}) {
      const check: Check = { run, critical: options.critical ?? true, timeoutMs: options.timeoutMs ?? 2000 };
      checks.set(name, check);
      return () => {
        if (checks.get(name) === check) checks.delete(name);
      };
    },
    async readiness() {
      const entries = await Promise.all([...checks].map(async ([name, check]) => [name, await runCheck(check)] as const));
      const results = Object.fromEntries(entries);
      const ready = phase === 'ready' && entries.every(([, r]) => r.ok || !r.critical);
      return { ready, phase, checks: results };
    },
    uptimeSeconds: () => Math.round((Date.now() - started) / 1000),
  };
}
