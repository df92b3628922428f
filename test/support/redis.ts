import { Redis, type RedisOptions } from 'ioredis';
import { afterAll } from 'vitest';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Redis clients for one test file, on its own database `db`; errors are expected in fault
 * tests and ignored; every client is disconnected after the file's tests.
 */
export function redisClients(db: number) {
  const clients: Redis[] = [];
  const track = (redis: Redis): Redis => {
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });
  return {
    client: (options: RedisOptions = {}): Redis => track(new Redis(TEST_REDIS_URL, { db, ...options })),
    /** A client of something that may not be Redis: a silent server or a closed port. */
    clientAt: (port: number): Redis =>
      track(new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null })),
  };
}
