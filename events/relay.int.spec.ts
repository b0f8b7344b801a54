/**
 * The relay's pacing on a real (embedded) store: an idle relay sequences a new
 * event at once; while events keep coming, passes start at least `coalesceMs`
 * apart, so a burst of commits goes in a few passes instead of one each, and
 * every event is still sequenced once, in order. (PGlite only: on a shared
 * PostgreSQL database other suites' NOTIFYs would wake the relay too.)
 */
import pino from 'pino';
import { openStore, type Store } from '../store';
import { observeRaw } from '../store/test-support';
import { startEventRelay, type RunningEventRelay } from './relay';
import type { StreamEvent } from './stream';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let store: Store;
beforeAll(async () => {
  store = await openStore({ memory: true, logger: silent });
});
afterAll(async () => {
  await store?.close();
});

/** A relay over `store` whose sequencing statements are counted. */
async function relay(coalesceMs: number): Promise<{ relay: RunningEventRelay; passes: () => number; seen: StreamEvent[] }> {
  let passes = 0;
  const counted = observeRaw(store, (sql) => void (sql.includes('event_stream_sequence(') && passes++));
  const seen: StreamEvent[] = [];
  const r = await startEventRelay({ store: counted, logger: silent, coalesceMs, sweepMs: 60_000, retentionHours: 0, onSequenced: (e) => void seen.push(...e) });
  return { relay: r, passes: () => passes, seen };
}

const commit = (key: string) => store.raw(`INSERT INTO domain_event (type, key, payload) VALUES ('test.relay.v1', $1, '{}'::jsonb)`, key);
const until = async (done: () => boolean, ms = 3_000) => {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await sleep(10);
};

test.each([
  ['coalescing (1 s)', 1000],
  ['without (0 ms)', 0],
])('a burst of commits, %s: every event once, in order; idle, the first pass starts at once', async (_label, coalesceMs) => {
  const { relay: r, passes, seen } = await relay(coalesceMs);
  try {
    // idle (the start's own pass is long past): sequenced well before the spacing (1 s) would allow
    await sleep(coalesceMs + 100);
    const started = performance.now();
    await commit(`first-${coalesceMs}`);
    await until(() => seen.some((e) => e.key === `first-${coalesceMs}`));
    expect(performance.now() - started).toBeLessThan(600);
    // a burst: ten commits 15 ms apart, each its own transaction and notification
    const before = passes();
    for (let i = 0; i < 10; i++) {
      await commit(`burst-${coalesceMs}-${i}`);
      await sleep(15);
    }
    await until(() => seen.filter((e) => e.key.startsWith(`burst-${coalesceMs}-`)).length === 10);
    const burst = seen.filter((e) => e.key.startsWith(`burst-${coalesceMs}-`));
    expect(burst.map((e) => e.key)).toEqual(Array.from({ length: 10 }, (_, i) => `burst-${coalesceMs}-${i}`));
    expect(new Set(burst.map((e) => e.seq)).size).toBe(10);
    const used = passes() - before;
    if (coalesceMs > 0) expect(used).toBeLessThanOrEqual(3);
    else expect(used).toBeGreaterThanOrEqual(6);
  } finally {
    await r.stop();
  }
});
