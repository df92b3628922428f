import { afterAll, describe, expect, it } from 'vitest';
import { adBody, post, startServer, tempDir } from './process.js';
import { spoolDrained } from './tracking-load.js';

const HOUR = 3_600_000;
const HOURS = 47;
const ADS = 200;
const PER_REQUEST = 100;

const dir = tempDir();
afterAll(() => dir.remove());

describe('delivery tracking under a backlog, embedded, as a process', () => {
  it('a small TRACKING_MAX_BUCKETS: stored by early flushes (any 503 spool_full waited out), every 202 counted exactly', async () => {
    // 1,000 buckets: a flush every 250 (2.5 requests of this backlog), refusals past 1,000; the
    // timer's flush only after 10 s.
    const env = { DATA_DIR: dir.path, TRACKING_MAX_BUCKETS: '1000', FLUSH_INTERVAL_MS: '10000' };
    const server = await startServer({ env });
    try {
      const ads: string[] = [];
      for (let i = 0; i < ADS; i++)
        ads.push(((await (await post(server.url, adBody(i))).json()) as { id: string }).id);
      const now = Date.now();
      const started = Date.now();
      const ats = Array.from({ length: HOURS }, (_, h) => now - h * HOUR - 60_000);
      // Ad i gets 1 + i % 3 impressions an hour, oldest hour first.
      const requests: string[] = [];
      for (let h = HOURS - 1; h >= 0; h--)
        for (let from = 0; from < ADS; from += PER_REQUEST)
          requests.push(
            JSON.stringify(
              ads.slice(from, from + PER_REQUEST).map((adId, k) => ({
                type: 'impression',
                adId,
                at: new Date(ats[h]!).toISOString(),
                count: 1 + ((from + k) % 3),
              })),
            ),
          );
      const statuses = new Map<number, number>();
      let next = 0;
      const worker = async () => {
        while (next < requests.length) {
          const body = requests[next++]!;
          for (;;) {
            const res = await fetch(`${server.url}/api/v1/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 202) {
              expect(((await res.json()) as { accepted: number }).accepted).toBe(PER_REQUEST);
              break;
            }
            expect(res.status).toBe(503);
            expect(((await res.json()) as { error: { code: string } }).error.code).toBe('spool_full');
            // A tenth of the advised wait: the test only needs the refusals to end, not to be polite.
            await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 100));
          }
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      expect(statuses.get(202)).toBe(requests.length);
      const rows = /^adsm_flush_rows_total (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text());
      // 9,400 hour and 200 minute buckets in all; at most 1,000 may still wait for a flush.
      if (Date.now() - started < 10_000) expect(Number(rows?.[1])).toBeGreaterThanOrEqual(8_600);
      await spoolDrained(server.url);

      for (const [i, ad] of ads.entries()) {
        const res = await fetch(`${server.url}/api/v1/ad/${ad}/stats`);
        const s = (await res.json()) as { asOf: string; impressions: Record<string, number> };
        const current = Math.floor(Date.parse(s.asOf) / HOUR);
        const hoursIn = (n: number) =>
          ats.filter((at) => Math.floor(at / HOUR) <= current && Math.floor(at / HOUR) > current - n).length;
        const per = 1 + (i % 3);
        expect(
          { '1d': s.impressions['1d'], '2d': s.impressions['2d'], '3d': s.impressions['3d'] },
          `ad ${i}`,
        ).toEqual({ '1d': per * hoursIn(24), '2d': per * hoursIn(48), '3d': per * hoursIn(72) });
      }
    } finally {
      await server.stop();
    }
  });
});
