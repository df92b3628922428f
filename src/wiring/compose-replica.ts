/**
 * One replica, assembled once: the ads node (state machine copy, write path, expiry, snapshots,
 * repair loop), delivery tracking (events, tracking URLs, fires), decisions, and the HTTP edge
 * in front of them, over the adapters of a mode (`embedded.ts`, `replicated.ts`, or a test's
 * in-memory ones). `main.ts` and every test
 * that serves a replica call this; nothing else wires these objects together.
 *
 * It never listens and never exits the process: `start()` recovers, `stop()` closes the server
 * and stops the components, newest first. The adapters are the caller's: it closes them after
 * `stop()`.
 *
 * Adding a component: make it below from `config` (a new setting goes in `config.ts` and the
 * README's table) and from `adapters` (a new port goes in `ReplicaAdapters`, made by
 * `embedded.ts`, `replicated.ts` and `test/support/replica-adapters.ts`), hand it to the HTTP
 * layer through `createApp`'s deps or a fast route, start it in `start()` after what it needs,
 * stop it in `stop()` before what it needs, and put it in `ComposedReplica` if tests reach for it.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { registerClockMetrics } from '../clock/clock-metrics.js';
import type { SyncedClock } from '../clock/synced-clock.js';
import type { WorkerBarrier } from '../cluster/barrier.js';
import type { Random } from '../delivery/choice.js';
import { createDecider } from '../delivery/decider.js';
import { createDeliveryMetrics } from '../delivery/delivery-metrics.js';
import { createFire } from '../delivery/fire.js';
import { createFireMetrics } from '../delivery/fire-metrics.js';
import type { FrequencyCapStore } from '../delivery/frequency-caps.js';
import type { BudgetStore } from '../delivery/budget-store.js';
import { createReservations } from '../delivery/reservations.js';
import { countsFromHistory, createGoalChecks } from '../delivery/goal-checks.js';
import { createDeliveryReports } from '../delivery/delivery-report.js';
import type { AdsService } from '../service/ads-service.js';
import type { Ad } from '../model/ad.js';
import { createReservationMetrics } from '../delivery/reservation-metrics.js';
import type { TrackingKeys } from '../delivery/tracking-keys.js';
import { openTrackingUrls } from '../delivery/tracking-urls.js';
import { createApp } from '../http/app.js';
import { createDecisionsRoute, DECISIONS_PATH } from '../http/delivery/decisions-route.js';
import { AD_PATH } from '../http/ads/paths.js';
import { nodeDispatch } from '../http/route-table.js';
import { AUTH_FAILURES, createAuthFailures, createTokenGate } from '../http/edge/auth-limit.js';
import { createBearerCheck } from '../http/edge/bearer.js';
import { createClientAddress } from '../http/edge/client-address.js';
import { createEnvelope } from '../http/edge/envelope.js';
import { createFastCreateRoute } from '../http/ads/fast-create.js';
import { createFastPublicRoute } from '../http/ads/fast-public.js';
import { createPageCache, registerPageCacheMetrics, uncachedPages } from '../http/ads/page-cache.js';
import { createMetrics, type Metrics } from '../http/ops/metrics.js';
import { createHttpServer } from '../http/edge/server.js';
import { createEventsRoute, EVENTS_PATH } from '../http/tracking/events-route.js';
import { createFireRoute, FIRE_ROUTE } from '../http/tracking/fire-route.js';
import { createTargetingIndex } from '../index/targeting-index.js';
import type { WriteLock } from '../lock/lock.js';
import type { Log } from '../log/log.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import { createAdsNode, type AdsNode } from '../replica/ads-node.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { SnapshotClaim } from '../snapshot/snapshot-policy.js';
import type { Store } from '../store/store.js';
import type { Spool } from '../tracking/spool.js';
import { createTracking, type Tracking } from '../tracking/tracking.js';
import { createTrackingMetrics, watchSpool } from '../tracking/tracking-metrics.js';
import type { TrackingStore } from '../tracking/tracking-store.js';
import type { Config } from './config.js';

/** The settings a replica is assembled from (`loadConfig()`'s answer has them all). */
export type ReplicaConfig = Pick<
  Config,
  | 'ADMIN_TOKEN'
  | 'MAX_ADS_PER_DAY'
  | 'MAX_ACTIVE_ADS'
  | 'SNAPSHOT_EVERY'
  | 'SNAPSHOT_KEEP'
  | 'EVENTS_TOKEN'
  | 'EVENTS_RATE_LIMIT'
  | 'TRUST_PROXY'
  | 'SPOOL_MAX_MB'
  | 'FLUSH_INTERVAL_MS'
  | 'TRACKING_MAX_BUCKETS'
  | 'STATS_RETENTION_DAYS'
  | 'HEADERS_TIMEOUT_MS'
  | 'REQUEST_TIMEOUT_MS'
  | 'BODY_IDLE_TIMEOUT_MS'
  | 'MAX_CONNECTIONS'
  | 'METRICS_PORT'
  | 'TRACKING_SECRET'
  | 'TRACKING_URL_TTL_S'
  | 'RESERVATION_BLOCK'
  | 'ANSWER_CACHE_SLOTS'
