/**
 * The process: reads the configuration, runs the cluster supervisor (`WORKERS > 1`) or one
 * replica, listens, handles signals and exit statuses. The replica itself is assembled by
 * `wiring/compose-replica.ts` over the adapters of `wiring/adapters.ts`.
 */
import cluster from 'node:cluster';
import v8 from 'node:v8';
import { pino, type Logger } from 'pino';
import { loadConfig, ConfigError, type Config } from './wiring/config.js';
import { relayBarriers, createWorkerBarrier } from './cluster/barrier.js';
import { withDelayedDelivery } from './log/delayed-log.js';
import { createModeAdapters } from './wiring/adapters.js';
import { composeReplica, type ComposedReplica } from './wiring/compose-replica.js';
import { createOpsServer } from './http/ops/ops-server.js';
import { setAnswerBatching } from './http/edge/node-answer.js';

const SHUTDOWN_LIMIT_MS = 9_000;

/** Exit status of a process that cannot take its port; the cluster primary stops on it too. */
const EXIT_CANNOT_LISTEN = 3;

/** Which spool file a process owns: one per worker slot, kept by the slot's replacements. */
const WORKER_INDEX_ENV = 'ADSM_WORKER_INDEX';

function runPrimary(config: Config, logger: Logger): void {
  logger.info({ workers: config.workers, mode: config.mode }, 'starting workers');
  relayBarriers();
  let stopping = false;
  const slots = new Map<number, number>();
  const fork = (index: number) => slots.set(cluster.fork({ [WORKER_INDEX_ENV]: String(index) }).id, index);
  for (let i = 0; i < config.workers; i++) fork(i);
  let exitStatus = 0;
  // A worker that dies before any worker took the port is a failed start-up: stop with status 1,
  // as a lone process does, so a process manager sees a failure. Later deaths are re-forked after
  // 0.5 s, doubling to 30 s while replacements keep dying; the timer keeps the primary alive.
  let served = false;
  let deaths = 0;
  cluster.on('listening', (_worker, address) => {
    if (address.port === config.PORT || config.PORT === 0) {
      served = true;
      deaths = 0;
    }
  });
  const stop = () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(exitStatus);
    for (const w of workers) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), config.DRAIN_MS + SHUTDOWN_LIMIT_MS + 500).unref();
  };
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
    if (!served) {
      logger.fatal({ pid: worker.process.pid, code, signal }, 'a worker failed to start; stopping');
      exitStatus = 1;
      stop();
      return;
    }
    const delay = Math.min(30_000, 500 * 2 ** deaths++);
    logger.error(
      { pid: worker.process.pid, code, signal, restartInMs: delay },
      'worker died; starting another',
    );
    const index = slots.get(worker.id) ?? 0;
    slots.delete(worker.id);
    setTimeout(() => {
      if (!stopping) fork(index);
    }, delay);
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

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

async function runReplica(config: Config, logger: Logger): Promise<void> {
  // The operators' port answers from the first moment: alive, not ready until recovered.
  const assembled: { replica?: ComposedReplica } = {};
  const ops =
    config.METRICS_PORT === undefined
      ? undefined
      : createOpsServer({
          metrics: () => assembled.replica?.metrics,
          ready: () => assembled.replica?.ready() ?? false,
        });
  ops?.on('error', (err: NodeJS.ErrnoException) =>
    cannotListen({ ...config, PORT: config.METRICS_PORT! }, err),
  );
  ops?.listen(config.METRICS_PORT, config.HOST);
  const adapters = await createModeAdapters(config, logger, Number(process.env[WORKER_INDEX_ENV] ?? 0));
  const failpoint = config.ADSM_FAILPOINT;
  const replica = await composeReplica(
    config,
    failpoint === 'slow-log' ? { ...adapters, log: withDelayedDelivery(adapters.log, 500) } : adapters,
    {
      logger,
      // Sibling workers behind the same port apply each write before it is answered.
      siblings: cluster.isWorker ? createWorkerBarrier() : undefined,
      failpoint: failpoint
        ? (name) => {
            if (name === failpoint) {
              logger.fatal({ failpoint: name }, 'failpoint hit: exiting');
              process.exit(86);
            }
          }
        : undefined,
    },
  );
  assembled.replica = replica;
  const { server } = replica;
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
  // joins the shared port only when ready: the primary then never hands it a connection early;
  // so does a process with METRICS_PORT, whose probes are answered there meanwhile.
  const listening = cluster.isWorker || ops ? undefined : listen();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    replica.drain();
    if (signal === 'SIGTERM' && config.DRAIN_MS > 0) {
      logger.info({ drainMs: config.DRAIN_MS }, 'draining: /readyz answers 503, still serving');
      await new Promise((resolve) => setTimeout(resolve, config.DRAIN_MS));
    }
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    await replica.stop();
    ops?.close();
    await adapters.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await replica.start();
    await (listening ?? listen());
    const { appliedSeq, liveAds } = replica.node.service.stats();
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
  setAnswerBatching(config.ANSWER_BATCHING === 1);
  // V8 lets the old generation grow up to 4 times what was live after the last full collection
  // before collecting again: a 200 MB catalogue under a stream of short-lived request data
  // reached 700 MB of mostly garbage. A fixed, small growth collects sooner (V8 reads the flag
  // each time it sets the next limit).
  if (config.HEAP_GROWING_PERCENT > 0)
    v8.setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWING_PERCENT}`);
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
