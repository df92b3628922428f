import type { WriteLock } from './lock.js';

/** An in-process FIFO mutex: one writer at a time within this process. */
export function createLocalLock(): WriteLock {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn, fn);
      tail = result.catch(() => undefined);
      return result;
    },
    close: () => Promise.resolve(),
  };
}
