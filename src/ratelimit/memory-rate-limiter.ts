/** Budgets kept in this process's memory (embedded mode, and the fallback of the Redis limiter). */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { fromFlexible } from './flexible.js';
import type { RateLimiter, RateLimiterOptions } from './rate-limiter.js';

export function createMemoryRateLimiter({ points, durationSeconds }: RateLimiterOptions): RateLimiter {
  return fromFlexible(new RateLimiterMemory({ points, duration: durationSeconds }), points);
}
