import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.js';
import { adBody, post, tempDir, type Server } from './process.js';
import { eventLoad, impressions3d, outageSetup, spoolDrained } from './tracking-load.js';

const events = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const createAd = async (s: Server, i = 0) =>
  ((await (await post(s.url, adBody(i))).json()) as { id: string }).id;

describe('delivery tracking, replicated, as processes', () => {
  const cluster = new Cluster(11, { EVENTS_RATE_LIMIT: '100', FLUSH_INTERVAL_MS: '500' });
  const dirs = [tempDir(), tempDir()];
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    await cluster.setup();
    a = await cluster.start({ env: { DATA_DIR: dirs[0]!.path } });
    b = await cluster.start({ env: { DATA_DIR: dirs[1]!.path } });
  });
  afterAll(async () => {
    await cluster.teardown();
    for (const d of dirs) d.remove();
  });

  it('an Idempotency-Key retried on another replica replays the first answer and counts once', async () => {
    const ad = await createAd(a);
    await new Promise((r) => setTimeout(r, 300));
    const body = [{ type: 'click', adId: ad, count: 3 }];
    const first = await events(a.url, body, { 'idempotency-key': 'retry-me' });
    expect(first.status).toBe(202);
    const again = await events(b.url, body, { 'idempotency-key': 'retry-me' });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect(
      (await events(b.url, [{ type: 'click', adId: ad }], { 'idempotency-key': 'retry-me' })).status,
    ).toBe(422);
    const stats = (await (await fetch(`${b.url}/api/v1/ad/${ad}/stats`)).json()) as {
      clicks: { '5m': number };
    };
    expect(stats.clicks['5m']).toBe(3);
  });

  it('EVENTS_RATE_LIMIT holds for the whole cluster: budget spent on one replica is spent on the other', async () => {
    const ad = await createAd(a, 1);
    await new Promise((r) => setTimeout(r, 300));
    const sixty = Array.from({ length: 60 }, () => ({ type: 'impression', adId: ad }));
    // A Redis call slower than the limiter's timeout (250 ms; a loaded machine has such moments)
    // is answered by the replica's own budget, as documented, and then b accepts. A shared budget
    // refuses in one of three fresh seconds; a budget per replica never does.
    let refused: Response | undefined;
    for (let attempt = 0; attempt < 3 && refused?.status !== 429; attempt++) {
      // Wait for the start of a fresh second so both requests fall in one window.
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
      expect((await events(a.url, sixty)).status).toBe(202);
      refused = await events(b.url, sixty);
    }
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it("every replica sees the others' counts within 10 seconds", async () => {
    const ad = await createAd(a, 2);
    // The previous test spent this client's budget for the current second.
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await events(a.url, [{ type: 'impression', adId: ad, count: 7 }])).status).toBe(202);
    expect(await impressions3d(a.url, ad)).toBe(7);
    const deadline = Date.now() + 10_000;
    while ((await impressions3d(b.url, ad)) !== 7 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await impressions3d(b.url, ad)).toBe(7);
  });
});

describe('delivery tracking while Postgres is unreachable', () => {
  const cluster = new Cluster(12, { FLUSH_INTERVAL_MS: '500' });
  const behind = outageSetup(cluster);

  it('~20 s without Postgres under load: events keep being accepted, then stored exactly once', async () => {
    const { proxy, server } = behind();
    const ads: string[] = [];
    for (let i = 0; i < 8; i++) ads.push(await createAd(server, i));
    const load = eventLoad(() => server.url, ads, 10);
    await new Promise((r) => setTimeout(r, 1_500));
    proxy.down();
    const before = new Map(load.score.statuses);
    await new Promise((r) => setTimeout(r, 20_000));
    const during = (load.score.statuses.get(202) ?? 0) - (before.get(202) ?? 0);
    proxy.up();
    await new Promise((r) => setTimeout(r, 3_000));
    const score = await load.stop();
    expect(during, JSON.stringify([...score.statuses])).toBeGreaterThan(100);
    await spoolDrained(server.url, 60_000);
    for (const ad of ads) expect(await impressions3d(server.url, ad)).toBe(score.acked.get(ad) ?? 0);
    // And the store itself holds exactly that (not only this replica's view).
    const { rows } = await cluster.pool.query<{ ad_id: string; n: string }>(
      'SELECT ad_id, sum(impressions)::text AS n FROM tracking_hours GROUP BY ad_id',
    );
    const stored = new Map(rows.map((r) => [r.ad_id, Number(r.n)]));
    for (const ad of ads) expect(stored.get(ad) ?? 0).toBe(score.acked.get(ad) ?? 0);
  });
});
