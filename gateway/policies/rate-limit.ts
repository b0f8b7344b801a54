/**
 * Per-caller token buckets: `burst` requests at once, refilled at
 * `ratePerSecond`. In memory by default (per gateway replica); with a Redis URL
 * the buckets live in Redis (one Lua script per request, Redis's clock), so
 * every replica draws from the same bucket. If Redis cannot be reached the
 * replica falls back to its own buckets and says so in its log.
 */
import Redis from 'ioredis';
import type { Logger } from '../../lib/logger';

export interface RateLimitOptions {
  /** Sustained requests per second per caller. */
  ratePerSecond: number;
  /** Requests a caller may send at once (bucket size). */
  burst: number;
  /** Share the buckets across replicas through Redis (`redis://host:port/db`). */
  redisUrl?: string;
  /** @default 'tandem:ratelimit:' */
  keyPrefix?: string;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** When refused: ms until one request is let through. */
  retryAfterMs: number;
  /** Whole requests left in the bucket. */
  remaining: number;
}

export interface RateLimiter {
  readonly options: Readonly<RateLimitOptions>;
  /** Takes one token from `key`'s bucket. */
  take(key: string): Promise<RateLimitDecision>;
  /** Resolves true once the limiter shares its buckets (Redis connected), false if it cannot within `ms`; the memory limiter is always ready. */
  ready(ms?: number): Promise<boolean>;
  /** Closes the Redis connection, if any. */
  close(): Promise<void>;
}

/** One replica's buckets. */
export function createMemoryRateLimiter(options: RateLimitOptions): RateLimiter {
  check(options);
  const perMs = options.ratePerSecond / 1000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let sinceSweep = 0;
  return {
    options,
    async take(key) {
      const now = Date.now();
      if (++sinceSweep >= 10_000) {
        sinceSweep = 0;
        // buckets full again are the same as no bucket: forget them
        for (const [k, b] of buckets) if (b.tokens + (now - b.at) * perMs >= options.burst) buckets.delete(k);
      }
      const b = buckets.get(key) ?? { tokens: options.burst, at: now };
      b.tokens = Math.min(options.burst, b.tokens + (now - b.at) * perMs);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true, retryAfterMs: 0, remaining: Math.floor(b.tokens) };
      }
      return { allowed: false, retryAfterMs: Math.ceil((1 - b.tokens) / perMs), remaining: 0 };
    },
    async ready() {
      return true;
    },
    async close() {
      buckets.clear();
    },
  };
}

// KEYS[1] bucket; ARGV rate per ms, burst. Returns { allowed, retryAfterMs, remaining }.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return { allowed, retry, math.floor(tokens) }
`;

/** Buckets in Redis, shared by every replica that uses the same URL and prefix. */
export function createRedisRateLimiter(options: RateLimitOptions & { redisUrl: string }, logger: Logger): RateLimiter {
  check(options);
  const prefix = options.keyPrefix ?? 'tandem:ratelimit:';
  const perMs = options.ratePerSecond / 1000;
  const fallback = createMemoryRateLimiter(options);
  const redis = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 });
  redis.defineCommand('tandemTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  let lastWarning = 0;
  const warn = (err: unknown) => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate limiting: Redis unreachable; this replica limits on its own buckets meanwhile');
  };
  redis.on('error', warn);
  return {
    options,
    async take(key) {
      if (redis.status !== 'ready') {
        warn(new Error(`Redis connection is ${redis.status}`));
        return fallback.take(key);
      }
      try {
        const [allowed, retryAfterMs, remaining] = (await (redis as unknown as { tandemTakeToken(k: string, r: number, b: number): Promise<number[]> }).tandemTakeToken(
          prefix + key,
          perMs,
          options.burst,
        )) as number[];
        return { allowed: allowed === 1, retryAfterMs, remaining };
      } catch (err) {
        warn(err);
        return fallback.take(key);
      }
    },
    async ready(ms = 2000) {
      if (redis.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          redis.off('ready', onReady);
          resolve(ok);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), ms);
        redis.once('ready', onReady);
      });
    },
    async close() {
      await fallback.close();
      redis.disconnect();
    },
  };
}

/** The Redis limiter when `redisUrl` is set, else the in-memory one. */
export function createRateLimiter(options: RateLimitOptions, logger: Logger): RateLimiter {
  return options.redisUrl ? createRedisRateLimiter({ ...options, redisUrl: options.redisUrl }, logger) : createMemoryRateLimiter(options);
}

function check(options: RateLimitOptions): void {
  if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
    throw new Error(`rate limit needs ratePerSecond > 0 and burst >= 1, got ${options.ratePerSecond} and ${options.burst}`);
  }
}
