import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createManualClock, type ManualClock } from '../../src/clock/clock.js';
import type { Metrics } from '../../src/http/ops/metrics.js';
import type { RateLimiter } from '../../src/ratelimit/rate-limiter.js';
import type { AdsNode } from '../../src/replica/ads-node.js';
import type { Store } from '../../src/store/store.js';
import type { Tracking } from '../../src/tracking/tracking.js';
import type { TrackingStore } from '../../src/tracking/tracking-store.js';
import { composeReplica } from '../../src/wiring/compose-replica.js';
import { createTestAdapters, testConfig } from './replica-adapters.js';

export interface TrackingAppOptions {
  adminToken?: string;
  eventsToken?: string;
  now?: number;
  /** Shared with other apps (replicas); a file-backed SQLite store in `dir` by default. */
  trackingStore?: TrackingStore;
  store?: Store;
  /** The events route's budget per client (as EVENTS_RATE_LIMIT would make it). */
  rateLimiter?: RateLimiter;
  spoolMaxBytes?: number;
  /** TRACKING_MAX_BUCKETS (default the configuration's). */
  maxBuckets?: number;
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

/** The production composition of a replica (its HTTP edge included) on a random port, manual clock. */
export async function startTrackingApp(opts: TrackingAppOptions = {}): Promise<TrackingApp> {
  const clock = opts.clock ?? createManualClock(opts.now ?? Date.UTC(2026, 11, 10, 3, 7, 41, 2));
  const adapters = createTestAdapters({
    clock,
    store: opts.store,
    trackingStore: opts.trackingStore,
    dir: opts.dir,
    rateLimiters: opts.rateLimiter ? { events: opts.rateLimiter } : undefined,
  });
  const replica = await composeReplica(
    testConfig({
      ADMIN_TOKEN: opts.adminToken,
      EVENTS_TOKEN: opts.eventsToken,
      EVENTS_RATE_LIMIT: opts.rateLimiter ? 1 : 0,
      SPOOL_MAX_MB: (opts.spoolMaxBytes ?? 256 * 1024 * 1024) / (1024 * 1024),
      ...(opts.maxBuckets !== undefined && { TRACKING_MAX_BUCKETS: opts.maxBuckets }),
    }),
    adapters,
    { logger: pino({ level: 'silent' }), processMetrics: false },
  );
  await replica.start();
  const { server, node, tracking, metrics } = replica;
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
    dir: adapters.dir,
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
      await replica.stop();
      await adapters.close(closeOpts);
    },
  };
}
