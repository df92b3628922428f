import type { Entry } from '../statemachine/entries.js';
import type { Log, LogHandlers, Subscription } from './log.js';

/**
 * In-process log: delivers each published entry to this process's subscribers on a microtask.
 * It keeps no history; a subscriber that needs older entries reads the store.
 */
export function createMemoryLog(): Log {
  const subscribers = new Set<LogHandlers>();
  return {
    publish(entries: readonly Entry[]): Promise<void> {
      if (entries.length === 0) return Promise.resolve();
      const copy = [...entries];
      for (const s of subscribers) queueMicrotask(() => s.onEntries(copy));
      return Promise.resolve();
    },
    subscribe(handlers: LogHandlers): Subscription {
      subscribers.add(handlers);
      return {
        close: () => {
          subscribers.delete(handlers);
          return Promise.resolve();
        },
      };
    },
    close(): Promise<void> {
      subscribers.clear();
      return Promise.resolve();
    },
  };
}
