import { pino } from 'pino';
import { createManualClock, type ManualClock } from '../../src/clock/clock.js';
import { createApp } from '../../src/http/app.js';
import { createMetrics, type Metrics } from '../../src/http/ops/metrics.js';
import { createTargetingIndex } from '../../src/index/targeting-index.js';
import { createLocalLock } from '../../src/lock/local-lock.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { createAdsNode, type AdsNode } from '../../src/replica/ads-node.js';
import { createTimerScheduler } from '../../src/scheduler/timer-scheduler.js';
import type { AdsService } from '../../src/service/ads-service.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';

export interface TestAppOptions {
  adminToken?: string;
  maxAdsPerDay?: number;
  maxActiveAds?: number;
  /** Start time of the manual clock (epoch ms). */
  now?: number;
  store?: Store;
  snapshotEvery?: number;
  /** How far this replica's own clock runs ahead of the store's (the manual clock), in ms. */
  clockOffsetMs?: number;
  /** See `AdsNodeDeps.onStoreAvailability`. */
  onStoreAvailability?: (available: boolean, err?: unknown) => void;
  /** Id maker for new ads (default: UUIDv7). */
  newId?: () => string;
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  metrics: Metrics;
  clock: ManualClock;
  service: AdsService;
  node: AdsNode;
  store: Store;
  close(): Promise<void>;
}

/** The real core and HTTP layer over in-memory adapters and a manual clock. */
export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const clock = createManualClock(opts.now ?? Date.UTC(2026, 11, 1, 12));
  const store = opts.store ?? createMemoryStore({ clock });
  const log = createMemoryLog();
  const offset = opts.clockOffsetMs ?? 0;
  const replicaClock = offset === 0 ? clock : { now: () => clock.now() + offset };
  const node = createAdsNode({
    store,
    log,
    lock: createLocalLock(),
    scheduler: createTimerScheduler({ clock: replicaClock }),
    clock: replicaClock,
    createIndex: createTargetingIndex,
    limits: { maxAdsPerDay: opts.maxAdsPerDay ?? 0, maxActiveAds: opts.maxActiveAds ?? 0 },
    snapshotEvery: opts.snapshotEvery ?? 0,
    snapshotKeep: 3,
    newId: opts.newId,
    onStoreAvailability: opts.onStoreAvailability,
  });
  await node.start();
  const logger = pino({ level: 'silent' });
  const metrics = createMetrics(node.service);
  const app = createApp({
    service: node.service,
    adminToken: opts.adminToken,
    logger,
    metrics,
  });
  return {
    app,
    metrics,
    clock,
    service: node.service,
    node,
    store,
    async close() {
      await node.stop();
      await log.close();
    },
  };
}
