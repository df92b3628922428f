import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { redisClients } from '../../test/support/redis.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, entry, logContract } from './log.contract.js';
import { createRedisStreamLog, type RedisStreamLog, type RedisStreamLogDeps } from './redis-stream-log.js';

/** This file's own database: its tests FLUSHDB it. */
const DB = 11;
const FILE_PREFIX = `test-${randomUUID()}`;
let counter = 0;

const { client, clientAt } = redisClients(DB, { keyPrefix: FILE_PREFIX });
const admin = client();

/** A port nothing listens on (right after this call). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

const eventually = (check: () => Promise<void> | void) =>
  vi.waitFor(check, { timeout: 10_000, interval: 20 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Made {
  log: RedisStreamLog;
  prefix: string;
  readers: Redis[];
}

function makeLog(prefix: string, overrides: Partial<RedisStreamLogDeps> = {}): Made {
  const readers: Redis[] = [];
  const log = createRedisStreamLog({
    redis: client(),
    createReader: () => {
      const reader = client({ maxRetriesPerRequest: null, connectionName: `${prefix}-reader` });
      readers.push(reader);
      return reader;
    },
    prefix,
    maxLen: 10_000,
    blockMs: 200,
    ...overrides,
  });
  return { log, prefix, readers };
}

const nextPrefix = () => `${FILE_PREFIX}:${++counter}`;

logContract('redis stream', () => {
  const prefix = nextPrefix();
  const a = makeLog(prefix);
  const b = makeLog(prefix);
  return Promise.resolve({
    log: a.log,
    peer: b.log,
    cleanup: async () => {
      await Promise.all([a.log.close(), b.log.close()]);
    },
  });
});

describe('redis stream log', () => {
  const made: Made[] = [];
  const make = (overrides: Partial<RedisStreamLogDeps> = {}) => {
    const m = makeLog(nextPrefix(), overrides);
    made.push(m);
    return m;
  };
  afterEach(async () => {
    await Promise.all(made.splice(0).map((m) => m.log.close()));
  });

  it('keeps the stream bounded with MAXLEN ~', async () => {
    const { log, prefix } = make({ maxLen: 50 });
    for (let seq = 1; seq <= 1000; seq++) await log.publish([entry(seq)]);
    const length = await admin.xlen(`${prefix}:log`);
    // Approximate trimming removes whole nodes (100 records each by default).
    expect(length).toBeGreaterThanOrEqual(50);
    expect(length).toBeLessThanOrEqual(150);
    expect(await log.lastSeq()).toBe(1000);
  });

  it('reports the highest seq among the newest records', async () => {
    const { log } = make();
    expect(await log.lastSeq()).toBe(0);
    await log.publish([entry(1)]);
    await log.publish([entry(3)]);
    await log.publish([entry(2)]);
    expect(await log.lastSeq()).toBe(3);
  });

  it('stores seq as a field and the entry as JSON', async () => {
    const { log, prefix } = make();
    await log.publish([entry(7)]);
    const [record] = await admin.xrange(`${prefix}:log`, '-', '+');
    expect(record?.[1]).toEqual(['seq', '7', 'e', JSON.stringify(entry(7))]);
  });

  it('calls onReset after FLUSHDB and resumes delivery', async () => {
    const { log, prefix } = make();
    const sub = await collect(log);
    await log.publish([entry(1)]);
    await eventually(() => expect(sub.seqs).toEqual([1]));
    await admin.flushdb();
    await eventually(() => expect(sub.resets).toBe(1));
    expect(await admin.exists(`${prefix}:epoch`)).toBe(1);
    await log.publish([entry(2)]);
    await eventually(() => expect(sub.seqs).toEqual([1, 2]));
    expect(sub.resets).toBe(1);
  });

  it('calls onReset when FLUSHDB is followed at once by new records', async () => {
    const { log } = make();
    const sub = await collect(log);
    await log.publish([entry(1)]);
    await eventually(() => expect(sub.seqs).toEqual([1]));
    await admin.flushdb();
    await log.publish([entry(2)]);
    await eventually(() => expect(sub.resets).toBeGreaterThanOrEqual(1));
    await log.publish([entry(3)]);
    await eventually(() => expect(sub.seqs.at(-1)).toBe(3));
  });

  it('calls onReset when the stream disappears or its last id goes backwards', async () => {
    const { log, prefix } = make();
    const sub = await collect(log);
    await log.publish([entry(1)]);
    await eventually(() => expect(sub.seqs).toEqual([1]));
    await admin.del(`${prefix}:log`);
    await eventually(() => expect(sub.resets).toBe(1));

    await log.publish([entry(2)]);
    await eventually(() => expect(sub.seqs).toEqual([1, 2]));
    await admin.multi().del(`${prefix}:log`).xadd(`${prefix}:log`, '1-1', 'seq', 9, 'e', '{}').exec();
    await eventually(() => expect(sub.resets).toBe(2));
    await log.publish([entry(3)]);
    await eventually(() => expect(sub.seqs).toEqual([1, 2, 3]));
  });

  it('recovers a reader whose connection is killed on the server, and calls onReset', async () => {
    const { log, prefix } = make();
    const sub = await collect(log);
    await log.publish([entry(1)]);
    await eventually(() => expect(sub.seqs).toEqual([1]));
    const list = String(await admin.client('LIST'));
    const id = /id=(\d+) .*name=(\S+)/.exec(
      list.split('\n').find((l) => l.includes(`name=${prefix}-reader`)) ?? '',
    );
    expect(id?.[1]).toBeDefined();
    await admin.client('KILL', 'ID', id?.[1] ?? '');
    await eventually(() => expect(sub.resets).toBe(1));
    await log.publish([entry(2)]);
    await eventually(() => expect(sub.seqs).toEqual([1, 2]));
  });

  it('replaces a reader that is disconnected, and calls onReset', async () => {
    const m = make();
    const sub = await collect(m.log);
    await eventually(() => expect(m.readers).toHaveLength(1));
    m.readers[0]?.disconnect();
    await m.log.publish([entry(1)]);
    await eventually(() => expect(sub.resets).toBe(1));
    await eventually(() => expect(sub.seqs).toEqual([1]));
    expect(m.readers).toHaveLength(2);
  });

  describe('with a reader whose read never returns', () => {
    let server: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('replaces the reader after blockMs plus the margin, and calls onReset', async () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      let made = 0;
      const m = make({
        watchdogMarginMs: 300,
        createReader: () => (++made === 1 ? clientAt(port) : client({ maxRetriesPerRequest: null })),
      });
      const sub = await collect(m.log);
      await m.log.publish([entry(1)]);
      await sleep(100);
      expect(sub.seqs).toEqual([]);
      await eventually(() => expect(sub.seqs).toEqual([1]));
      await eventually(() => expect(sub.resets).toBe(1));
      expect(made).toBe(2);
    });
  });

  it('never throws or crashes while Redis is unreachable', async () => {
    const port = await freePort();
    const unreachable = () => clientAt(port);
    const log = createRedisStreamLog({
      redis: unreachable(),
      createReader: unreachable,
      prefix: nextPrefix(),
      maxLen: 100,
      blockMs: 100,
      commandTimeoutMs: 200,
      watchdogMarginMs: 100,
      logger: { warn: () => undefined, error: () => undefined },
    });
    await expect(log.publish([entry(1)])).rejects.toThrow(/did not complete/);
    await expect(log.lastSeq()).rejects.toThrow();
    const sub = log.subscribe({ onEntries: () => undefined });
    await sleep(600);
    await sub.close();
    await expect(sub.ready).resolves.toBeUndefined();
    await log.close();
  });

  // Reason for skipIf: this case starts its own redis-server binary, which a machine may lack.
  describe.skipIf(!hasRedisServer)('with a Redis server that restarts empty', () => {
    let server: ChildProcess | undefined;
    let port = 0;
    const startServer = () =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
    const stopServer = async () => {
      if (!server || server.exitCode !== null) return;
      server.kill('SIGKILL');
      await once(server, 'exit');
    };
    afterAll(stopServer);

    it('calls onReset and resumes delivery on the same connections', async () => {
      port = await freePort();
      server = startServer();
      const redis = clientAt(port);
      await eventually(() => expect(redis.status).toBe('ready'));
      const log = createRedisStreamLog({
        redis,
        createReader: () => clientAt(port),
        prefix: nextPrefix(),
        maxLen: 1000,
        blockMs: 200,
        watchdogMarginMs: 300,
        commandTimeoutMs: 500,
        logger: { warn: () => undefined, error: () => undefined },
      });
      const sub = await collect(log);
      await log.publish([entry(1)]);
      await eventually(() => expect(sub.seqs).toEqual([1]));

      await stopServer();
      await sleep(300);
      server = startServer();
      await eventually(() => expect(sub.resets).toBeGreaterThanOrEqual(1));
      await eventually(async () => {
        await log.publish([entry(2)]);
        expect(sub.seqs.at(-1)).toBe(2);
      });
      await log.close();
    });
  });
});
