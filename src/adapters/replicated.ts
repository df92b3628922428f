import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import { systemClock } from '../clock/clock.js';
import type { Config } from '../config.js';
import { createQueuedLock } from '../lock/queued-lock.js';
import { createRedisLock } from '../lock/redis-lock.js';
import { createRedisStreamLog } from '../log/redis-stream-log.js';
import { createRepairLoop } from '../replica/repair.js';
import { createBullmqScheduler } from '../scheduler/bullmq-scheduler.js';
import { createRedisSnapshotClaim } from '../snapshot/redis-snapshot-claim.js';
import { migratePostgres } from '../store/postgres-migrate.js';
import { createPostgresStore } from '../store/postgres-store.js';

type ReplicatedConfig = Pick<
  Config,
  'DATABASE_URL' | 'REDIS_URL' | 'REDIS_PREFIX' | 'STREAM_MAXLEN' | 'LOCK_TTL_MS' | 'POLL_INTERVAL_MS'
>;

/**
 * Replicated mode: Postgres is the store and the source of truth (ads, log, snapshots,
 * idempotency keys); Redis carries the stream, the write lock and the BullMQ expiry queue, all
 * of which can be rebuilt from Postgres if Redis loses them.
 */
export async function createReplicatedAdapters(config: ReplicatedConfig, logger: Logger) {
  const { DATABASE_URL, REDIS_URL, REDIS_PREFIX: prefix } = config;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('replicated mode needs DATABASE_URL and REDIS_URL');

  // A replica paused inside a transaction must not block every writer forever.
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8, idle_in_transaction_session_timeout: 10_000 });
  pool.on('error', (err) => logger.warn({ err }, 'idle Postgres client failed'));
  const applied = await migratePostgres(pool);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const redisOptions = { lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: 2 };
  const redis = new Redis(REDIS_URL, redisOptions);
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const bullConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  bullConnection.on('error', (err) => logger.warn({ err: err.message }, 'redis (queue) error'));

  const store = createPostgresStore({ pool });
  const log = createRedisStreamLog({
    redis,
    createReader: () => {
      const reader = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      reader.on('error', (err) => logger.warn({ err: err.message }, 'redis (reader) error'));
      return reader;
    },
    prefix,
    maxLen: config.STREAM_MAXLEN,
    logger,
  });
  const lock = createQueuedLock(
    createRedisLock({ redis, key: `${prefix}:lock`, ttlMs: config.LOCK_TTL_MS, logger }),
  );
  const scheduler = createBullmqScheduler({ connection: bullConnection, prefix, clock: systemClock, logger });
  const repair = createRepairLoop({
    store,
    log,
    intervalMs: config.POLL_INTERVAL_MS,
    lastPublishedSeq: () => log.lastSeq(),
    lock,
    onError: (err: unknown) => logger.warn({ err }, 'repair loop failed'),
  });

  return {
    store,
    log,
    lock,
    scheduler,
    pollIntervalMs: config.POLL_INTERVAL_MS,
    snapshotClaim: createRedisSnapshotClaim({ redis, prefix }),
    async close(): Promise<void> {
      await repair.stop();
      await log.close();
      await lock.close();
      await store.close();
      await Promise.allSettled([redis.quit(), bullConnection.quit()]);
      await pool.end();
    },
  };
}
