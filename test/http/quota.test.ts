import { afterEach, describe, expect, it } from 'vitest';
import { adBody, DAY, expectError, HOUR, iso, setup, T0, type AdJson, type Client } from './helpers.js';

let client: Client;
afterEach(async () => {
  await client.t.close();
});

const at = (startH: number, endH: number, over: Record<string, unknown> = {}) => ({
  startAt: iso(T0 + startH * HOUR),
  endAt: iso(T0 + endH * HOUR),
  ...over,
});

describe('MAX_ACTIVE_ADS', () => {
  it('counts the new ad over its whole interval, including partial overlaps', async () => {
    client = await setup({ maxActiveAds: 2 });
    const a = await client.create(at(0, 10));
    await client.create(at(5, 15));
    // Overlaps only b from 12h to 15h: at most 2 at once.
    const c = await client.create(at(12, 20));
    // From 6h to 9h both a and b are active: a third would make 3.
    const res = await client.send('POST', '/api/v1/ad', adBody(at(8, 9)));
    const err = await expectError(res, 429, 'quota_exceeded');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(err.error.message).toMatch(/active/);
    // Partly overlapping a-and-b only near its end still counts.
    await expectError(await client.send('POST', '/api/v1/ad', adBody(at(-30, 6))), 429, 'quota_exceeded');
    // Starting exactly when a ends (half-open intervals): b and c only.
    expect((await client.send('POST', '/api/v1/ad', adBody(at(10, 11)))).status).toBe(201);
    expect(await client.publicIds()).toContain(a.id);
    expect(await client.publicIds()).not.toContain(c.id);
  });

  it('counts from now, not from a startAt in the past', async () => {
    client = await setup({ maxActiveAds: 1 });
    client.t.clock.set(T0 + 5 * HOUR);
    await client.create(at(0, 4));
    await client.create(at(-10, 8));
    await expectError(await client.send('POST', '/api/v1/ad', adBody(at(-10, 7))), 429, 'quota_exceeded');
  });

  it('an update is counted without its old version; a failed update changes nothing', async () => {
    client = await setup({ maxActiveAds: 2 });
    const a = await client.create(at(0, 10));
    const b = await client.create(at(0, 10));
    const moved = await client.send('PUT', `/api/v1/ad/${a.id}`, adBody(at(2, 12)));
    expect(moved.status).toBe(200);
    await client.create(at(11, 20));
    // Stretching b over 11h-12h would make a, b and the new one active at once.
    await expectError(
      await client.send('PUT', `/api/v1/ad/${b.id}`, adBody(at(0, 12))),
      429,
      'quota_exceeded',
    );
    expect(await client.get(b.id)).toEqual({ ...b, status: 'active' });
  });

  it('0 means unlimited', async () => {
    client = await setup({ maxActiveAds: 0 });
    for (let i = 0; i < 5; i++) await client.create(at(0, 10));
    expect(await client.publicIds()).toHaveLength(5);
  });
});

describe('MAX_ADS_PER_DAY', () => {
  it('counts creates per UTC day; deleting gives nothing back; replays do not count', async () => {
    client = await setup({ maxAdsPerDay: 2 });
    const first = await client.send('POST', '/api/v1/ad', adBody({ title: 'a' }), { 'idempotency-key': 'k' });
    const a = (await first.json()) as AdJson;
    await client.create({ title: 'b' });
    const res = await client.send('POST', '/api/v1/ad', adBody({ title: 'c' }));
    const err = await expectError(res, 429, 'quota_exceeded');
    expect(err.error.message).toMatch(/day/);
    expect(res.headers.get('retry-after')).toBeNull();

    const replay = await client.send('POST', '/api/v1/ad', adBody({ title: 'a' }), {
      'idempotency-key': 'k',
    });
    expect(replay.status).toBe(201);
    expect(((await replay.json()) as AdJson).id).toBe(a.id);

    expect((await client.request(`/api/v1/ad/${a.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await client.send('POST', '/api/v1/ad', adBody({ title: 'd' })), 429, 'quota_exceeded');
    expect(await client.publicIds()).toHaveLength(1);

    // Updates are not creates.
    const [b] = await client.publicIds();
    expect((await client.send('PUT', `/api/v1/ad/${b}`, adBody({ title: 'b2' }))).status).toBe(200);

    client.t.clock.set(Date.UTC(2026, 11, 2) - 1);
    await expectError(await client.send('POST', '/api/v1/ad', adBody({ title: 'e' })), 429, 'quota_exceeded');
    client.t.clock.set(Date.UTC(2026, 11, 2));
    expect(
      (await client.send('POST', '/api/v1/ad', adBody({ title: 'f', endAt: iso(T0 + 2 * DAY) }))).status,
    ).toBe(201);
  });
});
