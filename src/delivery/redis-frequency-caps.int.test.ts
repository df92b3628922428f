import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redisClients } from '../../test/support/redis.js';
import { frequencyCapsContract } from './frequency-caps.contract.js';
import { createRedisFrequencyCaps } from './redis-frequency-caps.js';

const DB = 9;
const FILE_PREFIX = `test-caps-${randomUUID()}`;
const { client, clientAt } = redisClients(DB, { keyPrefix: FILE_PREFIX });

frequencyCapsContract('redis', async () => {
  const redis = client();
  await redis.ping();
  const prefix = `${FILE_PREFIX}:${randomUUID()}`;
  return { caps: createRedisFrequencyCaps({ redis, prefix }), cleanup: () => Promise.resolve() };
});

const T0 = Date.UTC(2026, 11, 10, 3);
const cap = { adId: 'a', caps: [{ impressions: 1, seconds: 3600 }] };

describe('redis frequency caps', () => {
  it('one hash per user key, expiring with the longest window recorded', async () => {
    const redis = client();
    await redis.ping();
    const prefix = `${FILE_PREFIX}:${randomUUID()}`;
    const caps = createRedisFrequencyCaps({ redis, prefix });
    const week = { adId: 'b', caps: [{ impressions: 5, seconds: 604_800 }] };
    expect(await caps.take('u', [cap, week], 2, T0)).toEqual([0, 1]);
    const key = `${prefix}:caps:u`;
    expect(await redis.hgetall(key)).toEqual({ a: String(T0), b: String(T0) });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(604_800_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(604_800_000);
  });

  it('takes asked for in one turn go in one call and stay one atomic step each', async () => {
    const redis = client({ enableAutoPipelining: true });
    await redis.ping();
    const prefix = `${FILE_PREFIX}:${randomUUID()}`;
    const caps = createRedisFrequencyCaps({ redis, prefix });
    const twoCaps = {
      adId: 'p',
      caps: [
        { impressions: 5, seconds: 86_400 },
        { impressions: 2, seconds: 3_600 },
      ],
    };
    const free = { adId: 'f', caps: [] };
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => caps.take('u', [twoCaps, free], 1, T0 + i)),
    );
    expect(answers.filter((a) => a[0] === 0)).toHaveLength(2);
    expect(answers.filter((a) => a[0] === 1)).toHaveLength(38);
    expect(await redis.hget(`${prefix}:caps:u`, 'p')).toBe(`${T0},${T0 + 1}`);
    // An hour later the shorter cap has room again; the day's cap of 5 still counts both.
    const later = T0 + 3_600_000 + 2;
    const again = await Promise.all(Array.from({ length: 10 }, () => caps.take('u', [twoCaps], 1, later)));
    expect(again.filter((a) => a.length === 1)).toHaveLength(2);
  });

  it('takes for several user keys in one turn each get their own answer', async () => {
    const redis = client();
    await redis.ping();
    const prefix = `${FILE_PREFIX}:${randomUUID()}`;
    const caps = createRedisFrequencyCaps({ redis, prefix });
    const free = { adId: 'f', caps: [] };
    const answers = await Promise.all([
      caps.take('u1', [cap, free], 2, T0),
      caps.take('u2', [free, cap], 1, T0),
      caps.take('u1', [cap, free, { adId: 'g', caps: [] }], 2, T0),
      caps.take('u3', [], 1, T0),
    ]);
    expect(answers).toEqual([[0, 1], [0], [1, 2], []]);
    expect(await redis.exists(`${prefix}:caps:u2`)).toBe(0);
  });

  it('sends the script again after Redis forgot it', async () => {
    const redis = client();
    await redis.ping();
    const prefix = `${FILE_PREFIX}:${randomUUID()}`;
    const caps = createRedisFrequencyCaps({ redis, prefix });
    expect(await caps.take('u', [cap], 1, T0)).toEqual([0]);
    await redis.script('FLUSH');
    expect(await caps.take('u', [cap], 1, T0 + 1)).toEqual([]);
    expect(await caps.take('v', [cap], 1, T0 + 1)).toEqual([0]);
  });

  it('rejects at once while Redis is unreachable, and within the timeout when it does not answer', async () => {
    const down = clientAt(1); // nothing listens on port 1
    const caps = createRedisFrequencyCaps({ redis: down, prefix: FILE_PREFIX });
    await expect(caps.take('u', [cap], 1, T0)).rejects.toThrow(/redis is/);

    const net = await import('node:net');
    const silent = net.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const stuck = clientAt(port);
    await new Promise((resolve) => stuck.once('connect', resolve));
    (stuck as unknown as { status: string }).status = 'ready';
    const slow = createRedisFrequencyCaps({ redis: stuck, prefix: FILE_PREFIX, timeoutMs: 100 });
    const started = Date.now();
    await expect(slow.take('u', [cap], 1, T0)).rejects.toThrow(/in time/);
    expect(Date.now() - started).toBeLessThan(2_000);
    stuck.disconnect();
    silent.close();
  });
});
