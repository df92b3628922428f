/**
 * A budget of points per key over a fixed window (keys are usually client addresses).
 * Adapters: `memory-rate-limiter.ts` (one process) and `redis-rate-limiter.ts` (the whole
 * cluster, falling back to one budget per process while Redis cannot be reached).
 */
export interface RateLimiter {
  /**
   * Seconds until `key` may be let in again; 0 while it has budget left. Charges nothing.
   * A key whose budget is exactly spent is blocked: its next charge would go over.
   */
  blockedFor(key: string): Promise<number>;
  /**
   * Charges `points` (default 1) to `key`; answers the seconds to wait if that went over the
   * budget, else 0. Points are charged even when the answer is not 0. Never rejects for a store
   * failure: adapters backed by a store fall back to a per-process budget.
   */
  consume(key: string, points?: number): Promise<number>;
}

export interface RateLimiterOptions {
  /** Budget of each key per window. */
  readonly points: number;
  /** Length of the window, in whole seconds; it starts with a key's first charge. */
  readonly durationSeconds: number;
}

export { createMemoryRateLimiter } from './memory-rate-limiter.js';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.js';
