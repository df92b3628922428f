import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock/clock.js';
import { localClock } from '../../src/clock/synced-clock.js';
import type { FrequencyCapStore } from '../../src/delivery/frequency-caps.js';
import { createMemoryFrequencyCaps } from '../../src/delivery/memory-frequency-caps.js';
import { createSqliteTrackingKeys } from '../../src/delivery/sqlite-tracking-keys.js';
import type { BudgetStore } from '../../src/delivery/budget-store.js';
import { createMemoryBudgetStore } from '../../src/delivery/memory-budget-store.js';
import { createLocalLock } from '../../src/lock/local-lock.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { createMemoryRateLimiter, type RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { createTimerScheduler } from '../../src/scheduler/timer-scheduler.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { createSqliteSpool, spoolFilename } from '../../src/tracking/sqlite-spool.js';
import { createSqliteTrackingStore, trackingFilename } from '../../src/tracking/sqlite-tracking-store.js';
import type { TrackingStore } from '../../src/tracking/tracking-store.js';
import type { ReplicaAdapters, ReplicaConfig } from '../../src/wiring/compose-replica.js';
import { loadConfig } from '../../src/wiring/config.js';

/** The production defaults, with the quotas and periodic snapshots off, and `over` on top. */
export function testConfig(over: Partial<ReplicaConfig> = {}): ReplicaConfig {
  return {
    ...loadConfig({}),
    MAX_ADS_PER_DAY: 0,
    MAX_ACTIVE_ADS: 0,
    SNAPSHOT_EVERY: 0,
    // Flushes only when a test asks (`tracking.flush()`).
    FLUSH_INTERVAL_MS: 3_600_000,
    ...over,
  };
}

export interface TestAdaptersOptions {
  /** The store's clock as the replica reads it (always in sync). */
  readonly clock: Clock;
  /** Default: a memory store on `clock`. */
  readonly store?: Store | undefined;
  /** Default: a SQLite tracking store in `dir`. */
  readonly trackingStore?: TrackingStore | undefined;
  /** Where the spool (and the default tracking store) live; default a new temporary directory. */
  readonly dir?: string | undefined;
  /** Default: in memory. */
  readonly frequencyCaps?: FrequencyCapStore | undefined;
  /** Default: in memory. */
  readonly budgetStore?: BudgetStore | undefined;
  /** Rate limiters by name (`auth`, `events`); default: in memory with the asked budget. */
  readonly rateLimiters?: Readonly<Record<string, RateLimiter>> | undefined;
}

export interface TestAdapters extends ReplicaAdapters {
  readonly dir: string;
  /** Closes what was made here (not a given store) and removes a temporary `dir` unless kept. */
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

/** A replica's adapters for tests: in-memory store, log, lock and timers; a SQLite spool in a temp dir. */
export function createTestAdapters(opts: TestAdaptersOptions): TestAdapters {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'adsm-replica-'));
  const log = createMemoryLog();
  const lock = createLocalLock();
  const trackingStore = opts.trackingStore ?? createSqliteTrackingStore({ filename: trackingFilename(dir) });
  const trackingKeys = createSqliteTrackingKeys({ filename: trackingFilename(dir) });
  return {
    dir,
    clock: localClock(() => opts.clock.now()),
    store: opts.store ?? createMemoryStore({ clock: opts.clock }),
    log,
    lock,
    scheduler: createTimerScheduler({ clock: opts.clock }),
    trackingStore,
    trackingKeys,
    frequencyCaps: opts.frequencyCaps ?? createMemoryFrequencyCaps(),
    budgetStore: opts.budgetStore ?? createMemoryBudgetStore(),
    spool: createSqliteSpool({ filename: spoolFilename(join(dir, 'spool'), 0) }),
    createRateLimiter: (name, points, durationSeconds = 1) =>
      opts.rateLimiters?.[name] ?? createMemoryRateLimiter({ points, durationSeconds }),
    async close(closeOpts = {}) {
      await log.close();
      await lock.close();
      await trackingKeys.close();
      if (opts.trackingStore === undefined) await trackingStore.close();
      if (!closeOpts.keepDir && opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
