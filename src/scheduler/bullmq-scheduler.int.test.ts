import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock/clock.js';
import { createBullmqScheduler, expiryJobId } from './bullmq-scheduler.js';
import { fired, QUIET_MS, recorder, schedulerContract, sleep, waitFor } from './scheduler.contract.js';
import type { Scheduler } from './scheduler.js';
import { removeKeys, TEST_REDIS_URL } from '../../test/support/redis.js';

const REDIS_URL = TEST_REDIS_URL;
/** This file's own database: one test runs FLUSHDB. */
const DB = 14;
const PREFIX = `test-${randomUUID()}`;

let redis: Redis;
let queues = 0;
const open: Scheduler[] = [];

const newScheduler = (queueName: string): Scheduler => {
  const scheduler = createBullmqScheduler({
    connection: redis,
    prefix: PREFIX,
    queueName,
    clock: systemClock,
  });
  open.push(scheduler);
  return scheduler;
};

async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { db: DB, maxRetriesPerRequest: null });
});
afterAll(async () => {
  await closeAll();
  await removeKeys(redis, PREFIX);
  await redis.quit();
});

schedulerContract('bullmq', () => {
  const scheduler = newScheduler(`expiry-${++queues}`);
  return Promise.resolve({ scheduler, clock: systemClock, cleanup: closeAll });
});

