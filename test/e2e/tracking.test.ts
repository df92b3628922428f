import { afterAll, describe, expect, it } from 'vitest';
import { adBody, post, startServer, tempDir } from './process.js';
import { eventLoad, impressions3d, spoolDrained } from './tracking-load.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('delivery tracking, embedded, as a process', () => {
  it('kill -9 in the middle of a burst of concurrent batches: every 202 counted exactly once after restart', async () => {
    const env = { DATA_DIR: dir.path, FLUSH_INTERVAL_MS: '300' };
    let server = await startServer({ env });
    const ads: string[] = [];
    for (let i = 0; i < 16; i++)
      ads.push(((await (await post(server.url, adBody(i))).json()) as { id: string }).id);
    const url = server.url;
    const load = eventLoad(() => url, ads);
    await new Promise((r) => setTimeout(r, 2_500));
    await server.stop('SIGKILL');
    const score = await load.stop();
    expect(score.statuses.get(202) ?? 0).toBeGreaterThan(50);

    server = await startServer({ env });
    try {
      await spoolDrained(server.url);
      for (const ad of ads) {
        const acked = score.acked.get(ad) ?? 0;
        const stored = await impressions3d(server.url, ad);
        // A request cut by the kill may or may not have reached the spool; nothing else differs.
        expect([acked, acked + (score.unanswered.get(ad) ?? 0)], `ad ${ad}`).toContain(stored);
      }
      const total = ads.reduce((n, ad) => n + (score.acked.get(ad) ?? 0), 0);
      expect(total).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });
});
