import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { pino } from 'pino';
import { createManualClock, type ManualClock } from '../../src/clock/clock.js';
import { createApp } from '../../src/http/app.js';
import { createEnvelope } from '../../src/http/edge/envelope.js';
import { createMetrics, type Metrics } from '../../src/http/ops/metrics.js';
import { createTargetingIndex } from '../../src/index/targeting-index.js';
import { createLocalLock } from '../../src/lock/local-lock.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import type { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { createAdsNode, type AdsNode } from '../../src/replica/ads-node.js';
import { createTimerScheduler } from '../../src/scheduler/timer-scheduler.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { createEventsRoute } from '../../src/http/tracking/events-route.js';
import { createSqliteSpool } from '../../src/tracking/sqlite-spool.js';
import { createSqliteTrackingStore } from '../../src/tracking/sqlite-tracking-store.js';
import { createTracking, type Tracking } from '../../src/tracking/tracking.js';
import { createTrackingMetrics } from '../../src/tracking/tracking-metrics.js';
import type { TrackingStore } from '../../src/tracking/tracking-store.js';

export interface TrackingAppOptions {
  adminToken?: string;
  eventsToken?: string;
  now?: number;
  /** Shared with other apps (replicas); a file-backed SQLite store in `dir` by default. */
  trackingStore?: TrackingStore;
  store?: Store;
  rateLimiter?: RateLimiter;
  spoolMaxBytes?: number;
  /** Directory of the spool (and the default tracking store); a new temporary one by default. */
  dir?: string;
  clock?: ManualClock;
}

export interface TrackingApp {
  readonly url: string;
  readonly clock: ManualClock;
  readonly node: AdsNode;
  readonly tracking: Tracking;
  readonly metrics: Metrics;
  readonly dir: string;
  readonly server: Server;
  /** Creates an ad through the service; answers its id. */
  createAd(over?: { startAt?: number; endAt?: number }): Promise<string>;
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  close(opts?: { keepDir?: boolean }): Promise<void>;
}

/** The real core, tracking and HTTP server (events fast path + hono) on a random port, manual clock. */
export async function startTrackingApp(opts: TrackingAppOptions = {}): Promise<TrackingApp> {
  const clock = opts.clock ?? createManualClock(opts.now ?? Date.UTC(2026, 11, 10, 3, 7, 41, 2));
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'adsm-tracking-app-'));
  const log = createMemoryLog();
  const node = createAdsNode({
    store: opts.store ?? createMemoryStore(),
    log,
    lock: createLocalLock(),
    scheduler: createTimerScheduler({ clock }),
    clock,
    createIndex: createTargetingIndex,
    limits: { maxAdsPerDay: 0, maxActiveAds: 0 },
    snapshotEvery: 0,
    snapshotKeep: 3,
  });
  await node.start();
  const logger = pino({ level: 'silent' });
  const metrics = createMetrics(node.service, { defaultMetrics: false });
  const ownStore = opts.trackingStore === undefined;
  const trackingStore =
    opts.trackingStore ?? createSqliteTrackingStore({ filename: join(dir, 'tracking.sqlite') });
  const hooks = createTrackingMetrics(metrics.registry, () => tracking.aggregator);
  const tracking = createTracking({
    store: trackingStore,
    spool: createSqliteSpool({ filename: join(dir, 'spool', 'spool-0.sqlite') }),
    now: () => clock.now(),
    adExists: (id) => node.service.exists(id),
    flushIntervalMs: 3_600_000,
    retentionDays: 400,
    spoolMaxBytes: opts.spoolMaxBytes ?? 256 * 1024 * 1024,
    logger,
    ...hooks,
  });
  await tracking.start();
  const isReady = () => node.service.isReady();
  const app = createApp({
    service: node.service,
    adminToken: opts.adminToken,
    logger,
    metrics,
    tracking: { tracker: tracking.tracker, isReady, adminToken: opts.adminToken },
  });
  const events = createEventsRoute({
    tracker: tracking.tracker,
    isReady,
    envelope: createEnvelope(logger, metrics),
    eventsToken: opts.eventsToken,
    rateLimiter: opts.rateLimiter,
    spoolFull: tracking.spoolFull,
    spoolRetryAfter: tracking.retryAfterSeconds,
  });
  const hono = getRequestListener(app.fetch);
  const server = createServer((req, res) => {
    if (!events(req, res)) void hono(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = (h: Record<string, string>) =>
    opts.adminToken === undefined ? h : { authorization: `Bearer ${opts.adminToken}`, ...h };

  return {
    url,
    clock,
    node,
    tracking,
    metrics,
    dir,
    server,
    async createAd(over = {}) {
      const now = clock.now();
      const { ad } = await node.service.create({
        title: 'AD',
        startAt: over.startAt ?? now - 3_600_000,
        endAt: over.endAt ?? now + 86_400_000,
        conditions: [],
      });
      return ad.id;
    },
    post: (body, headers = {}) =>
      fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path, headers = {}) => fetch(`${url}${path}`, { headers: auth(headers) }),
    async close(closeOpts = {}) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tracking.stop();
      await node.stop();
      await log.close();
      if (ownStore) await trackingStore.close();
      if (!closeOpts.keepDir && opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
