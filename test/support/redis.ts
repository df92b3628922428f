import { Redis, type RedisOptions } from 'ioredis';
import { afterAll } from 'vitest';

/** The Redis the tests use: `TEST_REDIS_URL`, or the local one. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix:` (SCAN, so Redis is never blocked); returns how many. */
export async function removeKeys(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) removed += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return removed;
}

export interface RedisClientsOptions {
  /** The file's key prefix: every key under `prefix:` is deleted after the file's tests. */
  readonly keyPrefix?: string;
}

/**
 * Redis clients for one test file, on its own database `db`; errors are expected in fault
 * tests and ignored. After the file's tests the keys under `keyPrefix` are deleted and every
 * client is disconnected.
 */
export function redisClients(db: number, opts: RedisClientsOptions = {}) {
  const clients: Redis[] = [];
  const track = (redis: Redis): Redis => {
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };
  afterAll(async () => {
    if (opts.keyPrefix !== undefined) {
      const cleaner = new Redis(TEST_REDIS_URL, { db });
      try {
        await removeKeys(cleaner, opts.keyPrefix);
      } finally {
        cleaner.disconnect();
      }
    }
    for (const c of clients) c.disconnect();
  });
  return {
    client: (options: RedisOptions = {}): Redis => track(new Redis(TEST_REDIS_URL, { db, ...options })),
    /** A client of something that may not be Redis: a silent server or a closed port. */
    clientAt: (port: number): Redis =>
      track(new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null })),
  };
}
