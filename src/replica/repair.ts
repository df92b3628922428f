import type { WriteLock } from '../lock/lock.js';
import type { Log } from '../log/log.js';
import type { Store } from '../store/store.js';

export interface RepairDeps {
  readonly store: Store;
  readonly log: Log;
  /** Pause between two runs (a run never overlaps the next); 0 = only `runOnce`. */
  readonly intervalMs: number;
  /** The highest `seq` known to be in the transport (for Redis: `RedisStreamLog.lastSeq`). */
  readonly lastPublishedSeq: () => Promise<number>;
  /**
   * The writers' lock, if any: a run holding it cannot race a live writer between its commit and
   * its publish, so it does not publish that writer's entry a second time.
   */
  readonly lock?: WriteLock;
  /** Most entries one run publishes (default 100); see `runOnce`. */
  readonly maxBatch?: number;
  readonly onError?: (err: unknown) => void;
}

export interface RepairLoop {
  /**
   * Publishes the committed entries after the transport's last `seq`, in `seq` order, and
   * resolves with how many. A gap longer than `maxBatch` (a Redis that lost its data) is closed
   * by publishing only its newest `maxBatch` entries: consumers that see them fill the rest from
   * the store. Duplicates are harmless (consumers ignore them); a rejection loses nothing.
   */
  runOnce(): Promise<number>;
  /** Stops the loop and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * The repair loop: a writer that died between its commit and its publish leaves committed
 * entries that no consumer hears about until the next write. This loop compares the store's
 * head with the transport's last `seq` and publishes what is missing. It starts at once.
 */
export function createRepairLoop(deps: RepairDeps): RepairLoop {
  const maxBatch = Math.max(1, deps.maxBatch ?? 100);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function repair(): Promise<number> {
    const [head, last] = await Promise.all([deps.store.headSeq(), deps.lastPublishedSeq()]);
    if (head <= last) return 0;
    const from = Math.max(last, head - maxBatch);
    const missing = await deps.store.readLog(from, head - from);
    await deps.log.publish(missing);
    return missing.length;
  }

  const runOnce = (): Promise<number> => (deps.lock ? deps.lock.run(repair) : repair());

  const schedule = (): void => {
    if (stopped || deps.intervalMs <= 0) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((err: unknown) => deps.onError?.(err))
        .finally(schedule);
    }, deps.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
