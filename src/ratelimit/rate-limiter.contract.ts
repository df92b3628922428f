/** The contract every RateLimiter adapter meets, run by each adapter's test file. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RateLimiter, RateLimiterOptions } from './rate-limiter.js';

export type MakeLimiter = (options: RateLimiterOptions) => RateLimiter;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const key = () => `client-${randomUUID()}`;

export function rateLimiterContract(name: string, make: MakeLimiter): void {
  describe(`${name} rate limiter`, () => {
    it('lets a key in while it has budget, then says how long to wait', async () => {
      const limiter = make({ points: 3, durationSeconds: 60 });
      const k = key();
      expect(await limiter.blockedFor(k)).toBe(0);
      for (let i = 0; i < 3; i++) expect(await limiter.consume(k)).toBe(0);
      const wait = await limiter.blockedFor(k);
      expect(wait).toBeGreaterThan(55);
      expect(wait).toBeLessThanOrEqual(60);
      const over = await limiter.consume(k);
      expect(over).toBeGreaterThan(55);
      expect(over).toBeLessThanOrEqual(60);
    });

    it('charges nothing on blockedFor', async () => {
      const limiter = make({ points: 2, durationSeconds: 60 });
      const k = key();
      for (let i = 0; i < 10; i++) expect(await limiter.blockedFor(k)).toBe(0);
      expect(await limiter.consume(k)).toBe(0);
      expect(await limiter.blockedFor(k)).toBe(0);
    });

    it('charges several points at once', async () => {
      const limiter = make({ points: 10, durationSeconds: 60 });
      const k = key();
      expect(await limiter.consume(k, 7)).toBe(0);
      expect(await limiter.blockedFor(k)).toBe(0);
      expect(await limiter.consume(k, 4)).toBeGreaterThan(0);
      expect(await limiter.blockedFor(k)).toBeGreaterThan(0);
    });

    it('keeps a budget per key', async () => {
      const limiter = make({ points: 1, durationSeconds: 60 });
      const [a, b] = [key(), key()];
      await limiter.consume(a);
      expect(await limiter.blockedFor(a)).toBeGreaterThan(0);
      expect(await limiter.blockedFor(b)).toBe(0);
      expect(await limiter.consume(b)).toBe(0);
    });

    it('gives the budget back when the window ends', async () => {
      const limiter = make({ points: 1, durationSeconds: 1 });
      const k = key();
      await limiter.consume(k);
      expect(await limiter.consume(k)).toBe(1);
      await sleep(1_100);
      expect(await limiter.blockedFor(k)).toBe(0);
      expect(await limiter.consume(k)).toBe(0);
    });
  });
}
