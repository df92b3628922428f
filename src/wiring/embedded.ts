import type { Config } from './config.js';
import { localClock } from '../clock/synced-clock.js';
import { createLocalLock } from '../lock/local-lock.js';
import { createMemoryLog } from '../log/memory-log.js';
import { createTimerScheduler } from '../scheduler/timer-scheduler.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { createMemoryRateLimiter } from '../ratelimit/rate-limiter.js';
import { createSqliteTrackingStore, trackingFilename } from '../tracking/sqlite-tracking-store.js';
import { createSqliteFrequencyCaps, deliveryFilename } from '../delivery/sqlite-frequency-caps.js';
import { createSqliteTrackingKeys } from '../delivery/sqlite-tracking-keys.js';
import { createSqliteBudgetStore } from '../delivery/sqlite-budget-store.js';

/**
 * Embedded mode: SQLite under DATA_DIR (ads, and tracking in its own file), an in-process log,
 * lock, timers and rate limiter. One process.
 */
export function createEmbeddedAdapters(config: Pick<Config, 'DATA_DIR'>) {
  const store = createSqliteStore({ dataDir: config.DATA_DIR, exclusive: true });
  const trackingStore = createSqliteTrackingStore({ filename: trackingFilename(config.DATA_DIR) });
  const frequencyCaps = createSqliteFrequencyCaps({ filename: deliveryFilename(config.DATA_DIR) });
  const trackingKeys = createSqliteTrackingKeys({ filename: trackingFilename(config.DATA_DIR) });
  const budgetStore = createSqliteBudgetStore({ filename: deliveryFilename(config.DATA_DIR) });
  const log = createMemoryLog();
  const lock = createLocalLock();
  // The store is on this host: its clock is the reference.
  const clock = localClock();
  const scheduler = createTimerScheduler({ clock });
  return {
    clock,
    store,
    log,
    lock,
    scheduler,
    trackingStore,
    frequencyCaps,
    trackingKeys,
    budgetStore,
    createRateLimiter: (_name: string, points: number, durationSeconds = 1) =>
      createMemoryRateLimiter({ points, durationSeconds }),
    async close() {
      await frequencyCaps.close();
      await trackingKeys.close();
      await budgetStore.close();
      await trackingStore.close();
      await log.close();
      await lock.close();
      await store.close();
    },
  };
}
