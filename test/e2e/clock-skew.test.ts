import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, metric, sleep } from './cluster.js';
import { adBody, post, type Server } from './process.js';

/** libfaketime (Debian's `faketime`), preloaded into one replica of three so its clock runs 30 s off. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const SKEW_MS = 30_000;
/** How far a replica's "now" may be from the store's: its offset's error (half a round trip) and the test's own timing. */
const MARGIN_MS = 150;
/** Every effective expire is committed within this of its endAt. */
const EXPIRE_WITHIN_MS = 2_000;

interface Seen {
  readonly id: string;
  readonly startAt: number;
  readonly endAt: number;
}
type Status = 'scheduled' | 'active' | 'expired';

const expected = (ad: Seen, at: number): Status =>
  at < ad.startAt ? 'scheduled' : at < ad.endAt ? 'active' : 'expired';
/** True when a replica asked between `sent` and `received` may answer either side of a boundary. */
const nearBoundary = (ad: Seen, sent: number, received: number): boolean =>
  [ad.startAt, ad.endAt].some((b) => b > sent - MARGIN_MS && b < received + MARGIN_MS);

describe.each([
  ['ahead', +1],
  ['behind', -1],
])('one replica of three whose clock runs 30 s %s (libfaketime)', (_, sign) => {
  const cluster = new Cluster(9);
  let replicas: Server[];
  let skewed: Server;

  beforeAll(async () => {
    if (!existsSync(LIBFAKETIME)) throw new Error(`${LIBFAKETIME} is missing: install the faketime package`);
    await cluster.setup();
    skewed = await cluster.start({
      env: {
        LD_PRELOAD: LIBFAKETIME,
        FAKETIME: `${sign > 0 ? '+' : '-'}${SKEW_MS / 1000}s`,
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
        FAKETIME_NO_CACHE: '1',
      },
      readyTimeoutMs: 90_000,
    });
    replicas = [
      await cluster.start({ readyTimeoutMs: 90_000 }),
      skewed,
      await cluster.start({ readyTimeoutMs: 90_000 }),
    ];
  }, 300_000);
  afterAll(() => cluster.teardown());

  const logRows = async () =>
    (
      await cluster.pool.query<{ type: string; at: string; id: string }>(
        `SELECT entry->>'type' AS type, at, coalesce(entry->'ad'->>'id', entry->>'id') AS id FROM log ORDER BY seq`,
      )
    ).rows.map((r) => ({ type: r.type, at: Number(r.at), id: r.id }));

  it('serves no ended ad, agrees on statuses, and expires every ad within 2 s of its endAt', async () => {
    // The preload took: the skewed replica's offset to the store's clock says so.
    const offset = await metric(skewed, 'adsm_clock_offset_seconds');
    expect(Math.abs(offset + (sign * SKEW_MS) / 1000)).toBeLessThan(1);
    expect(Math.abs(await metric(replicas[0]!, 'adsm_clock_offset_seconds'))).toBeLessThan(1);

    // Twelve ads through every replica at once: some start in 4-5 s, all end 8-12 s from now.
    const base = Date.now();
    const ads: Seen[] = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const startAt = i % 3 === 0 ? base + 4_000 + i * 100 : base - 60_000;
        const endAt = base + 8_000 + i * 350;
        const res = await post(
          replicas[i % 3]!.url,
          adBody(i, { startAt: new Date(startAt).toISOString(), endAt: new Date(endAt).toISOString() }),
        );
        expect(res.status, await res.clone().text()).toBe(201);
        const ad = (await res.json()) as { id: string; createdAt: string };
        // Stamped with the store's time, whichever replica took it.
        expect(Math.abs(Date.parse(ad.createdAt) - Date.now())).toBeLessThan(2_000);
        return { id: ad.id, startAt, endAt };
      }),
    );
    const byId = new Map(ads.map((a) => [a.id, a]));
    const lastEnd = Math.max(...ads.map((a) => a.endAt));

    // Until every ad ended: each replica's public answer and statuses, against the store's clock
    // (this host's, where Postgres runs).
    const wrong: string[] = [];
    let served = 0;
    let compared = 0;
    while (Date.now() < lastEnd + 1_500) {
      await Promise.all(
        replicas.map(async (r, n) => {
          const sent = Date.now();
          const res = await fetch(`${r.url}/api/v1/ad?limit=100`);
          const body = (await res.json()) as { items: { id: string }[] };
          const received = Date.now();
          const ids = new Set(body.items.map((a) => a.id));
          for (const ad of ads) {
            if (nearBoundary(ad, sent, received)) continue;
            const active = expected(ad, sent) === 'active';
            if (ids.has(ad.id) !== active) {
              wrong.push(
                `replica ${n} ${active ? 'missed' : 'served'} ${ad.id} at ${sent - ad.endAt} ms from its end`,
              );
            }
            if (ids.has(ad.id)) served++;
          }
        }),
      );
      const ad = ads[Math.floor(Math.random() * ads.length)]!;
      const sent = Date.now();
      const statuses = await Promise.all(
        replicas.map(
          async (r) =>
            ((await (await fetch(`${r.url}/api/v1/ad/${ad.id}`)).json()) as { status: Status }).status,
        ),
      );
      const received = Date.now();
      if (!nearBoundary(ad, sent, received)) {
        compared++;
        const want = expected(ad, sent);
        if (statuses.some((s) => s !== want))
          wrong.push(`statuses ${statuses.join('/')} for ${want} ${ad.id}`);
      }
      // The admin listing's statuses, on every replica.
      if (compared % 5 === 0) {
        const at = Date.now();
        const lists = await Promise.all(
          replicas.map(async (r) => {
            const res = await fetch(`${r.url}/api/v1/admin/ads?status=active&limit=100`);
            return ((await res.json()) as { items: { id: string }[] }).items
              .map((a) => a.id)
              .filter((id) => byId.has(id));
          }),
        );
        const done = Date.now();
        const settled = ads.every((a) => !nearBoundary(a, at, done));
        if (settled) {
          const want = ads
            .filter((a) => expected(a, at) === 'active')
            .map((a) => a.id)
            .sort();
          lists.forEach((l, n) => {
            if (JSON.stringify([...l].sort()) !== JSON.stringify(want)) wrong.push(`listing of replica ${n}`);
          });
        }
      }
      await sleep(50);
    }
    expect(wrong).toEqual([]);
    expect(served).toBeGreaterThan(50);
    expect(compared).toBeGreaterThan(10);

    // Every ad expired through the log, each entry stamped at or after its endAt and within 2 s.
    const deadline = Date.now() + 10_000;
    let expires: { at: number; id: string }[] = [];
    while (Date.now() < deadline) {
      expires = (await logRows()).filter((r) => r.type === 'expire');
      if (expires.length >= ads.length) break;
      await sleep(100);
    }
    const lateness = expires.map((e) => e.at - byId.get(e.id)!.endAt);
    expect(expires.map((e) => e.id).sort()).toEqual(ads.map((a) => a.id).sort());
    for (const ms of lateness) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(EXPIRE_WITHIN_MS);
    }
    // No entry stamped in the future by the skewed replica's clock.
    for (const r of await logRows()) expect(r.at).toBeLessThanOrEqual(Date.now() + 1_000);
  });
});