>;

/** The ports a replica runs on: one adapter each, chosen by the mode. */
export interface ReplicaAdapters {
  /** The store's clock as this process reads it: every time read (reads included) comes from it. */
  readonly clock: SyncedClock;
  readonly store: Store;
  readonly log: Log;
  readonly lock: WriteLock;
  readonly scheduler: Scheduler;
  /** Which replica takes the snapshot due at a `seq`; absent: this one. */
  readonly snapshotClaim?: SnapshotClaim | undefined;
  readonly trackingStore: TrackingStore;
  /** Which ads each user key was served lately (frequency caps of decisions). */
  readonly frequencyCaps: FrequencyCapStore;
  /** Serves granted and made per ad and period (impressions goals and pacing). */
  readonly budgetStore: BudgetStore;
  /** The cluster's tracking-URL secret and signer ids. */
  readonly trackingKeys: TrackingKeys;
  /** This process's spool of accepted events (closed by tracking's `stop()`). */
  readonly spool: Spool;
  /** A budget of `points` per key per window (default 1 s), named `name`. */
  createRateLimiter(name: string, points: number, durationSeconds?: number): RateLimiter;
  /** See `AdsNodeDeps.pollIntervalMs`; absent: no polling. */
  readonly pollIntervalMs?: number | undefined;
  /** See `AdsNodeDeps.lastPublishedSeq`; present where the log can miss entries (Redis). */
  readonly lastPublishedSeq?: (() => Promise<number>) | undefined;
  /** See `AdsNodeDeps.batchPauseMs`. */
  readonly batchPauseMs?: number | undefined;
}

/** What the process around the replica adds: its logger and, in a cluster or a test, hooks. */
export interface ReplicaHooks {
  readonly logger: Logger;
  /** Sibling workers behind the same port (`WORKERS > 1`): each write waits until they applied it. */
  readonly siblings?: WorkerBarrier | undefined;
  /** Called at named points of a write (`after-commit`), for crash tests. */
  readonly failpoint?: ((name: string) => void) | undefined;
  /** Told once when the store becomes unreachable and once when it is back (after the log line). */
  readonly onStoreAvailability?: ((available: boolean, err?: unknown) => void) | undefined;
  /** Id maker for new ads (default: UUIDv7). */
  readonly newId?: (() => string) | undefined;
  /** The draw of decisions (default `Math.random`; tests seed it). */
  readonly random?: Random | undefined;
  /** Process metrics (CPU, memory, GC) in `/metrics`; default true. */
  readonly processMetrics?: boolean;
}

export interface ComposedReplica {
  /** The node:http server (fast routes, then hono); not listening yet. */
  readonly server: Server;
  /** The hono app behind the server, for `app.request()` in tests. */
  readonly app: ReturnType<typeof createApp>;
  readonly node: AdsNode;
  readonly tracking: Tracking;
  readonly metrics: Metrics;
  /** Syncs the clock, recovers the ads node, then replays the spool; the API answers 503 until all are done. */
  start(): Promise<void>;
  /** Closes the server (waiting for answers in progress), then stops tracking and the node. */
  stop(): Promise<void>;
  /** What `/readyz` answers: recovered, caught up, and not draining. */
  ready(): boolean;
  /** From now on `/readyz` answers 503 (a balancer takes this replica out); all else is served. */
  drain(): void;
}

