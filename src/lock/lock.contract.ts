import { describe, expect, it } from 'vitest';
import type { WriteLock } from './lock.js';

/** Two handles on one lock (two processes' view of it, or the same in-process lock twice). */
export interface LockPair {
  readonly a: WriteLock;
  readonly b: WriteLock;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The `WriteLock` port's promises, for every adapter: one holder at a time across handles, the
 * answer or error of `fn` passed through with the lock released either way, and a closed handle
 * that never waits for another holder.
 */
export function lockContract(name: string, make: () => LockPair): void {
  describe(`WriteLock contract: ${name}`, () => {
    it('lets one fn run at a time across handles, and runs every one', async () => {
      const { a, b } = make();
      let inside = 0;
      let most = 0;
      const ran: number[] = [];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? a : b).run(async () => {
            most = Math.max(most, ++inside);
            await sleep(2 + (i % 3) * 2);
            inside--;
            ran.push(i);
          }),
        ),
      );
      expect(most).toBe(1);
      expect(ran.sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    });

    it("passes fn's answer and error through and releases the lock either way", async () => {
      const { a, b } = make();
      await expect(a.run(() => Promise.resolve(42))).resolves.toBe(42);
      await expect(a.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      const started = Date.now();
      await expect(b.run(() => Promise.resolve('next'))).resolves.toBe('next');
      expect(Date.now() - started).toBeLessThan(500);
    });

    it('once closed, a handle runs fn at once instead of waiting for the holder; close is idempotent', async () => {
      const { a, b } = make();
      let release!: () => void;
      const held = a.run(() => new Promise<void>((resolve) => (release = resolve)));
      await sleep(50);
      await b.close();
      await b.close();
      const started = Date.now();
      await expect(b.run(() => Promise.resolve('ran'))).resolves.toBe('ran');
      expect(Date.now() - started).toBeLessThan(500);
      release();
      await held;
      await a.close();
    });
  });
}
