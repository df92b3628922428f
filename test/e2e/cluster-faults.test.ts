import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adBody, getJson, post, type Server } from './process.js';
import { Cluster, converged, publicView, sleep } from './cluster.js';

let cluster: Cluster;
beforeEach(async () => {
  cluster = new Cluster(7, { LOCK_TTL_MS: '500', SNAPSHOT_EVERY: '500' });
  await cluster.setup();
});
afterEach(() => cluster.teardown());

type AdJson = { id: string; version: number; title: string };

/** Keeps creating ads on `server` until stopped; records every acknowledged one. */
function writer(server: Server, acked: Map<string, AdJson>, tag: number) {
  let stop = false;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        const res = await post(server.url, adBody(tag * 100_000 + i));
        if (res.status === 201) {
          const ad = (await res.json()) as AdJson;
          acked.set(ad.id, ad);
        }
      } catch {
        await sleep(50);
      }
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

async function expectAllPresent(servers: Server[], acked: Map<string, AdJson>): Promise<void> {
  for (const s of servers) {
    const ids = new Set((await publicView(s)).map((a) => a.id));
    for (const id of acked.keys()) expect(ids.has(id), `${id} on ${s.url}`).toBe(true);
  }
}

describe('replicated mode under faults', () => {
  it('kill -9 a replica mid-traffic, keep writing, restart it: it converges and loses nothing acknowledged', async () => {
    const [a, b, c] = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
    const acked = new Map<string, AdJson>();
    const writers = [writer(a, acked, 1), writer(b, acked, 2), writer(c, acked, 3)];
    await sleep(1500);
    c.child.kill('SIGKILL');
    await c.exited;
    await sleep(1500);
    const c2 = await cluster.start({ port: c.port });
    await sleep(1000);
    await Promise.all(writers.map((w) => w.stop()));
    await converged(cluster, [a, b, c2]);
    expect(acked.size).toBeGreaterThan(50);
    await expectAllPresent([a, b, c2], acked);
  });

  it('Redis wiped mid-traffic: writes keep working, replicas converge, expiry still happens', async () => {
    const servers = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
    const soon = (await (
      await post(servers[0].url, adBody(1, { endAt: new Date(Date.now() + 4000).toISOString() }))
    ).json()) as AdJson;
    const acked = new Map<string, AdJson>();
    const writers = servers.map((s, i) => writer(s, acked, i + 1));
    await sleep(1000);
    await cluster.redis.flushdb();
    const countAtWipe = acked.size;
    await sleep(2500);
    await Promise.all(writers.map((w) => w.stop()));
    expect(acked.size).toBeGreaterThan(countAtWipe);
    await converged(cluster, servers);
    await expectAllPresent(servers, acked);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await cluster.pool.query<{ expired: boolean }>(
        'SELECT expired FROM ads WHERE id = $1',
        [soon.id],
      );
      if (rows[0]?.expired) break;
      if (Date.now() > deadline) throw new Error('expiry did not happen after the wipe');
      await sleep(250);
    }
    await converged(cluster, servers);
    for (const s of servers)
      expect((await getJson<{ status: string }>(`${s.url}/api/v1/ad/${soon.id}`)).body.status).toBe(
        'expired',
      );
  });

  it('a lock holder paused past its lease while another replica writes: no lost or reordered updates', async () => {
    const [a, b] = await Promise.all([cluster.start(), cluster.start()]);
    const ad = (await (await post(a.url, adBody(1))).json()) as AdJson;
    await converged(cluster, [a, b]);
    // Both replicas update the same ad as fast as they can; a is paused in the middle.
    const acked: { server: string; version: number }[] = [];
    let stop = false;
    const updater = async (s: Server) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${s.url}/api/v1/ad/${ad.id}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(adBody(1, { title: `${s.port}-${i}` })),
          });
          if (res.status === 200)
            acked.push({ server: s.url, version: ((await res.json()) as AdJson).version });
        } catch {
          await sleep(20);
        }
      }
    };
    const runs = [updater(a), updater(b)];
    await sleep(800);
    a.child.kill('SIGSTOP');
    await sleep(1500);
    a.child.kill('SIGCONT');
    await sleep(800);
    stop = true;
    await Promise.all(runs);
    await converged(cluster, [a, b]);
    // Every acknowledged version is distinct: no two writes won the same version.
    const versions = acked.map((x) => x.version);
    expect(new Set(versions).size).toBe(versions.length);
    // The log's order is the version order for this ad.
    const { rows } = await cluster.pool.query<{ seq: string; entry: { type: string; ad?: AdJson } }>(
      'SELECT seq, entry FROM log ORDER BY seq',
    );
    const logVersions = rows.filter((r) => r.entry.ad?.id === ad.id).map((r) => r.entry.ad!.version);
    expect(logVersions).toEqual([...logVersions].sort((x, y) => x - y));
    expect(logVersions.at(-1)).toBe(Math.max(...versions));
    for (const s of [a, b]) {
      expect((await getJson<AdJson>(`${s.url}/api/v1/ad/${ad.id}`)).body.version).toBe(Math.max(...versions));
    }
  });

  it('a late joiner catches up from a snapshot after thousands of writes', async () => {
    const a = await cluster.start();
    const batch = async (from: number) => {
      for (let i = from; i < from + 250; i++) expect((await post(a.url, adBody(i))).status).toBe(201);
    };
    await Promise.all(Array.from({ length: 8 }, (_, k) => batch(k * 250)));
    await sleep(500);
    const { rows } = await cluster.pool.query<{ seq: string }>('SELECT max(seq) AS seq FROM snapshots');
    expect(Number(rows[0]?.seq ?? 0)).toBeGreaterThanOrEqual(1500);
    const started = Date.now();
    const late = await cluster.start();
    const readyIn = Date.now() - started;
    await converged(cluster, [a, late]);
    expect((await publicView(late)).length).toBe(2000);
    expect(readyIn).toBeLessThan(30_000);
  });
});
