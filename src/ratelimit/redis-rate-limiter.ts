/**
 * Budgets kept in Redis under `<keyPrefix>:<key>` (one counter per key with the window as its
 * TTL), so the limit holds for the whole cluster. While Redis is not connected, or answers
 * slower than `timeoutMs`, each process counts on its own in memory: the limit is then per
 * replica, never absent, and no request waits on Redis.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { fromFlexible } from './flexible.js';
import type { RateLimiter, RateLimiterOptions } from './rate-limiter.js';

export interface RedisRateLimiterOptions extends RateLimiterOptions {
  /** Borrowed, not owned: the caller connects and quits it. */
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** How long a Redis call may take before the in-memory budget answers instead (default 250 ms). */
  readonly timeoutMs?: number;
}

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis, keyPrefix, points, durationSeconds, timeoutMs = 250 } = options;
  const fallback = new RateLimiterMemory({ points, duration: durationSeconds });
  const shared = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration: durationSeconds,
    rejectIfRedisNotReady: true,
    insuranceLimiter: fallback,
  });
  return fromFlexible(
    new RLWrapperTimeouts({ limiter: shared, timeoutMs, insuranceLimiter: fallback }),
    points,
  );
}
