import type { SourceErrorCode } from './source-error';

/** Call statistics of one vendor client since start or the last reset. */
export interface CallStats {
  /** HTTP requests sent, retries included. */
  calls: number;
  /** Requests by route template, e.g. `GET /services/data/v60.0/query` (the simulators' counter keys). */
  byEndpoint: Record<string, number>;
  /** Requests that failed, retries included. */
  errors: number;
  /** Failed requests by code. */
  errorsByCode: Partial<Record<SourceErrorCode, number>>;
  /** Median duration of the most recent requests (up to 200), or null before the first. */
  latencyP50Ms: number | null;
}

const WINDOW = 200;

/** Mutable counters behind {@link CallStats}. */
export class CallStatsRecorder {
  private calls = 0;
  private errors = 0;
  private byEndpoint: Record<string, number> = {};
  private errorsByCode: Partial<Record<SourceErrorCode, number>> = {};
  private durations: number[] = [];
  private next = 0;

  recordCall(endpoint: string): void {
    this.calls++;
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1;
  }

  recordDuration(ms: number): void {
    if (this.durations.length < WINDOW) this.durations.push(ms);
    else this.durations[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
  }

  recordError(code: SourceErrorCode): void {
    this.errors++;
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  snapshot(): CallStats {
    const sorted = [...this.durations].sort((a, b) => a - b);
    return {
      calls: this.calls,
      byEndpoint: { ...this.byEndpoint },
      errors: this.errors,
      errorsByCode: { ...this.errorsByCode },
      latencyP50Ms: sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)],
    };
  }

  reset(): void {
    this.calls = 0;
    this.errors = 0;
    this.byEndpoint = {};
    this.errorsByCode = {};
    this.durations = [];
    this.next = 0;
  }
}