/** Assembles the replica; reads the store only for this process's tracking-URL signer. */
export async function composeReplica(
  config: ReplicaConfig,
  adapters: ReplicaAdapters,
  hooks: ReplicaHooks,
): Promise<ComposedReplica> {
  const { logger } = hooks;
  const { clock } = adapters;

  // The ads node.
  const node = createAdsNode({
    store: adapters.store,
    log: adapters.log,
    lock: adapters.lock,
    scheduler: adapters.scheduler,
    snapshotClaim: adapters.snapshotClaim,
    clock,
    clockSynced: () => clock.synced(),
    pollIntervalMs: adapters.pollIntervalMs,
    lastPublishedSeq: adapters.lastPublishedSeq,
    batchPauseMs: adapters.batchPauseMs,
    createIndex: createTargetingIndex,
    limits: { maxAdsPerDay: config.MAX_ADS_PER_DAY, maxActiveAds: config.MAX_ACTIVE_ADS },
    snapshotEvery: config.SNAPSHOT_EVERY,
    snapshotKeep: config.SNAPSHOT_KEEP,
    afterApplied: hooks.siblings?.wait,
    newId: hooks.newId,
    failpoint: hooks.failpoint,
    onError: (err, what) => logger.error({ err, what }, `${what} failed`),
    onStoreAvailability: (available, err) => {
      if (available) logger.info('store reachable again');
      else logger.warn({ err }, 'store unreachable: writes answer 503 store_unavailable until it is back');
      hooks.onStoreAvailability?.(available, err);
    },
  });
  hooks.siblings?.answerWith((seq) => node.waitFor(seq));
  let trackingReady = false;
  let draining = false;
  const ready = () => node.service.isReady() && trackingReady && !draining;
  const metrics = createMetrics(node.service, { defaultMetrics: hooks.processMetrics ?? true, ready });
  registerClockMetrics(metrics.registry, clock);

  // Delivery tracking: events, tracking URLs and their fires.
  const fireMetrics = createFireMetrics(metrics.registry);
  const tracking = createTracking({
    store: adapters.trackingStore,
    spool: adapters.spool,
    now: () => clock.now(),
    adExists: (id) => node.service.exists(id),
    flushIntervalMs: config.FLUSH_INTERVAL_MS,
    retentionDays: config.STATS_RETENTION_DAYS,
    spoolMaxBytes: config.SPOOL_MAX_MB * 1024 * 1024,
    maxBuckets: config.TRACKING_MAX_BUCKETS,
    logger,
    ...createTrackingMetrics(metrics.registry),
    onFiresSettled: fireMetrics.onFiresSettled,
  });
  watchSpool(metrics.registry, tracking.aggregator);
  const trackingUrls = await openTrackingUrls({
    secret: config.TRACKING_SECRET,
    ttlSeconds: config.TRACKING_URL_TTL_S,
    keys: adapters.trackingKeys,
  });
  const fire = createFire({
    verifier: trackingUrls,
    now: () => clock.now(),
    accept: (records) => tracking.aggregator.accept(records),
    landingUrlOf: async (id) => (await node.service.get(id))?.creative?.landingUrl,
    onRefused: fireMetrics.onRefused,
  });
  const isReady = () => node.service.isReady() && trackingReady;

  // Delivery control: impressions budgets, click goals.
  const reservations = createReservations({
    store: adapters.budgetStore,
    maxBlock: config.RESERVATION_BLOCK,
    now: () => clock.now(),
    onError: (err, what) => logger.warn({ err }, `${what} failed`),
    onLifetimeGoalMet: (id, version) => node.service.complete(id, version),
    ...createReservationMetrics(metrics.registry, () => reservations.held()),
  });
  const countsOf = (ad: Ad, now: number) =>
    countsFromHistory((...args) => tracking.tracker.history(...args), ad, now);
  const goalChecks = createGoalChecks({
    service: node.service,
    budgets: adapters.budgetStore,
    reservations,
    counts: countsOf,
    now: () => clock.now(),
    onError: (err, what) => logger.warn({ err }, `${what} failed`),
  });
  // The HTTP edge: the fast node:http routes, then hono. A PUT whose new goals are met already
  // completes the new version before it is answered.
  const service: AdsService = {
    ...node.service,
    async update(id, input, ifMatch) {
      const ad = await node.service.update(id, input, ifMatch);
      await goalChecks.afterUpdate(ad).catch((err: unknown) => logger.warn({ err }, 'goal check failed'));
      return ad;
    },
  };
  // One budget of failed authentications per client address for every token (admin and events);
  // behind trusted proxies (TRUST_PROXY) the address is the client's, from X-Forwarded-For.
  const clientAddress = createClientAddress(config.TRUST_PROXY);
  const authFailures = createAuthFailures(
    adapters.createRateLimiter('auth', AUTH_FAILURES.points, AUTH_FAILURES.durationSeconds),
  );
  const eventsAuth =
    config.EVENTS_TOKEN === undefined
      ? undefined
      : createTokenGate(createBearerCheck(config.EVENTS_TOKEN), clientAddress, authFailures);
  const app = createApp({
    service,
    adminToken: config.ADMIN_TOKEN,
    authFailures,
    clientAddress,
    logger,
    metrics,
    tracking: { tracker: tracking.tracker, isReady, adminToken: config.ADMIN_TOKEN },
    deliveryReport: {
      report: createDeliveryReports({
        get: (id) => node.service.get(id),
        budgets: adapters.budgetStore,
        reservations,
        counts: countsOf,
        now: () => clock.now(),
      }),
      isReady,
      adminToken: config.ADMIN_TOKEN,
    },
    ready,
    publicMetrics: config.METRICS_PORT === undefined,
  });
  const envelope = createEnvelope(logger, metrics);
  const decider = createDecider({
    service: node.service,
    caps: adapters.frequencyCaps,
    urls: trackingUrls,
    clock,
    reservations,
    heldBack: (ad, now) => goalChecks.heldBack(ad, now),
    random: hooks.random,
    ...createDeliveryMetrics(metrics.registry),
  });
  const decisions = createDecisionsRoute({
    decider,
    isReady,
    envelope,
    authorize: eventsAuth,
  });
  const pages =
    config.ANSWER_CACHE_SLOTS > 0
      ? createPageCache(node.service, config.ANSWER_CACHE_SLOTS)
      : uncachedPages(node.service);
  registerPageCacheMetrics(metrics.registry, pages);
  const fastPublic = createFastPublicRoute({ service: node.service, envelope, pages });
  const fastCreate = createFastCreateRoute({
    service,
    envelope,
    adminToken: config.ADMIN_TOKEN,
    authFailures,
    clientAddress,
  });
  const events = createEventsRoute({
    tracker: tracking.tracker,
    isReady,
    envelope,
    authorize: eventsAuth,
    clientAddress,
    rateLimiter:
      config.EVENTS_RATE_LIMIT > 0
        ? adapters.createRateLimiter('events', config.EVENTS_RATE_LIMIT)
        : undefined,
    spoolFull: tracking.spoolFull,
    spoolRetryAfter: tracking.retryAfterSeconds,
  });
  const fires = createFireRoute({
    fire,
    isReady,
    envelope,
    spoolFull: tracking.spoolFull,
    spoolRetryAfter: tracking.retryAfterSeconds,
  });
  const server = createHttpServer({
    fetch: app.fetch,
    fastPath: nodeDispatch({
      [AD_PATH]: (req, res) => fastPublic(req, res) || fastCreate(req, res),
      [EVENTS_PATH]: events,
      [DECISIONS_PATH]: decisions,
      [FIRE_ROUTE]: fires,
    }),
    envelope,
    limits: {
      headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
      bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
      maxConnections: config.MAX_CONNECTIONS,
    },
  });

  return {
    server,
    app,
    node,
    tracking,
    metrics,
    ready,
    drain() {
      draining = true;
    },
    async start() {
      await clock.start();
      await node.start();
      await tracking.start();
      trackingReady = true;
      goalChecks.start();
    },
    async stop() {
      if (server.listening) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
      }
      await goalChecks.stop();
      await reservations.stop();
      await tracking.stop();
      await node.stop();
    },
  };
}