describe('BullMQ scheduler', () => {
  afterEach(closeAll);

  it('builds job ids BullMQ accepts: no ":", never an integer, one per (id, version)', () => {
    expect(expiryJobId('a:b', 2)).toBe('a%3Ab@2');
    expect(expiryJobId('12', 3)).toBe('12@3');
    expect(expiryJobId('a@1', 2)).not.toBe(expiryJobId('a', 12));
  });

  it('refuses a borrowed client without maxRetriesPerRequest: null', () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    expect(() => createBullmqScheduler({ connection: client, prefix: PREFIX, clock: systemClock })).toThrow(
      /maxRetriesPerRequest/,
    );
    client.disconnect();
  });

  it('ignores a done job re-added, and fires it again once Redis lost it (FLUSHDB)', async () => {
    const s = newScheduler(`expiry-${++queues}`);
    const r = recorder(systemClock);
    s.start(r.onDue);
    await s.schedule('ad-1', 1, Date.now() + 200);
    await waitFor(() => r.calls.length === 1);

    // A lagging replica schedules the same version after it fired: the kept job id dedupes it.
    await s.schedule('ad-1', 1, Date.now() - 1000);
    await sleep(QUIET_MS);
    expect(r.calls).toHaveLength(1);

    await redis.flushdb();
    await s.schedule('ad-1', 1, Date.now() + 200);
    await waitFor(() => r.calls.length === 2, 3000);
    expect(fired(r.calls)).toEqual([
      { id: 'ad-1', version: 1 },
      { id: 'ad-1', version: 1 },
    ]);
  });

  it('fires a job that two replicas schedule exactly once', async () => {
    const queueName = `expiry-${++queues}`;
    const [a, b] = [newScheduler(queueName), newScheduler(queueName)];
    const ra = recorder(systemClock);
    const rb = recorder(systemClock);
    a.start(ra.onDue);
    b.start(rb.onDue);
    const at = Date.now() + 300;
    await Promise.all(['x', 'y', 'z'].flatMap((id) => [a.schedule(id, 1, at), b.schedule(id, 1, at)]));
    await waitFor(() => ra.calls.length + rb.calls.length >= 3);
    await sleep(QUIET_MS);
    const all = fired([...ra.calls, ...rb.calls]).sort((p, q) => p.id.localeCompare(q.id));
    expect(all).toEqual(['x', 'y', 'z'].map((id) => ({ id, version: 1 })));
  });

  it('lets any replica cancel or supersede a job another one scheduled', async () => {
    const queueName = `expiry-${++queues}`;
    const [a, b] = [newScheduler(queueName), newScheduler(queueName)];
    const r = recorder(systemClock);
    a.start(r.onDue);
    const at = Date.now() + 300;
    await a.schedule('gone', 1, at);
    await b.schedule('gone', 1, at);
    await b.cancel('gone');
    await a.schedule('moved', 1, at);
    await b.schedule('moved', 2, at + 200);
    await waitFor(() => r.calls.length > 0);
    await sleep(QUIET_MS);
    expect(fired(r.calls)).toEqual([{ id: 'moved', version: 2 }]);
  });

  it('adds nothing when a restarted replica schedules jobs that exist, and re-adds a lost one', async () => {
    const queueName = `expiry-${++queues}`;
    const at = Date.now() + 3_600_000;
    const jobs = Array.from({ length: 300 }, (_, i) => ({ id: `ad-${i}`, version: 1 + (i % 3), at: at + i }));
    await newScheduler(queueName).scheduleMany(jobs);
    const delayed = `${PREFIX}:${queueName}:delayed`;
    expect(await redis.zcard(delayed)).toBe(300);

    // The restarted replica's client, counting the commands it sends.
    const client = new Redis(REDIS_URL, { db: DB, maxRetriesPerRequest: null });
    const sent: string[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, ...rest) => {
      sent.push(command.name);
      return send(command, ...rest);
    };
    const restarted = createBullmqScheduler({
      connection: client,
      prefix: PREFIX,
      queueName,
      clock: systemClock,
    });
    open.push(restarted);
    try {
      await restarted.scheduleMany(jobs);
      expect(sent.filter((name) => name.startsWith('eval'))).toEqual([]);
      expect(await redis.zcard(delayed)).toBe(300);

      await redis.del(`${PREFIX}:${queueName}:${expiryJobId('ad-7', jobs[7]!.version)}`);
      await redis.zrem(delayed, expiryJobId('ad-7', jobs[7]!.version));
      await restarted.scheduleMany(jobs);
      expect(await redis.zcard(delayed)).toBe(300);
      expect(
        await redis.hget(`${PREFIX}:${queueName}:${expiryJobId('ad-7', jobs[7]!.version)}`, 'name'),
      ).toBe('expire');
    } finally {
      await restarted.close();
      client.disconnect();
    }
  });

  it('waits when a job turns up before its time by this clock (a replica clock ahead)', async () => {
    const queueName = `expiry-${++queues}`;
    const behind = { now: () => Date.now() - 500 };
    const s = createBullmqScheduler({ connection: redis, prefix: PREFIX, queueName, clock: behind });
    open.push(s);
    const r = recorder(systemClock);
    s.start(r.onDue);
    const ahead = newScheduler(queueName);
    const at = Date.now() + 100;
    await ahead.schedule('ad-1', 1, at);
    await waitFor(() => r.calls.length > 0);
    expect(r.calls[0]!.at).toBeGreaterThanOrEqual(at + 500);
  });

  /** The store's clock 30 s behind this host's: BullMQ, reading the host's, hands every job over 30 s early. */
  const storeBehind = { now: () => Date.now() - 30_000 };
  const schedulerOn = (queueName: string, clock = storeBehind): Scheduler => {
    const s = createBullmqScheduler({ connection: redis, prefix: PREFIX, queueName, clock });
    open.push(s);
    return s;
  };

  it("files a job due at its time by the store's clock and holds one handed over early until then", async () => {
    const queueName = `expiry-${++queues}`;
    const s = schedulerOn(queueName);
    const r = recorder(storeBehind);
    const at = storeBehind.now() + 600;
    await s.schedule('ad-1', 1, at);
    // BullMQ keeps the store's due time, whatever this host's clock says.
    const score = await redis.zscore(`${PREFIX}:${queueName}:delayed`, expiryJobId('ad-1', 1));
    expect(Math.floor(Number(score) / 0x1000)).toBe(at);
    s.start(r.onDue);
    await waitFor(() => r.calls.length > 0, 3000);
    expect(r.calls[0]!.at).toBeGreaterThanOrEqual(at);
    expect(r.calls[0]!.at).toBeLessThan(at + 300);
  });

  it('hands a held job to another worker when closing, which fires it at its time', async () => {
    const queueName = `expiry-${++queues}`;
    const [a, b] = [schedulerOn(queueName), schedulerOn(queueName)];
    const ra = recorder(storeBehind);
    a.start(ra.onDue);
    const at = storeBehind.now() + 1500;
    await a.schedule('ad-1', 1, at);
    await sleep(300); // a holds it
    const closed = Date.now();
    await a.close();
    expect(Date.now() - closed).toBeLessThan(1000);
    const rb = recorder(storeBehind);
    b.start(rb.onDue);
    await waitFor(() => rb.calls.length > 0, 4000);
    expect(ra.calls).toEqual([]);
    expect(fired(rb.calls)).toEqual([{ id: 'ad-1', version: 1 }]);
    expect(rb.calls[0]!.at).toBeGreaterThanOrEqual(at);
    expect(rb.calls[0]!.at).toBeLessThan(at + 500);
  });
});
