/** Request counters of one simulated system (admin routes are never counted). */
export interface CountersSnapshot {
  /** Requests received. */
  total: number;
  /** Requests by `METHOD /route/template`; requests matching no route count under `METHOD (unmatched)`. */
  byEndpoint: Record<string, number>;
  /** Answers by HTTP status (a `down` fault answers nothing and is not counted here). */
  byStatus: Record<string, number>;
  /** Requests in flight now. */
  inFlight: number;
  /** Peak of requests in flight since start or reset, counting the ones refused with 429. */
  maxInFlight: number;
}

export class Counters {
  private total = 0;
  private byEndpoint = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private inFlight = 0;
  private maxInFlight = 0;

  request(endpoint: string): void {
    this.total++;
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1);
  }

  answered(status: number): void {
    const key = String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
  }

  /** Marks a request in flight and returns the count including it. */
  enter(): number {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    return this.inFlight;
  }

  leave(): void {
    this.inFlight--;
  }

  reset(): void {
    this.total = 0;
    this.byEndpoint = new Map();
    this.byStatus = new Map();
    this.maxInFlight = this.inFlight;
  }

  snapshot(): CountersSnapshot {
    return {
      total: this.total,
      byEndpoint: Object.fromEntries(this.byEndpoint),
      byStatus: Object.fromEntries(this.byStatus),
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
    };
  }
}
