import { afterEach, describe, expect, it } from 'vitest';
import { adBody, iso, setup, type Client } from '../../test/http/helpers.js';

let client: Client | undefined;
afterEach(async () => {
  await client?.t.close();
  client = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store's clock is the manual clock; this replica's own clock runs `offset` ms off it. */
describe.each([30_000, -30_000])('a replica whose clock is %i ms off the store', (offset) => {
  it('stamps entries with the store time and never expires an ad before its endAt', async () => {
    client = await setup({ clockOffsetMs: offset });
    const { t } = client;
    const storeNow = t.clock.now();
    const ad = await client.create({ endAt: iso(storeNow + 300) });
    expect(ad.createdAt).toBe(iso(storeNow));
    expect(ad.updatedAt).toBe(iso(storeNow));

    // A fast replica's timer fires at once (its clock says endAt has passed); the store says no.
    await sleep(150);
    const log = await t.store.readLog(0, 100);
    expect(log.map((e) => e.type)).toEqual(['create']);
    expect(log.every((e) => e.at === storeNow)).toBe(true);
    expect(t.service.stats().liveAds).toBe(1);

    const updated = await client.send('PUT', `/api/v1/ad/${ad.id}`, adBody({ endAt: iso(storeNow + 300) }));
    expect(((await updated.json()) as { updatedAt: string }).updatedAt).toBe(iso(storeNow));

    // Once the store's clock passes endAt, the expiry is committed, stamped at or after endAt.
    t.clock.advance(400);
    const deadline = Date.now() + 3000;
    while (t.service.stats().liveAds > 0 && Date.now() < deadline) await sleep(20);
    const expired = (await t.store.readLog(0, 100)).find((e) => e.type === 'expire');
    if (offset > 0) {
      expect(expired?.at).toBe(storeNow + 400);
      expect(t.service.stats().liveAds).toBe(0);
    } else {
      // A slow replica's timer waits for its own clock: late, never early.
      expect(expired).toBeUndefined();
    }
    expect(t.service.stats().lastAppliedAt).toBeLessThanOrEqual(t.clock.now());
  });
});
