import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrackingUrls, type TrackingUrls } from '../../src/delivery/tracking-urls.js';
import { Cluster, metric } from './cluster.js';
import { adBody, post, tempDir, type Server } from './process.js';
import { impressions3d, spoolDrained } from './tracking-load.js';

const fire = (server: Server, path: string) => fetch(`${server.url}${path}`, { redirect: 'manual' });
const createAd = async (s: Server, i: number) =>
  ((await (await post(s.url, adBody(i))).json()) as { id: string }).id;

/** Waits until every server's 3-day impressions of `ad` are `expected`, and stay so past two flushes. */
async function settledEverywhere(servers: Server[], ad: string, expected: number): Promise<number[]> {
  const deadline = Date.now() + 15_000;
  const read = () => Promise.all(servers.map((s) => impressions3d(s.url, ad)));
  while ((await read()).some((n) => n !== expected) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 800));
  return read();
}

describe('tracking URLs, replicated, as processes', () => {
  const cluster = new Cluster(12, { FLUSH_INTERVAL_MS: '300' });
  const dirs = [tempDir(), tempDir(), tempDir()];
  let replicas: Server[];
  let urls: TrackingUrls;

  beforeAll(async () => {
    await cluster.setup();
    // Three replicas start together with no TRACKING_SECRET: the first one makes the secret.
    replicas = await Promise.all(
      dirs.map((d) => cluster.start({ env: { DATA_DIR: d.path }, readyTimeoutMs: 90_000 })),
    );
    const { rows } = await cluster.pool.query<{ secret: string }>('SELECT secret FROM tracking_secret');
    expect(rows).toHaveLength(1);
    for (const r of replicas) expect(r.output()).not.toContain(rows[0]!.secret);
    urls = createTrackingUrls({ secret: rows[0]!.secret, signer: 4_000_000_001, ttlSeconds: 86_400 });
  });
  afterAll(async () => {
    await cluster.teardown();
    for (const d of dirs) d.remove();
  });

  it('every replica honours URLs signed with the secret the first one made', async () => {
    const ad = await createAd(replicas[0]!, 0);
    await new Promise((r) => setTimeout(r, 300));
    for (const r of replicas) expect((await fire(r, urls.issue(ad, Date.now()).clickUrl)).status).toBe(204);
  });

  it('a fire replayed on the other replicas, together and later, counts once', async () => {
    const ad = await createAd(replicas[0]!, 1);
    await new Promise((r) => setTimeout(r, 300));
    const decisions = Array.from({ length: 40 }, () => urls.issue(ad, Date.now()));
    const answers = await Promise.all(
      decisions.flatMap((d) => replicas.map((r) => fire(r, d.impressionUrl).then((res) => res.status))),
    );
    expect(new Set(answers)).toEqual(new Set([204]));
    expect(await settledEverywhere(replicas, ad, 40)).toEqual([40, 40, 40]);
    for (const d of decisions.slice(0, 10))
      expect((await fire(replicas[2]!, d.impressionUrl)).status).toBe(204);
    expect(await settledEverywhere(replicas, ad, 40)).toEqual([40, 40, 40]);
    const dupes = await Promise.all(
      replicas.map((r) => metric(r, 'adsm_tracking_fires_total{kind="impression",outcome="duplicate"}')),
    );
    expect(dupes.reduce((a, b) => a + b, 0)).toBe(40 * 2 + 10);
  });

  it('kill -9 during a burst of fires: each acknowledged fire counts once after the restart', async () => {
    const dir = tempDir();
    try {
      let victim = await cluster.start({ env: { DATA_DIR: dir.path }, readyTimeoutMs: 90_000 });
      const ad = await createAd(replicas[0]!, 2);
      await new Promise((r) => setTimeout(r, 500));
      const decisions = Array.from({ length: 3000 }, () => urls.issue(ad, Date.now()));
      const acked = new Set<string>();
      const sent = new Set<string>();
      let next = 0;
      let killed = false;
      const worker = async () => {
        while (next < decisions.length && !killed) {
          const d = decisions[next++]!;
          sent.add(d.decisionId);
          const ok = await fire(victim, d.impressionUrl)
            .then((res) => res.status === 204)
            .catch(() => false);
          if (ok) acked.add(d.decisionId);
          if (acked.size >= 400 && !killed) {
            killed = true;
            await victim.stop('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      expect(killed).toBe(true);
      victim = await cluster.start({ env: { DATA_DIR: dir.path }, readyTimeoutMs: 90_000 });
      await spoolDrained(victim.url);
      const counted = await settledEverywhere([victim, ...replicas], ad, acked.size);
      // A fire cut by the kill may or may not have reached the spool; an acknowledged one did.
      for (const n of counted) {
        expect(n).toBeGreaterThanOrEqual(acked.size);
        expect(n).toBeLessThanOrEqual(sent.size);
      }
      // Every acknowledged URL fired again, on another replica: nothing more counts.
      const byId = new Map(decisions.map((d) => [d.decisionId, d]));
      await Promise.all([...acked].map((id) => fire(replicas[1]!, byId.get(id)!.impressionUrl)));
      expect(await settledEverywhere([victim, ...replicas], ad, counted[0]!)).toEqual(
        counted.map(() => counted[0]),
      );
      await victim.stop('SIGKILL');
    } finally {
      dir.remove();
    }
  });
});
