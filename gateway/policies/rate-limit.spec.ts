import { createLogger } from '../../lib/logger';
import { createMemoryRateLimiter, createRedisRateLimiter } from './index';

const logger = createLogger('rate-limit-test');
const REDIS_URL = process.env.TANDEM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

describe('in-memory token bucket', () => {
  it('lets a burst through, then refuses with the time until the next token, per caller', async () => {
    const limiter = createMemoryRateLimiter({ ratePerSecond: 2, burst: 3 });
    const first = await Promise.all([1, 2, 3].map(() => limiter.take('alice')));
    expect(first.map((d) => d.allowed)).toEqual([true, true, true]);
    const refused = await limiter.take('alice');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
    expect((await limiter.take('bob')).allowed).toBe(true);
    await limiter.close();
  });

  it('refills at the configured rate', async () => {
    const limiter = createMemoryRateLimiter({ ratePerSecond: 50, burst: 1 });
    expect((await limiter.take('c')).allowed).toBe(true);
    const refused = await limiter.take('c');
    expect(refused.allowed).toBe(false);
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 5));
    expect((await limiter.take('c')).allowed).toBe(true);
  });

  it('refuses nonsense settings', () => {
    expect(() => createMemoryRateLimiter({ ratePerSecond: 0, burst: 1 })).toThrow(/ratePerSecond > 0/);
  });
});

describe(`token bucket shared through Redis (${REDIS_URL})`, () => {
  it('two replicas draw from one bucket (skipped with a message when Redis is not reachable)', async () => {
    const prefix = `tandem-test:${process.pid}:${Date.now()}:`;
    const a = createRedisRateLimiter({ ratePerSecond: 1, burst: 4, redisUrl: REDIS_URL, keyPrefix: prefix }, logger);
    const b = createRedisRateLimiter({ ratePerSecond: 1, burst: 4, redisUrl: REDIS_URL, keyPrefix: prefix }, logger);
    try {
      if (!(await a.ready(2000)) || !(await b.ready(2000))) {
        console.warn(`SKIPPED: Redis not reachable at ${REDIS_URL}; the shared rate limit was not tested against Redis`);
        return;
      }
      const decisions = [];
      for (let i = 0; i < 3; i++) decisions.push(await a.take('dave'), await b.take('dave'));
      // 4 tokens between the two replicas, then refusals on both
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false, false]);
      expect(decisions[5].retryAfterMs).toBeGreaterThan(0);
      expect(decisions[5].retryAfterMs).toBeLessThanOrEqual(1000);
      expect((await b.take('erin')).allowed).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('falls back to its own buckets when Redis is unreachable', async () => {
    const limiter = createRedisRateLimiter({ ratePerSecond: 1, burst: 1, redisUrl: 'redis://127.0.0.1:1/0' }, logger);
    try {
      expect((await limiter.take('frank')).allowed).toBe(true);
      expect((await limiter.take('frank')).allowed).toBe(false);
    } finally {
      await limiter.close();
    }
  });
});
