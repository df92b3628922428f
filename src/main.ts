/**
 * The composition root: the only place that reads configuration, creates clients (through
 * `wiring/clients.ts`), picks adapters (`wiring/embedded.ts`, `wiring/replicated.ts`) and
 * listens. Everything else receives its dependencies.
 */
import cluster from 'node:cluster';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig, ConfigError, type Config } from './wiring/config.js';
import { registerClockMetrics } from './clock/clock-metrics.js';
import type { SyncedClock } from './clock/synced-clock.js';
import { createApp } from './http/app.js';
import { AUTH_FAILURES } from './http/edge/auth-limit.js';
import { createEnvelope } from './http/edge/envelope.js';
import { createFastPublicRoute } from './http/ads/fast-public.js';
import { createHttpServer } from './http/edge/server.js';
import { createMetrics } from './http/ops/metrics.js';
import { createTargetingIndex } from './index/targeting-index.js';
import { createAdsNode, type AdsNodeDeps } from './replica/ads-node.js';
import { createEmbeddedAdapters } from './wiring/embedded.js';
import { relayBarriers, workerBarrier } from './cluster/barrier.js';
import { withDelayedDelivery } from './log/delayed-log.js';
import type { RateLimiter } from './ratelimit/rate-limiter.js';
import { createEventsRoute } from './http/tracking/events-route.js';
import { openSpoolIn } from './tracking/sqlite-spool.js';
import { createTracking } from './tracking/tracking.js';
import { createTrackingMetrics } from './tracking/tracking-metrics.js';
import type { TrackingStore } from './tracking/tracking-store.js';
import type { TrackingKeys } from './delivery/tracking-keys.js';
import { openTrackingUrls } from './delivery/tracking-urls.js';
import { createFire } from './delivery/fire.js';
import { createFireMetrics } from './delivery/fire-metrics.js';
import { createFireRoute } from './http/tracking/fire-route.js';
import type { FrequencyCapStore } from './delivery/frequency-caps.js';
import { createDecisionsRoute } from './http/delivery/decisions-route.js';
import { createDecider } from './delivery/decider.js';
import { createDeliveryMetrics } from './delivery/delivery-metrics.js';

const SHUTDOWN_LIMIT_MS = 9_000;

type Adapters = Pick<
  AdsNodeDeps,
  'store' | 'log' | 'lock' | 'scheduler' | 'snapshotClaim' | 'pollIntervalMs' | 'batchPauseMs'
> & {
  /** The store's clock as this process reads it: every time read (reads included) comes from it. */
  readonly clock: SyncedClock;
  readonly trackingStore: TrackingStore;
  readonly frequencyCaps: FrequencyCapStore;
  readonly trackingKeys: TrackingKeys;
  /** A budget of `points` per key per window (default 1 s), named `name`. */
  createRateLimiter(name: string, points: number, durationSeconds?: number): RateLimiter;
  close(): Promise<void>;
};

/** Which spool file a process owns: one per worker slot, kept by the slot's replacements. */
const WORKER_INDEX_ENV = 'ADSM_WORKER_INDEX';

async function createAdapters(config: Config, logger: Logger): Promise<Adapters> {
  if (config.mode === 'embedded') return createEmbeddedAdapters(config);
  const { createReplicatedClients } = await import('./wiring/clients.js');
  const { createReplicatedAdapters } = await import('./wiring/replicated.js');
  const clients = createReplicatedClients(config, logger);
  try {
    const adapters = await createReplicatedAdapters(config, clients, logger);
    return {
      ...adapters,
      async close() {
        await adapters.close();
        await clients.close();
      },
    };
  } catch (err) {
    await clients.close().catch(() => undefined);
    throw err;
  }
}

