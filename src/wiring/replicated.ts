import type { Logger } from 'pino';
import { createPostgresTimeSource } from '../clock/postgres-time-source.js';
import { createSyncedClock } from '../clock/synced-clock.js';
import { createLocalLock } from '../lock/local-lock.js';
import { createQueuedLock } from '../lock/queued-lock.js';
import { createRedisLock } from '../lock/redis-lock.js';
import { createRedisStreamLog } from '../log/redis-stream-log.js';
import { createBullmqScheduler } from '../scheduler/bullmq-scheduler.js';
import { createRedisSnapshotClaim } from '../snapshot/redis-snapshot-claim.js';
import { migratePostgres } from '../db/postgres-migrate.js';
import { createPostgresStore } from '../store/postgres-store.js';
import { createRedisRateLimiter } from '../ratelimit/rate-limiter.js';
import { createPostgresTrackingStore } from '../tracking/postgres-tracking-store.js';
import { createPostgresTrackingKeys } from '../delivery/postgres-tracking-keys.js';
import { createPostgresBudgetStore } from '../delivery/postgres-budget-store.js';
import type { ReplicatedClients } from './clients.js';
import { createRedisFrequencyCaps } from '../delivery/redis-frequency-caps.js';
import type { Config } from './config.js';

type ReplicatedConfig = Pick<
  Config,
  'REDIS_PREFIX' | 'STREAM_MAXLEN' | 'WRITE_LOCK' | 'LOCK_TTL_MS' | 'POLL_INTERVAL_MS'
>;

/**
 * Replicated mode: Postgres is the store and the source of truth (ads, log, snapshots,
 * idempotency keys); Redis carries the stream, the write lock and the BullMQ expiry queue, all
 * of which can be rebuilt from Postgres if Redis loses them. The adapters borrow `clients`;
 * `close()` stops the adapters, not the clients.
 */
export async function createReplicatedAdapters(
  config: ReplicatedConfig,
  clients: ReplicatedClients,
  logger: Logger,
) {
  const { REDIS_PREFIX: prefix } = config;
  const { pool, redis } = clients;
  const applied = await migratePostgres(pool);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  // Every replica reads time as Postgres's clock: its offset is sampled every few seconds.
  const clock = createSyncedClock({
    source: createPostgresTimeSource({ pool }),
    onSampling: (ok, err) =>
      ok
        ? logger.info("the store's clock can be read again")
        : logger.warn({ err }, "cannot read the store's clock: time runs on from the last offset"),
  });
  const store = createPostgresStore({ pool });
  const trackingStore = createPostgresTrackingStore({ pool });
  const trackingKeys = createPostgresTrackingKeys({ pool });
  const log = createRedisStreamLog({
    redis,
    createReader: () => clients.createStreamReader(),
    prefix,
    maxLen: config.STREAM_MAXLEN,
    logger,
  });
  // `store`: the writers of all replicas queue on the `log_head` row lock alone, which Postgres
  // hands to the next waiter the moment a batch commits; the lock below only serialises this
  // process's writers (and its repair loop). `redis`: a cluster-wide Redis lock around each batch
  // as well, which keeps the stream in `seq` order but costs its round trips, its polling and a
  // pause between batches on every batch.
  const redisLock = config.WRITE_LOCK === 'redis';
  const lock = redisLock
    ? createQueuedLock(createRedisLock({ redis, key: `${prefix}:lock`, ttlMs: config.LOCK_TTL_MS, logger }))
    : createLocalLock();
  const scheduler = createBullmqScheduler({
    connection: clients.queueRedis,
    prefix,
    clock,
    logger,
  });

  return {
    clock,
    store,
    log,
    lock,
    scheduler,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    /** The repair loop republishes committed entries the stream missed. */
    lastPublishedSeq: () => log.lastSeq(),
    batchPauseMs: redisLock ? 2 : 0,
    snapshotClaim: createRedisSnapshotClaim({ redis, prefix }),
    trackingStore,
    trackingKeys,
    budgetStore: createPostgresBudgetStore({ pool }),
    frequencyCaps: createRedisFrequencyCaps({ redis: clients.capsRedis, prefix }),
    /** A budget per key per second shared by the cluster (per process while Redis is down). */
    createRateLimiter: (name: string, points: number, durationSeconds = 1) =>
      createRedisRateLimiter({ redis, keyPrefix: `${prefix}:rl:${name}`, points, durationSeconds }),
    async close(): Promise<void> {
      clock.stop();
      await lock.close();
      await log.close();
      await store.close();
    },
  };
}
