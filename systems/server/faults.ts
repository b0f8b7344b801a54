/** The fault switches of one simulated system (see docs/source-systems.md, "Faults"). */
export interface Faults {
  /** Destroy every socket without answering (the client sees a connection reset). */
  down: boolean;
  /** Extra delay before answering, in milliseconds. */
  slowMs: number;
  /** Answer 503 with the vendor error body. */
  error5xx: boolean;
  /** Answer 200 with `Content-Type: application/json` and a body that is not JSON. */
  garbage: boolean;
  /** Answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimited: boolean;
  /** Retry-After of every 429 (rate-limit fault and concurrency limit), in seconds. */
  retryAfterSeconds: number;
  /** Wait before handling each request, in milliseconds. */
  latencyMs: number;
  /** Requests allowed in flight; one more answers 429. */
  concurrency: number;
  /**
   * Refuse writes with the vendor's validation error, changing nothing: `true`
   * every write, a route template (`"POST /api/v1/workspaces"`) only the writes
   * to it, `false` none.
   */
  rejectWrites: boolean | string;
}

/** A partial update of the fault switches. */
export type FaultsPatch = Partial<Faults>;

export function defaultFaults(latencyMs: number, concurrency: number): Faults {
  return { down: false, slowMs: 0, error5xx: false, garbage: false, rateLimited: false, retryAfterSeconds: 1, latencyMs, concurrency, rejectWrites: false };
}

const BOOLEAN_KEYS = ['down', 'error5xx', 'garbage', 'rateLimited'] as const;
const NUMBER_KEYS = { slowMs: 0, retryAfterSeconds: 0, latencyMs: 0, concurrency: 1 } as const;

export class FaultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultsError';
  }
}

/** Whether the `rejectWrites` switch refuses a write to `route` (`"METHOD /template"`). */
export function rejectsWrite(faults: Faults, route: string): boolean {
  return faults.rejectWrites === true || (typeof faults.rejectWrites === 'string' && faults.rejectWrites === route);
}

/** Validates a fault patch from the admin API or a caller; throws FaultsError naming the bad key. */
export function parseFaultsPatch(input: unknown): FaultsPatch {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new FaultsError('faults must be a JSON object');
  const out: FaultsPatch = {};
  for (const [key, value] of Object.entries(input)) {
    if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new FaultsError(`${key} must be true or false`);
      out[key as (typeof BOOLEAN_KEYS)[number]] = value;
    } else if (key in NUMBER_KEYS) {
      const min = NUMBER_KEYS[key as keyof typeof NUMBER_KEYS];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
        throw new FaultsError(`${key} must be an integer of at least ${min}`);
      }
      out[key as keyof typeof NUMBER_KEYS] = value;
    } else if (key === 'rejectWrites') {
      if (typeof value !== 'boolean' && !(typeof value === 'string' && /^(POST|PUT|PATCH|DELETE) \/\S*$/.test(value))) {
        throw new FaultsError('rejectWrites must be true, false or a write route template such as "POST /api/v1/workspaces"');
      }
      out.rejectWrites = value;
    } else {
      throw new FaultsError(`unknown fault switch "${key}"`);
    }
  }
  return out;
}
