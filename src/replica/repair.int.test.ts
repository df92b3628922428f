import { commitOne } from '../store/store.contract.js';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLocalLock } from '../lock/local-lock.js';
import { createRedisStreamLog, type RedisStreamLog } from '../log/redis-stream-log.js';
import type { Entry } from '../statemachine/entries.js';
import { createMemoryStore, type MemoryStore } from '../store/memory-store.js';
import { createRepairLoop, type RepairLoop } from './repair.js';
import { redisClients } from '../../test/support/redis.js';

const DB = 13;
const PREFIX = `test-${randomUUID()}`;
let counter = 0;

const { client } = redisClients(DB, { keyPrefix: PREFIX });
const redis = client();

const eventually = (check: () => Promise<void> | void) =>
  vi.waitFor(check, { timeout: 10_000, interval: 20 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Commits `n` entries to the store, as writers that die before publishing would. */
async function commit(store: MemoryStore, n: number): Promise<Entry[]> {
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const e = await commitOne(store, { afterSeq: 0 }, ({ head }) => ({
      type: 'delete',
      seq: head + 1,
      at: 1_700_000_000_000 + head,
      id: `ad-${head + 1}`,
    }));
    if (e) out.push(e);
  }
  return out;
}

describe('repair loop', () => {
  let log: RedisStreamLog;
  let store: MemoryStore;
  let prefix: string;
  const loops: RepairLoop[] = [];
  const streamSeqs = async () =>
    (await redis.xrange(`${prefix}:log`, '-', '+')).map(([, fields]) => Number(fields[1]));

  const setup = (intervalMs: number, maxBatch?: number) => {
    prefix = `${PREFIX}:${++counter}`;
    store = createMemoryStore();
    log = createRedisStreamLog({ redis, createReader: () => redis.duplicate(), prefix, maxLen: 10_000 });
    const loop = createRepairLoop({
      store,
      log,
      intervalMs,
      maxBatch,
      lastPublishedSeq: () => log.lastSeq(),
    });
    loops.push(loop);
    return loop;
  };
  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
    await log.close();
  });

  it('publishes committed entries that were never published, in order, once', async () => {
    setup(30);
    await commit(store, 5);
    await eventually(async () => expect(await streamSeqs()).toEqual([1, 2, 3, 4, 5]));
    await sleep(200);
    expect(await streamSeqs()).toEqual([1, 2, 3, 4, 5]);

    await commit(store, 3);
    await eventually(async () => expect(await streamSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]));
    await sleep(200);
    expect(await streamSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('publishes only the tail after the last published seq', async () => {
    const loop = setup(0);
    const entries = await commit(store, 5);
    await log.publish(entries.slice(0, 3));
    expect(await loop.runOnce()).toBe(2);
    expect(await loop.runOnce()).toBe(0);
    expect(await streamSeqs()).toEqual([1, 2, 3, 4, 5]);
    const [, fields] = (await redis.xrevrange(`${prefix}:log`, '+', '-', 'COUNT', 1))[0] ?? [];
    expect(JSON.parse(fields?.[3] ?? 'null')).toEqual(entries[4]);
  });

  it('closes a long gap with its newest maxBatch entries', async () => {
    const loop = setup(0, 4);
    await commit(store, 10);
    expect(await loop.runOnce()).toBe(4);
    expect(await streamSeqs()).toEqual([7, 8, 9, 10]);
  });

  it('runs under the writers lock when given one', async () => {
    const loop = setup(0);
    const lock = createLocalLock();
    const locked = createRepairLoop({
      store,
      log,
      intervalMs: 0,
      lock,
      lastPublishedSeq: () => log.lastSeq(),
    });
    await commit(store, 2);
    let release!: () => void;
    const writer = lock.run(() => new Promise<void>((resolve) => (release = resolve)));
    const repaired = locked.runOnce();
    await sleep(50);
    expect(await streamSeqs()).toEqual([]);
    release();
    await writer;
    expect(await repaired).toBe(2);
    expect(await loop.runOnce()).toBe(0);
  });

  it('reports a failing run and keeps going', async () => {
    prefix = `${PREFIX}:${++counter}`;
    store = createMemoryStore();
    log = createRedisStreamLog({ redis, createReader: () => redis.duplicate(), prefix, maxLen: 10_000 });
    const errors: unknown[] = [];
    let fail = true;
    loops.push(
      createRepairLoop({
        store,
        log,
        intervalMs: 20,
        onError: (err) => errors.push(err),
        lastPublishedSeq: () => (fail ? Promise.reject(new Error('redis down')) : log.lastSeq()),
      }),
    );
    await commit(store, 2);
    await eventually(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    fail = false;
    await eventually(async () => expect(await streamSeqs()).toEqual([1, 2]));
  });
});
