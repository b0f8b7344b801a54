import type { StoredAnswer } from './persistence';

/** Remembered answers to writes, by `METHOD path key`; the oldest are forgotten past `capacity`. */
export class IdempotencyStore {
  private readonly answers: Map<string, StoredAnswer>;

  constructor(
    entries: Iterable<[string, StoredAnswer]> = [],
    private readonly capacity = 50_000,
  ) {
    this.answers = new Map(entries);
  }

  static scope(method: string, path: string, key: string): string {
    return `${method} ${path} ${key}`;
  }

  get(scope: string): StoredAnswer | undefined {
    return this.answers.get(scope);
  }

  set(scope: string, answer: StoredAnswer): void {
    this.answers.set(scope, answer);
    if (this.answers.size > this.capacity) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
  }

  entries(): [string, StoredAnswer][] {
    return [...this.answers];
  }
}
