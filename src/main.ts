/**
 * The composition root: the only place that reads configuration, creates clients (through
 * `wiring/clients.ts`), picks adapters (`wiring/embedded.ts`, `wiring/replicated.ts`) and
 * listens. Everything else receives its dependencies.
 */
import cluster from 'node:cluster';
import { pino, type Logger } from 'pino';
import { loadConfig, ConfigError, type Config } from './wiring/config.js';
import { systemClock } from './clock/clock.js';
import { createApp } from './http/app.js';
import { createEnvelope } from './http/envelope.js';
import { createFastPublicRoute } from './http/fast-public.js';
import { createHttpServer } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { createTargetingIndex } from './index/targeting-index.js';
import { createAdsNode, type AdsNodeDeps } from './replica/ads-node.js';
import { createEmbeddedAdapters } from './wiring/embedded.js';
import { relayBarriers, workerBarrier } from './cluster/barrier.js';
import { withDelayedDelivery } from './log/delayed-log.js';

const SHUTDOWN_LIMIT_MS = 9_000;

type Adapters = Pick<AdsNodeDeps, 'store' | 'log' | 'lock' | 'scheduler' | 'snapshotClaim' | 'pollIntervalMs'> & {
  close(): Promise<void>;
};

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
  const fork = () => cluster.fork();
  for (let i = 0; i < config.workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(fork, 500).unref();
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), SHUTDOWN_LIMIT_MS + 500).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function runReplica(config: Config, logger: Logger): Promise<void> {
  const adapters = await createAdapters(config, logger);
  const log = config.ADSM_FAILPOINT === 'slow-log' ? withDelayedDelivery(adapters.log, 500) : adapters.log;
  // Sibling workers behind the same port apply each write before it is answered.
  const barrier = cluster.isWorker ? workerBarrier((seq) => node.waitFor(seq)) : undefined;
  const node = createAdsNode({
    afterApplied: barrier,
    ...adapters,
    log,
    clock: systemClock,
    createIndex: createTargetingIndex,
    limits: { maxAdsPerDay: config.MAX_ADS_PER_DAY, maxActiveAds: config.MAX_ACTIVE_ADS },
    snapshotEvery: config.SNAPSHOT_EVERY,
    snapshotKeep: config.SNAPSHOT_KEEP,
    onError: (err, what) => logger.error({ err, what }, `${what} failed`),
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
  const app = createApp({ service: node.service, adminToken: config.ADMIN_TOKEN, logger, metrics });
  const envelope = createEnvelope(logger, metrics);
  const fastPath = createFastPublicRoute({ service: node.service, envelope });
  const server = createHttpServer({
    fetch: app.fetch,
    fastPath,
    envelope,
    limits: {
      headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
      bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
      maxConnections: config.MAX_CONNECTIONS,
    },
  });
  const listen = () =>
    server.listen(config.PORT, config.HOST, () => {
      const address = server.address();
      logger.info({ port: typeof address === 'object' ? address?.port : address, mode: config.mode }, 'listening');
    });
  // A lone process listens at once so /readyz can say 503 while it recovers. A cluster worker
  // joins the shared port only when ready: the primary then never hands it a connection early.
  if (!cluster.isWorker) listen();

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
    await node.stop();
    await adapters.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await node.start();
    if (cluster.isWorker) listen();
    const { appliedSeq, liveAds } = node.service.stats();
    logger.info({ seq: appliedSeq, ads: liveAds }, 'ready');
  } catch (err) {
    logger.fatal({ err }, 'recovery failed');
    process.exit(1);
  }
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
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  runReplica(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  });
}

main();
