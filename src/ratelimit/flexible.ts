import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimiter } from './rate-limiter.js';

/** Whole seconds to wait, at least 1: a `Retry-After` of 0 would invite an immediate retry. */
const toSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The port over any rate-limiter-flexible limiter; `points` is the budget per window. */
export function fromFlexible(
  limiter: Pick<RateLimiterAbstract, 'get' | 'consume'>,
  points: number,
): RateLimiter {
  return {
    async blockedFor(key) {
      const res = await limiter.get(key);
      if (res === null || res.consumedPoints < points) return 0;
      return toSeconds(res.msBeforeNext);
    },
    async consume(key, charge = 1) {
      try {
        await limiter.consume(key, charge);
        return 0;
      } catch (err) {
        if (err instanceof RateLimiterRes) return toSeconds(err.msBeforeNext);
        throw err;
      }
    },
  };
}
