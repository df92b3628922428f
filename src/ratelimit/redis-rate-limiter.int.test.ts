import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisClients } from '../../test/support/redis.js';
import { rateLimiterContract } from './rate-limiter.contract.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

const DB = 10;
const PREFIX = `test-${randomUUID()}`;
const { client, clientAt } = redisClients(DB, { keyPrefix: PREFIX });
const redis = client();

rateLimiterContract('redis', (options) =>
  createRedisRateLimiter({ redis, keyPrefix: `${PREFIX}:a`, ...options }),
);

describe('redis rate limiter across the cluster', () => {
  it('shares one budget between replicas', async () => {
    const options = { keyPrefix: `${PREFIX}:shared`, points: 4, durationSeconds: 60 };
    const one = createRedisRateLimiter({ redis, ...options });
    const two = createRedisRateLimiter({ redis: await ready(client()), ...options });
    expect(await one.consume('10.0.0.1', 2)).toBe(0);
    expect(await two.consume('10.0.0.1', 2)).toBe(0);
    expect(await one.blockedFor('10.0.0.1')).toBeGreaterThan(0);
    expect(await two.consume('10.0.0.1')).toBeGreaterThan(0);
    expect(await redis.exists(`${PREFIX}:shared:10.0.0.1`)).toBe(1);
  });

  it('counts per process, at once, while Redis is unreachable', async () => {
    const closed = await freePort();
    const limiter = createRedisRateLimiter({
      redis: clientAt(closed),
      keyPrefix: PREFIX,
      points: 2,
      durationSeconds: 60,
    });
    const started = Date.now();
    expect(await limiter.consume('k')).toBe(0);
    expect(await limiter.consume('k')).toBe(0);
    expect(await limiter.blockedFor('k')).toBeGreaterThan(0);
    expect(await limiter.consume('k')).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('does not wait on a Redis that stops answering', async () => {
    const silent = await silentServer();
    try {
      const stuck = clientAt(silent.port);
      const limiter = createRedisRateLimiter({
        redis: stuck,
        keyPrefix: PREFIX,
        points: 1,
        durationSeconds: 60,
        timeoutMs: 100,
      });
      const started = Date.now();
      expect(await limiter.consume('k')).toBe(0);
      expect(await limiter.consume('k')).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      silent.server.close();
    }
  });

  it('goes back to the shared budget when Redis is back', async () => {
    const own = await ready(client());
    const options = { keyPrefix: `${PREFIX}:back`, points: 1, durationSeconds: 60 };
    const limiter = createRedisRateLimiter({ redis: own, ...options });
    const ended = new Promise((resolve) => own.once('end', resolve));
    own.disconnect();
    await ended;
    expect(await limiter.consume('k')).toBe(0);
    expect(await redis.exists(`${PREFIX}:back:k`)).toBe(0);
    await own.connect();
    expect(await limiter.consume('other')).toBe(0);
    expect(await redis.exists(`${PREFIX}:back:other`)).toBe(1);
  });
});

async function ready(redis: Redis): Promise<Redis> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

async function freePort(): Promise<number> {
  const { server, port } = await silentServer();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and never answers, like a Redis paused with SIGSTOP. */
async function silentServer(): Promise<{ server: Server; port: number }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}
