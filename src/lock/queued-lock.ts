import type { WriteLock } from './lock.js';

interface Job {
  readonly fn: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Queues this process's writers in FIFO order and lets them through `inner` (the cluster-wide
 * lock) in batches: the lock is taken once for up to `maxBatch` queued writes, instead of every
 * writer of the process polling for it on its own. Between batches it pauses `pauseMs`, so a
 * busy process cannot starve the others (they would otherwise write without the lock after
 * their wait time, and appends would reach the stream out of order more often).
 */
export function createQueuedLock(
  inner: WriteLock,
  opts: { maxBatch?: number; pauseMs?: number } = {},
): WriteLock {
  const maxBatch = opts.maxBatch ?? 16;
  const pauseMs = opts.pauseMs ?? 5;
  const queue: Job[] = [];
  let draining = false;
  let closed = false;

  const runBatch = async (): Promise<void> => {
    for (let n = 0; n < maxBatch; n++) {
      const job = queue.shift();
      if (!job) return;
      try {
        job.resolve(await job.fn());
      } catch (err) {
        job.reject(err);
      }
    }
  };

  const drain = async (): Promise<void> => {
    draining = true;
    try {
      while (queue.length > 0) {
        try {
          await inner.run(runBatch);
        } catch {
          // the inner lock failed around the batch; jobs settled themselves, the rest retry
        }
        // Let other processes polling for the lock win it before this one takes it again.
        if (queue.length > 0 && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    } finally {
      draining = false;
    }
  };

  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      if (closed) return fn();
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        if (!draining) void drain();
      });
    },
    close: () => {
      closed = true;
      return inner.close();
    },
  };
}
