import { describe, expect, it } from 'vitest';
import type { WriteLock } from './lock.js';
import { createLocalLock } from './local-lock.js';
import { createQueuedLock } from './queued-lock.js';
import { lockContract } from './lock.contract.js';

/** A lock that counts how often it was taken. */
function counting(): WriteLock & { taken: number } {
  const local = createLocalLock();
  const lock = {
    taken: 0,
    run<T>(fn: () => Promise<T>) {
      lock.taken++;
      return local.run(fn);
    },
    close: () => local.close(),
  };
  return lock;
}

describe('queued lock', () => {
  it('runs queued writers one at a time, in order, taking the inner lock once per batch', async () => {
    const inner = counting();
    const lock = createQueuedLock(inner, { maxBatch: 4, pauseMs: 0 });
    const order: number[] = [];
    let inside = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        lock.run(async () => {
          inside++;
          expect(inside).toBe(1);
          await new Promise((r) => setTimeout(r, 1));
          order.push(i);
          inside--;
          return i * 2;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results).toEqual(order.map((i) => i * 2));
    expect(inner.taken).toBe(3);
  });

  it('passes a failure to its own writer only', async () => {
    const lock = createQueuedLock(createLocalLock());
    const a = lock.run(() => Promise.reject(new Error('boom')));
    const b = lock.run(() => Promise.resolve('ok'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).resolves.toBe('ok');
  });
});

lockContract('queued over local', () => {
  const lock = createQueuedLock(createLocalLock());
  return { a: lock, b: lock };
});
