import type { WriteLock } from './lock.js';

/** An in-process FIFO mutex: one writer at a time within this process; none once closed. */
export function createLocalLock(): WriteLock {
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      if (closed) return fn();
      const result = tail.then(fn, fn);
      tail = result.catch(() => undefined);
      return result;
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}
