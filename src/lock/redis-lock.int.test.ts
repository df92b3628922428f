import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { redisClients } from '../../test/support/redis.js';
import { describe, expect, it } from 'vitest';
import { lockContract } from './lock.contract.js';
import { createRedisLock, type RedisLockDeps } from './redis-lock.js';

const DB = 12;
const PREFIX = `test-${randomUUID()}`;
let counter = 0;

const { client, clientAt } = redisClients(DB, { keyPrefix: PREFIX });
const admin = client();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nextKey = () => `${PREFIX}:lock:${++counter}`;
const lockOn = (key: string, options: Partial<RedisLockDeps> = {}) =>
  createRedisLock({ redis: client(), key, ttlMs: 1000, waitMs: 10_000, ...options });

lockContract('redis (two clients on one key)', () => {
  const key = nextKey();
  return { a: lockOn(key), b: lockOn(key) };
});

/** Counts how many `fn`s run at once. */
function overlapProbe() {
  let inside = 0;
  let most = 0;
  return {
    get most() {
      return most;
    },
    async work(ms: number): Promise<void> {
      most = Math.max(most, ++inside);
      await sleep(ms);
      inside--;
    },
  };
}

describe('redis write lock', () => {
  it('lets one run at a time across two clients', async () => {
    const key = nextKey();
    const [a, b] = [lockOn(key), lockOn(key)];
    const probe = overlapProbe();
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).run(async () => {
          await probe.work(3 + (i % 4) * 3);
          order.push(i);
        }),
      ),
    );
    expect(probe.most).toBe(1);
    expect(order).toHaveLength(20);
    expect(await admin.exists(key)).toBe(0);
  });

  it('returns what fn returns, rethrows what it throws, and releases either way', async () => {
    const key = nextKey();
    const lock = lockOn(key);
    await expect(lock.run(() => Promise.resolve(42))).resolves.toBe(42);
    await expect(lock.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await admin.exists(key)).toBe(0);
  });

  it('does not release a lock that expired and was taken by another holder', async () => {
    const key = nextKey();
    const lock = lockOn(key, { ttlMs: 100 });
    await lock.run(async () => {
      // A paused process: no lease renewal runs while the event loop is blocked.
      const until = Date.now() + 250;
      while (Date.now() < until) Math.sqrt(until);
      expect(await admin.exists(key)).toBe(0);
      expect(await admin.set(key, 'other-holder', 'PX', 10_000, 'NX')).toBe('OK');
      await sleep(150);
    });
    expect(await admin.get(key)).toBe('other-holder');
    expect(await admin.pttl(key)).toBeGreaterThan(9000);
  });

  it('renews the lease so that a long fn stays exclusive', async () => {
    const key = nextKey();
    const [a, b] = [lockOn(key, { ttlMs: 150 }), lockOn(key, { ttlMs: 150 })];
    let aEnded = 0;
    let bStarted = 0;
    const first = a.run(async () => {
      await sleep(700);
      aEnded = Date.now();
    });
    await sleep(20);
    await b.run(() => {
      bStarted = Date.now();
      return Promise.resolve();
    });
    await first;
    expect(aEnded).toBeGreaterThan(0);
    expect(bStarted).toBeGreaterThanOrEqual(aEnded);
  });

  it('runs fn anyway when the lock is not free within waitMs', async () => {
    const key = nextKey();
    const holder = lockOn(key, { ttlMs: 5000 });
    const warnings: string[] = [];
    const impatient = lockOn(key, {
      waitMs: 100,
      logger: { warn: (_, msg) => warnings.push(msg), error: () => undefined },
    });
    let release!: () => void;
    const held = holder.run(() => new Promise<void>((resolve) => (release = resolve)));
    await sleep(20);
    const started = Date.now();
    await expect(impatient.run(() => Promise.resolve('written'))).resolves.toBe('written');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(warnings).toEqual(['write lock not acquired in time; writing without it']);
    release();
    await held;
    expect(await admin.exists(key)).toBe(0);
  });

  it('takes over at once from a holder whose connection is gone, not after its lease', async () => {
    const key = nextKey();
    const doomed = client();
    const id = String(await doomed.client('ID'));
    expect(await admin.set(key, `${id}:token-of-the-dead`, 'PX', 5000, 'NX')).toBe('OK');
    doomed.disconnect();
    const lock = lockOn(key, { ttlMs: 5000, waitMs: 5000 });
    const started = Date.now();
    await lock.run(async () => {
      expect(await admin.get(key)).not.toBe(`${id}:token-of-the-dead`);
    });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('once closed, lets waiting writers go on at once instead of waiting out a lease', async () => {
    const key = nextKey();
    const holder = lockOn(key, { ttlMs: 5000 });
    const waiter = lockOn(key, { ttlMs: 5000, waitMs: 5000 });
    let release!: () => void;
    const held = holder.run(() => new Promise<void>((resolve) => (release = resolve)));
    await sleep(20);
    const started = Date.now();
    const waiting = waiter.run(() => Promise.resolve('written'));
    await sleep(50);
    await waiter.close();
    await expect(waiting).resolves.toBe('written');
    expect(Date.now() - started).toBeLessThan(400);
    release();
    await held;
  });

  it('leaves the lock of a holder whose connection is alive', async () => {
    const key = nextKey();
    const alive = client();
    const id = String(await alive.client('ID'));
    await admin.set(key, `${id}:token-of-the-living`, 'PX', 5000, 'NX');
    const lock = lockOn(key, { ttlMs: 5000, waitMs: 400 });
    await lock.run(() => Promise.resolve());
    expect(await admin.get(key)).toBe(`${id}:token-of-the-living`);
    await admin.del(key);
  });

  it('runs fn without the lock when Redis is unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((resolve) => server.close(resolve));
    const down = clientAt(port);
    const warnings: string[] = [];
    const lock = createRedisLock({
      redis: down,
      key: nextKey(),
      ttlMs: 1000,
      commandTimeoutMs: 200,
      logger: { warn: (_, msg) => warnings.push(msg), error: () => undefined },
    });
    const started = Date.now();
    await expect(lock.run(() => Promise.resolve('written'))).resolves.toBe('written');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(warnings[0]).toMatch(/Redis unreachable/);
    await lock.close();
  });
});
