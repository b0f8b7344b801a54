// Polling helpers for tests, with no imports of their own: store- and sync-level
// suites use them without loading the stack (test/support/stack.ts).

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value; fails after `ms` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, ms = 15_000, everyMs = 100): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
