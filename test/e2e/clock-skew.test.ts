import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, publicView, sleep } from './cluster.js';
import { adBody, post, type Server } from './process.js';

/** libfaketime, preloaded into one replica so that its clock runs 30 s ahead (Debian's `faketime`). */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const AHEAD_MS = 30_000;

const cluster = new Cluster(9);
let normal: Server;
let fast: Server;

beforeAll(async () => {
  if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: install the faketime package`);
  await cluster.setup();
  normal = await cluster.start();
  fast = await cluster.start({
    env: { LD_PRELOAD: LIBFAKETIME, FAKETIME: `+${AHEAD_MS / 1000}s`, DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' },
  });
});
afterAll(() => cluster.teardown());

const logRows = async () =>
  (await cluster.pool.query<{ seq: string; type: string; at: string; id: string }>(
    `SELECT seq, entry->>'type' AS type, at, coalesce(entry->'ad'->>'id', entry->>'id') AS id FROM log ORDER BY seq`,
  )).rows.map((r) => ({ type: r.type, at: Number(r.at), id: r.id }));

describe('a replica whose clock runs 30 s ahead (libfaketime)', () => {
  it('stamps nothing in the future and expires nothing before its endAt, on any replica', async () => {
    // The preload took: the fast replica's log lines carry its own (future) time.
    const fastTime = Number(/"time":(\d+)/.exec(fast.output())?.[1]);
    expect(fastTime - Date.now()).toBeGreaterThan(AHEAD_MS - 10_000);

    const endAt = Date.now() + 6_000;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await post(fast.url, adBody(i, { endAt: new Date(endAt).toISOString() }));
      expect(res.status, await res.clone().text()).toBe(201);
      const ad = (await res.json()) as { id: string; createdAt: string };
      expect(Math.abs(Date.parse(ad.createdAt) - Date.now())).toBeLessThan(3_000);
      ids.push(ad.id);
    }

    // The fast replica's expiry jobs fire ~30 s early; the store's clock refuses them.
    await sleep(3_000);
    expect((await logRows()).filter((r) => r.type === 'expire')).toEqual([]);
    expect((await publicView(normal)).map((a) => a.id).sort()).toEqual([...ids].sort());

    // Past endAt every ad is expired, each by an entry stamped at or after its endAt.
    const deadline = endAt + 60_000;
    let expired: { at: number }[] = [];
    while (Date.now() < deadline) {
      expired = (await logRows()).filter((r) => r.type === 'expire');
      if (expired.length === ids.length) break;
      await sleep(250);
    }
    expect(expired).toHaveLength(ids.length);
    for (const e of expired) expect(e.at).toBeGreaterThanOrEqual(endAt);
    const rows = await logRows();
    for (const r of rows) expect(r.at).toBeLessThanOrEqual(Date.now() + 1_000);
  });
});
