import type { Log } from './log.js';

/**
 * A decorator that delivers every entry `delayMs` late: a slow network between replicas, on
 * demand (the `slow-log` failpoint), so tests can show what does not depend on the log's speed.
 */
export function withDelayedDelivery(log: Log, delayMs: number): Log {
  return {
    publish: (entries) => log.publish(entries),
    subscribe: (handlers) =>
      log.subscribe({
        onEntries: (entries) => void setTimeout(() => handlers.onEntries(entries), delayMs),
        onReset: handlers.onReset && (() => handlers.onReset?.()),
      }),
    close: () => log.close(),
  };
}
