import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, sleep } from './cluster.js';
import type { Server } from './process.js';
import { createAd, decisionLoad, eventually, settled, statusOn } from './goals-load.js';
import { outageSetup } from './tracking-load.js';

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

  it('even pacing across replicas: served never above the contract line when an answer arrives', async () => {
    const goal = 300;
    const p0 = Date.now() - 1000;
    const p1 = p0 + 31_000;
    const id = await createAd(
      replicas[0]!,
      { impressions: goal },
      { startAt: new Date(p0).toISOString(), endAt: new Date(p1).toISOString(), pacing: 'even' },
    );
    const over: string[] = [];
    const load = decisionLoad(() => replicas, 12, 1);
    // A serve is made before its answer arrives, so the line at the arrival bounds it; 200 ms
    // allow for this test's clock against the store's.
    load.onServed.push((ad, n, at) => {
      const line = Math.ceil((goal * (at + 200 - p0)) / (p1 - p0)) + Math.max(1, Math.ceil(goal / 100));
      if (ad === id && n > line) over.push(`${n} served at ${at - p0} ms, line ${line}`);
    });
    const half = p0 + (p1 - p0) / 2;
    await sleep(half - Date.now());
    const atHalf = load.served.get(id) ?? 0;
    await sleep(p1 + 500 - Date.now());
    await load.stop();
    expect(over).toEqual([]);
    // Spread over the flight, not burnt in its first seconds; nearly all of it by the end.
    expect(atHalf).toBeLessThanOrEqual(goal / 2 + 3 + 2);
    expect(atHalf).toBeGreaterThan(goal / 2 - 30);
    expect(load.served.get(id) ?? 0).toBeGreaterThan(goal - 20);
  });

  it('a clicks goal counted on one replica stops decisions on every replica within 15 s', async () => {
    const id = await createAd(replicas[0]!, { clicks: 3 });
    await sleep(300);
    const chosen = async (s: Server) => {
      const res = await fetch(`${s.url}/api/v1/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count: 20 }),
      });
      return ((await res.json()) as { decisions: { adId: string }[] }).decisions.map((d) => d.adId);
    };
    for (const r of replicas) expect(await chosen(r)).toContain(id);
    const res = await fetch(`${replicas[2]!.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ type: 'click', adId: id, count: 3 }]),
    });
    expect(res.status).toBe(202);
    const counted = Date.now();
    for (const r of replicas) {
      expect(
        await eventually(async () => !(await chosen(r)).includes(id), 15_000 - (Date.now() - counted)),
      ).toBe(true);
      expect(await statusOn(r, id)).toBe('completed');
    }
    expect(Date.now() - counted).toBeLessThan(15_000);
  });

  it('kill -9 of a replica mid-run: served never passes the goal, short of it by at most one block', async () => {
    const victim = await cluster.start({ readyTimeoutMs: 90_000 });
    const all = [...replicas, victim];
    const id = await createAd(replicas[0]!, { impressions: 1000 });
    await sleep(300);
    let alive: Server[] = all;
    let inFlight = 0;
    const load = decisionLoad(() => alive, 24, 1);
    await new Promise<void>((resolve) => {
      load.onServed.push((ad, n) => {
        if (ad === id && n >= 400 && alive.length === 4) {
          alive = replicas;
          // Decisions the victim made whose answers never left it are spent without being seen.
          inFlight = load.pending(victim);
          void victim.stop('SIGKILL').then(() => resolve());
        }
      });
    });
    await settled(load.served, [id], 3000, 60_000);
    await load.stop();
    const served = load.served.get(id) ?? 0;
    expect(served).toBeLessThanOrEqual(1000);
    expect(served).toBeGreaterThanOrEqual(1000 - BLOCK - inFlight);
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
          void cluster.deleteKeys().then(() => resolve());
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

describe('impressions goals while Postgres is unreachable', () => {
  const behind = outageSetup(new Cluster(3, { RESERVATION_BLOCK: String(BLOCK), LOG_LEVEL: 'error' }));

  it('decisions go on from what was reserved, never beyond; then on to the goal once it is back', async () => {
    const { proxy, server } = behind();
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
