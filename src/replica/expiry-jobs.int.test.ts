import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock/clock.js';
import { createBullmqScheduler, expiryJobId } from '../scheduler/bullmq-scheduler.js';
import type { Entry } from '../statemachine/entries.js';
import { removeKeys, TEST_REDIS_URL } from '../../test/support/redis.js';
import { makeAd } from '../../test/support/ads.js';
import { createExpiryJobs } from './expiry-jobs.js';

/** Shares db 14 with the scheduler's tests: both only touch their own prefix. */
const DB = 14;
const PREFIX = `test-${randomUUID()}`;
const DELAY_MS = 100;
const admin = new Redis(TEST_REDIS_URL, { db: DB });
const closing: (() => Promise<unknown>)[] = [];
let queues = 0;

afterAll(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  await removeKeys(admin, PREFIX);
  await admin.quit();
});

/** One replica's expiry jobs on a BullMQ queue, with the names of the Redis commands it sends. */
function replicaOn(queueName: string) {
  const client = new Redis(TEST_REDIS_URL, { db: DB, maxRetriesPerRequest: null });
  const sent: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    sent.push(command.name);
    return send(command, ...rest);
  };
  const scheduler = createBullmqScheduler({
    connection: client,
    prefix: PREFIX,
    queueName,
    clock: systemClock,
  });
  const errors: unknown[] = [];
  const jobs = createExpiryJobs(scheduler, (err) => errors.push(err), DELAY_MS);
  closing.push(async () => {
    jobs.stop();
    await scheduler.close();
    client.disconnect();
  });
  return { jobs, sent, errors, scripts: () => sent.filter((name) => name.startsWith('eval')).length };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = Date.now() + 3_600_000;
const create = (seq: number, id: string): Entry => ({
  type: 'create',
  seq,
  at: 0,
  ad: makeAd({ id, endAt: at + seq }),
});
const jobKey = (queueName: string, id: string, version = 1) =>
  `${PREFIX}:${queueName}:${expiryJobId(id, version)}`;

describe('expiry jobs across replicas', () => {
  it('the writer adds the job at once; the others only check, later, that it exists', async () => {
    const queueName = `expiry-${++queues}`;
    const writer = replicaOn(queueName);
    const follower = replicaOn(queueName);
    const entries = [create(1, 'a'), create(2, 'b')];
    writer.jobs.committed(entries);
    entries.forEach((e) => writer.jobs.applied(e));
    entries.forEach((e) => follower.jobs.applied(e));
    await expect.poll(() => admin.exists(jobKey(queueName, 'a'), jobKey(queueName, 'b'))).toBe(2);
    // One script per first version (its add; no removal of a version 0 that cannot exist).
    expect(writer.scripts()).toBe(2);
    expect(follower.scripts()).toBe(0);
    expect(follower.sent.filter((name) => name === 'exists')).toEqual([]);

    await sleep(DELAY_MS * 3);
    expect(follower.sent.filter((name) => name === 'exists')).toHaveLength(2);
    expect(follower.scripts()).toBe(0);
    expect([...writer.errors, ...follower.errors]).toEqual([]);
  });

  it('another replica adds a job its writer never did (died after its commit)', async () => {
    const queueName = `expiry-${++queues}`;
    const follower = replicaOn(queueName);
    follower.jobs.applied(create(1, 'lost'));
    expect(await admin.exists(jobKey(queueName, 'lost'))).toBe(0);
    await expect.poll(() => admin.exists(jobKey(queueName, 'lost'))).toBe(1);
    expect(follower.errors).toEqual([]);
  });

  it('forgets a job heard of when the ad is deleted before the check', async () => {
    const queueName = `expiry-${++queues}`;
    const follower = replicaOn(queueName);
    follower.jobs.applied(create(1, 'gone'));
    follower.jobs.applied({ type: 'delete', seq: 2, at: 0, id: 'gone' });
    await sleep(DELAY_MS * 3);
    expect(await admin.exists(jobKey(queueName, 'gone'))).toBe(0);
    expect(follower.sent.filter((name) => name === 'exists')).toEqual([]);
  });
});