function runPrimary(config: Config, logger: Logger): void {
  logger.info({ workers: config.workers, mode: config.mode }, 'starting workers');
  relayBarriers();
  let stopping = false;
  const slots = new Map<number, number>();
  const fork = (index: number) => slots.set(cluster.fork({ [WORKER_INDEX_ENV]: String(index) }).id, index);
  for (let i = 0; i < config.workers; i++) fork(i);
  let exitStatus = 0;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitStatus);
      return;
    }
    if (code === EXIT_CANNOT_LISTEN) {
      exitStatus = EXIT_CANNOT_LISTEN;
      stop();
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    const index = slots.get(worker.id) ?? 0;
    slots.delete(worker.id);
    setTimeout(() => fork(index), 500).unref();
  });
  const stop = () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(exitStatus);
    for (const w of workers) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), SHUTDOWN_LIMIT_MS + 500).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function runReplica(config: Config, logger: Logger): Promise<void> {
  const adapters = await createAdapters(config, logger);
  const { clock } = adapters;
  const log = config.ADSM_FAILPOINT === 'slow-log' ? withDelayedDelivery(adapters.log, 500) : adapters.log;
  // Sibling workers behind the same port apply each write before it is answered.
  const barrier = cluster.isWorker ? workerBarrier((seq) => node.waitFor(seq)) : undefined;
  const node = createAdsNode({
    afterApplied: barrier,
    ...adapters,
    log,
    clock,
    clockSynced: () => clock.synced(),
    createIndex: createTargetingIndex,
    limits: { maxAdsPerDay: config.MAX_ADS_PER_DAY, maxActiveAds: config.MAX_ACTIVE_ADS },
    snapshotEvery: config.SNAPSHOT_EVERY,
    snapshotKeep: config.SNAPSHOT_KEEP,
    onError: (err, what) => logger.error({ err, what }, `${what} failed`),
    onStoreAvailability: (available, err) =>
      available
        ? logger.info('store reachable again')
        : logger.warn({ err }, 'store unreachable: writes answer 503 store_unavailable until it is back'),
    failpoint: config.ADSM_FAILPOINT
      ? (name) => {
          if (name === config.ADSM_FAILPOINT) {
            logger.fatal({ failpoint: name }, 'failpoint hit: exiting');
            process.exit(86);
          }
        }
      : undefined,
  });
  const metrics = createMetrics(node.service);
  registerClockMetrics(metrics.registry, clock);
  const trackingMetrics = createTrackingMetrics(metrics.registry, () => tracking.aggregator);
  const fireMetrics = createFireMetrics(metrics.registry);
  const spoolDir = config.SPOOL_DIR ?? join(config.DATA_DIR, 'spool');
  const tracking = createTracking({
    store: adapters.trackingStore,
    spool: openSpoolIn(spoolDir, Number(process.env[WORKER_INDEX_ENV] ?? 0)),
    now: () => clock.now(),
    adExists: (id) => node.service.exists(id),
    flushIntervalMs: config.FLUSH_INTERVAL_MS,
    retentionDays: config.STATS_RETENTION_DAYS,
    spoolMaxBytes: config.SPOOL_MAX_MB * 1024 * 1024,
    logger,
    ...trackingMetrics,
    onFiresSettled: fireMetrics.onFiresSettled,
  });
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
  let trackingReady = false;
  const app = createApp({
    service: node.service,
    adminToken: config.ADMIN_TOKEN,
    authLimiter: adapters.createRateLimiter('auth', AUTH_FAILURES.points, AUTH_FAILURES.durationSeconds),
    logger,
    metrics,
    tracking: { tracker: tracking.tracker, isReady, adminToken: config.ADMIN_TOKEN },
  });
  const envelope = createEnvelope(logger, metrics);
  const decider = createDecider({
    service: node.service,
    caps: adapters.frequencyCaps,
    urls: trackingUrls,
    clock,
    ...createDeliveryMetrics(metrics.registry),
  });
  const decisions = createDecisionsRoute({
    decider,
    isReady,
    envelope,
    eventsToken: config.EVENTS_TOKEN,
  });
  const fastPublic = createFastPublicRoute({ service: node.service, envelope });
  const events = createEventsRoute({
    tracker: tracking.tracker,
    isReady,
    envelope,
    eventsToken: config.EVENTS_TOKEN,
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
    fastPath: (req, res) =>
      fastPublic(req, res) || events(req, res) || fires(req, res) || decisions(req, res),
    envelope,
    limits: {
      headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
      bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
      maxConnections: config.MAX_CONNECTIONS,
    },
  });
  server.on('error', (err: NodeJS.ErrnoException) => cannotListen(config, err));
  const listen = () =>
    new Promise<void>((resolve) =>
      server.listen(config.PORT, config.HOST, () => {
        const address = server.address();
        const where =
          typeof address === 'object' && address !== null ? address : { address, port: undefined };
        logger.info({ host: where.address, port: where.port, mode: config.mode }, 'listening');
        resolve();
      }),
    );
  // A lone process listens at once so /readyz can say 503 while it recovers. A cluster worker
  // joins the shared port only when ready: the primary then never hands it a connection early.
  const listening = cluster.isWorker ? undefined : listen();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await tracking.stop();
    await node.stop();
    await adapters.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await clock.start();
    await node.start();
    await tracking.start();
    trackingReady = true;
    await (listening ?? listen());
    const { appliedSeq, liveAds } = node.service.stats();
    logger.info({ seq: appliedSeq, ads: liveAds }, 'ready');
  } catch (err) {
    logger.fatal({ err }, 'recovery failed');
    process.exit(1);
  }
}

/** Exit status of a process that cannot take its port; the cluster primary stops on it too. */
const EXIT_CANNOT_LISTEN = 3;

/** One line naming the variable to change, instead of an unhandled error event. */
function cannotListen(config: Config, err: NodeJS.ErrnoException): never {
  const where = `PORT ${config.PORT} on HOST ${config.HOST}`;
  const why =
    err.code === 'EADDRINUSE'
      ? `${where} is already in use; stop the other server or set PORT`
      : err.code === 'EACCES'
        ? `${where} needs privileges this process lacks; set PORT above 1023`
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
          ? `HOST ${config.HOST} is not an address of this machine; set HOST`
          : `${where}: ${err.message}`;
  process.stderr.write(`cannot listen: ${why}\n`);
  process.exit(EXIT_CANNOT_LISTEN);
}

function main(): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = pino({ level: config.LOG_LEVEL, base: { pid: process.pid } });
  if (config.adminOpen && cluster.isPrimary) {
    logger.warn(
      { host: config.HOST, adminAuth: config.ADMIN_AUTH },
      'ADMIN_TOKEN is not set: anyone who can reach this server can create, change and delete ads',
    );
  }
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  runReplica(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  });
}

main();
