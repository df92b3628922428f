import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import { watchConnects } from '../db/postgres-errors.js';
import type { Config } from './config.js';

/**
 * The network clients of replicated mode, made in one place and closed in one place. Adapters
 * borrow them (see `replicated.ts`) and never close them.
 */
export interface ReplicatedClients {
  readonly pool: pg.Pool;
  /** Short commands: stream appends, the write lock, snapshot claims. */
  readonly redis: Redis;
  /**
   * Frequency caps: the takes of one event-loop turn go as one script call (the adapter
   * batches them), apart from the write path's commands.
   */
  readonly capsRedis: Redis;
  /** BullMQ's connection (its worker needs `maxRetriesPerRequest: null`). */
  readonly queueRedis: Redis;
  /** A new connection for one blocking stream reader (a stuck reader is replaced). */
  createStreamReader(): Redis;
  /** Quits the Redis connections made here and ends the pool. */
  close(): Promise<void>;
}

export function createReplicatedClients(
  config: Pick<Config, 'DATABASE_URL' | 'REDIS_URL'>,
  logger: Logger,
): ReplicatedClients {
  const { DATABASE_URL, REDIS_URL } = config;
  if (!DATABASE_URL || !REDIS_URL) throw new Error('replicated mode needs DATABASE_URL and REDIS_URL');

  // A replica paused inside a transaction must not block every writer forever.
  // An unreachable Postgres fails a request within seconds (503 store_unavailable) instead of hanging it.
  // Any failure to get a connection (refused, not accepting connections, no free one in time) is
  // an outage, whatever Postgres said: see watchConnects.
  const pool = watchConnects(
    new pg.Pool({
      connectionString: DATABASE_URL,
      max: 8,
      idle_in_transaction_session_timeout: 10_000,
      connectionTimeoutMillis: 3_000,
    }),
  );
  pool.on('error', (err) => logger.warn({ err }, 'idle Postgres client failed'));

  const redis = new Redis(REDIS_URL, {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  // The caps adapter batches the takes of one event-loop turn into one call itself.
  const capsRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  capsRedis.on('error', (err) => logger.warn({ err: err.message }, 'redis (caps) error'));
  const queueRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queueRedis.on('error', (err) => logger.warn({ err: err.message }, 'redis (queue) error'));

  return {
    pool,
    redis,
    capsRedis,
    queueRedis,
    createStreamReader() {
      const reader = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      reader.on('error', (err) => logger.warn({ err: err.message }, 'redis (reader) error'));
      return reader;
    },
    async close() {
      await Promise.allSettled([redis.quit(), capsRedis.quit(), queueRedis.quit()]);
      await pool.end();
    },
  };
}
