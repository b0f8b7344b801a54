import type { StepFailure } from './errors';

export interface RetryConfig {
  /** first backoff ceiling in ms @default 200 */
  baseMs: number;
  /** largest backoff in ms (a longer Retry-After is still honoured) @default 30000 */
  capMs: number;
  /** a step failing transiently for longer than this is dead-lettered (ms) @default 24 h */
  maxAgeMs: number;
}

export const DEFAULT_RETRY: RetryConfig = { baseMs: 200, capMs: 30_000, maxAgeMs: 24 * 3600_000 };

/** Given the attempt number (1 = first failure) and the failure, the delay before the next attempt. */
export type RetryStrategy = (attempt: number, failure: StepFailure) => number;

/**
 * Exponential backoff with full jitter (a uniform delay in [0, min(cap, base·2^(n−1))]),
 * never shorter than the Retry-After (or circuit half-open time) the failure carries.
 */
export function defaultRetryStrategy(config: RetryConfig = DEFAULT_RETRY, random: () => number = Math.random): RetryStrategy {
  return (attempt, failure) => {
    const ceiling = Math.min(config.capMs, config.baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
    const jittered = random() * ceiling;
    const floor = failure.options.retryAfterMs ?? 0;
    return Math.round(Math.max(jittered, floor));
  };
}
