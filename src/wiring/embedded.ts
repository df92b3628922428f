import type { Config } from './config.js';
import { systemClock } from '../clock/clock.js';
import { createLocalLock } from '../lock/local-lock.js';
import { createMemoryLog } from '../log/memory-log.js';
import { createTimerScheduler } from '../scheduler/timer-scheduler.js';
import { createSqliteStore } from '../store/sqlite-store.js';

/** Embedded mode: SQLite under DATA_DIR, an in-process log, lock and timers. One process. */
export function createEmbeddedAdapters(config: Pick<Config, 'DATA_DIR'>) {
  const store = createSqliteStore({ dataDir: config.DATA_DIR, exclusive: true });
  const log = createMemoryLog();
  const lock = createLocalLock();
  const scheduler = createTimerScheduler({ clock: systemClock });
  return {
    store,
    log,
    lock,
    scheduler,
    async close() {
      await log.close();
      await lock.close();
      await store.close();
    },
  };
}
