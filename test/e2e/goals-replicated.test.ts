import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, sleep } from './cluster.js';
import { tempDir, type Server } from './process.js';
import { createAd, decisionLoad, eventually, settled, statusOn } from './goals-load.js';
import { tcpProxy } from './tracking-load.js';

/** Serves a crashed process can leave granted and unused, per ad (the documented bound). */
const BLOCK = 20;

describe('impressions goals across three replicas, as processes', () => {
  const cluster = new Cluster(3, { RESERVATION_BLOCK: String(BLOCK), LOG_LEVEL: 'warn' });
  let replicas: Server[];

  beforeAll(async () => {
    await cluster.setup();
    replicas = await Promise.all([0, 1, 2].map(() => cluster.start({ readyTimeoutMs: 90_000 })));
  });
  afterAll(async () => {
    await cluster.teardown();
  });

  it('goals of 1,000 and 10 under concurrent decisions on every replica: served exactly, then completed everywhere', async () => {
    const big = await createAd(replicas[0]!, { impressions: 1000 });
    const small = await createAd(replicas[1]!, { impressions: 10 });
    const free = await createAd(replicas[2]!, {});
    await sleep(300);
    const load = decisionLoad(() => replicas, 24);
    await settled(load.served, [big, small], 3000, 60_000);
    await load.stop();
    expect(load.errors()).toBe(0);
    expect(load.served.get(big)).toBe(1000);
    expect(load.served.get(small)).toBe(10);
    expect(load.served.get(free)).toBe(load.answers());
    for (const r of replicas) {
      expect(await eventually(async () => (await statusOn(r, big)) === 'completed', 10_000)).toBe(true);
      expect(await eventually(async () => (await statusOn(r, small)) === 'completed', 10_000)).toBe(true);
    }
    const report = (await (await fetch(`${replicas[1]!.url}/api/v1/ad/${big}/delivery`)).json()) as {
      served: { total: number };
      remaining: { impressions: number };
      pacing: { state: string };
    };
    expect(report).toMatchObject({
      served: { total: 1000 },
      remaining: { impressions: 0 },
      pacing: { state: 'done' },
    });
    // A reservation costs one store round trip per block, never one per decision.
    let grants = 0;
    for (const r of replicas) {
      const text = await (await fetch(`${r.url}/metrics`)).text();
      for (const m of text.matchAll(/^adsm_budget_store_calls_total\{kind="grant"\} (\d+)/gm))
        grants += Number(m[1]);
    }
    expect(grants).toBeLessThan((1000 + 10) / 2);
  });

  it('kill -9 of a replica mid-run: served never passes the goal, short of it by at most one block', async () => {
    const victim = await cluster.start({ readyTimeoutMs: 90_000 });
    const all = [...replicas, victim];
    const id = await createAd(replicas[0]!, { impressions: 1000 });
    await sleep(300);
    let alive: Server[] = all;
    const load = decisionLoad(() => alive, 24, 1);
    await new Promise<void>((resolve) => {
      load.onServed.push((ad, n) => {
        if (ad === id && n >= 400 && alive.length === 4) {
          alive = replicas;
          void victim.stop('SIGKILL').then(() => resolve());
        }
      });
    });
    await settled(load.served, [id], 3000, 60_000);
    await load.stop();
    const served = load.served.get(id) ?? 0;
    expect(served).toBeLessThanOrEqual(1000);
    expect(served).toBeGreaterThanOrEqual(1000 - BLOCK);
  });

  it('Redis flushed mid-run: served never passes the goal', async () => {
    const id = await createAd(replicas[0]!, { impressions: 1000 });
    await sleep(300);
    const load = decisionLoad(() => replicas, 24, 1);
    await new Promise<void>((resolve) => {
      let flushed = false;
      load.onServed.push((ad, n) => {
        if (ad === id && n >= 300 && !flushed) {
          flushed = true;
          void deletePrefix(cluster).then(() => resolve());
        }
      });
    });
    await settled(load.served, [id], 3000, 60_000);
    await load.stop();
    const served = load.served.get(id) ?? 0;
    expect(served).toBeLessThanOrEqual(1000);
    expect(served).toBeGreaterThanOrEqual(1000 - 3 * BLOCK);
  });
});

/** Deletes every key of the cluster's prefix: what a Redis that restarted empty leaves. */
async function deletePrefix(cluster: Cluster): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await cluster.redis.scan(cursor, 'MATCH', `${cluster.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await cluster.redis.del(...keys);
  } while (cursor !== '0');
}

describe('impressions goals while Postgres is unreachable', () => {
  const cluster = new Cluster(3, { RESERVATION_BLOCK: String(BLOCK), LOG_LEVEL: 'error' });
  const dir = tempDir();
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let server: Server;

  beforeAll(async () => {
    await cluster.setup();
    proxy = await tcpProxy(5432);
    const url = new URL(cluster.databaseUrl);
    url.port = String(proxy.port);
    server = await cluster.start({ env: { DATA_DIR: dir.path, DATABASE_URL: url.toString() } });
  });
  afterAll(async () => {
    await cluster.teardown();
    await proxy.close();
    dir.remove();
  });

  it('decisions go on from what was reserved, never beyond; then on to the goal once it is back', async () => {
    const id = await createAd(server, { impressions: 500 });
    const other = await createAd(server, {});
    await sleep(300);
    const load = decisionLoad(() => [server], 8, 2);
    while ((load.served.get(id) ?? 0) < 100) await sleep(20);
    proxy.down();
    const atOutage = load.served.get(id) ?? 0;
    await sleep(5000);
    const during = (load.served.get(id) ?? 0) - atOutage;
    // The other ad (no goal) is served all along.
    const otherBefore = load.served.get(other) ?? 0;
    await sleep(1000);
    expect((load.served.get(other) ?? 0) - otherBefore).toBeGreaterThan(0);
    proxy.up();
    await settled(load.served, [id], 3000, 60_000);
    await load.stop();
    // At most one block was held when the store went away (and grants in flight were cut).
    expect(during).toBeLessThanOrEqual(BLOCK);
    const served = load.served.get(id) ?? 0;
    expect(served).toBeLessThanOrEqual(500);
    expect(served).toBeGreaterThanOrEqual(500 - BLOCK);
  });
});
