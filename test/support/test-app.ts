import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createManualClock, type ManualClock } from '../../src/clock/clock.js';
import type { AdsNode } from '../../src/replica/ads-node.js';
import type { AdsService } from '../../src/service/ads-service.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import type { Random } from '../../src/delivery/choice.js';
import type { FrequencyCapStore } from '../../src/delivery/frequency-caps.js';
import type { BudgetStore } from '../../src/delivery/budget-store.js';
import type { Metrics } from '../../src/http/ops/metrics.js';
import type { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import {
  composeReplica,
  type ComposedReplica,
  type ReplicaConfig,
} from '../../src/wiring/compose-replica.js';
import { createTestAdapters, testConfig } from './replica-adapters.js';

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
  /** The decisions' draw (default `Math.random`). */
  random?: Random;
  /** Default: in memory. */
  frequencyCaps?: FrequencyCapStore;
  /** Default: in memory. */
  budgetStore?: BudgetStore;
  /** Other settings (edge limits, tokens) on top of `testConfig()`'s. */
  config?: Partial<ReplicaConfig>;
  /** Default: silent. */
  logger?: Logger;
  /** Rate limiters by name (`auth`, `events`); default: in memory with the configured budget. */
  rateLimiters?: Readonly<Record<string, RateLimiter>>;
  /** False: the replica is composed but not started (not ready) until `start()`. Default true. */
  started?: boolean;
}

export interface TestApp {
  app: ComposedReplica['app'];
  clock: ManualClock;
  service: AdsService;
  node: AdsNode;
  store: Store;
  metrics: Metrics;
  /** The production node:http server in front of `app`; `listen()` serves it. */
  server: Server;
  /** Starts the replica (recovery, then ready); `createTestApp` does unless told `started: false`. */
  start(): Promise<void>;
  /** Listens on a free port of 127.0.0.1 (once: a second call answers the same); answers the port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** The production composition of a replica over in-memory adapters and a manual clock, started. */
export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const clock = createManualClock(opts.now ?? Date.UTC(2026, 11, 1, 12));
  const store = opts.store ?? createMemoryStore({ clock });
  const offset = opts.clockOffsetMs ?? 0;
  const replicaClock = offset === 0 ? clock : { now: () => clock.now() + offset };
  const adapters = createTestAdapters({
    clock: replicaClock,
    store,
    frequencyCaps: opts.frequencyCaps,
    rateLimiters: opts.rateLimiters,
    budgetStore: opts.budgetStore,
  });
  const replica = await composeReplica(
    testConfig({
      ADMIN_TOKEN: opts.adminToken,
      MAX_ADS_PER_DAY: opts.maxAdsPerDay ?? 0,
      MAX_ACTIVE_ADS: opts.maxActiveAds ?? 0,
      SNAPSHOT_EVERY: opts.snapshotEvery ?? 0,
      ...opts.config,
    }),
    adapters,
    {
      logger: opts.logger ?? pino({ level: 'silent' }),
      newId: opts.newId,
      random: opts.random,
      onStoreAvailability: opts.onStoreAvailability,
    },
  );
  if (opts.started !== false) await replica.start();
  return {
    app: replica.app,
    clock,
    service: replica.node.service,
    node: replica.node,
    store,
    metrics: replica.metrics,
    server: replica.server,
    start: () => replica.start(),
    async listen() {
      const { server } = replica;
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    },
    async close() {
      replica.server.closeAllConnections();
      await replica.stop();
      await adapters.close();
    },
  };
}
