import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, iso, setup, T0, type Client } from './helpers.js';

let client: Client;
beforeEach(async () => {
  client = await setup();
});
afterEach(async () => {
  await client.t.close();
});

describe('GET /api/v1/ad', () => {
  it('an empty page is {"items":[]}', async () => {
    const res = await client.served('/api/v1/ad');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe('{"items":[]}');
  });

  it('items carry exactly id, title and endAt', async () => {
    const ad = await client.create({ title: 'Hello "world"' });
    const res = await client.served('/api/v1/ad');
    expect(await res.json()).toEqual({ items: [{ id: ad.id, title: 'Hello "world"', endAt: ad.endAt }] });
  });

  it('orders by endAt, then id, and pages with offset/limit', async () => {
    const ends = [5, 3, 3, 9, 1, 3, 7];
    const ads = [];
    for (const e of ends) ads.push(await client.create({ endAt: iso(T0 + e * HOUR) }));
    const expected = [...ads]
      .sort((a, b) => a.endAt.localeCompare(b.endAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((a) => a.id);
    expect(await client.publicIds()).toEqual(expected);
    expect(await client.publicIds('')).toEqual(expected);
    expect(await client.publicIds('limit=3')).toEqual(expected.slice(0, 3));
    expect(await client.publicIds('offset=3&limit=3')).toEqual(expected.slice(3, 6));
    expect(await client.publicIds('offset=6&limit=3')).toEqual(expected.slice(6));
    expect(await client.publicIds('offset=7')).toEqual([]);
    expect(await client.publicIds('offset=1000000')).toEqual([]);
    expect(await client.publicIds('limit=1&offset=0')).toEqual(expected.slice(0, 1));
  });

  it('defaults to 10 items and allows up to 100', async () => {
    for (let i = 0; i < 12; i++) await client.create({ title: `ad ${i}` });
    expect(await client.publicIds('')).toHaveLength(10);
    expect(await client.publicIds('limit=100')).toHaveLength(12);
  });

  it('filters by every given parameter against any condition set', async () => {
    const everyone = await client.create({ title: 'everyone' });
    const young = await client.create({
      title: 'young TW ios',
      conditions: { ageStart: 18, ageEnd: 25, country: ['TW'], platform: ['ios'] },
    });
    const either = await client.create({
      title: 'women in JP or anyone on web',
      conditions: [{ gender: ['F'], country: ['jp'] }, { platform: ['web'] }],
    });
    const old = await client.create({ title: 'over 60', conditions: { ageStart: 60 } });
    const sortIds = (...ids: string[]) => ids.sort();
    const got = async (q: string) => (await client.publicIds(`limit=100&${q}`)).sort();

    expect(await got('')).toEqual(sortIds(everyone.id, young.id, either.id, old.id));
    expect(await got('age=20')).toEqual(sortIds(everyone.id, young.id, either.id));
    expect(await got('age=60')).toEqual(sortIds(everyone.id, either.id, old.id));
    expect(await got('age=20&country=tw&platform=ios')).toEqual(sortIds(everyone.id, young.id));
    expect(await got('age=26&country=TW&platform=ios')).toEqual(sortIds(everyone.id));
    expect(await got('gender=F&country=JP&platform=android')).toEqual(
      sortIds(everyone.id, either.id, old.id),
    );
    expect(await got('gender=M&country=JP&platform=android')).toEqual(sortIds(everyone.id, old.id));
    expect(await got('gender=M&platform=web&age=30')).toEqual(sortIds(everyone.id, either.id));
  });

  it('ignores unknown parameters', async () => {
    const ad = await client.create();
    expect(await client.publicIds('utm_source=x&utm_source=y&foo')).toEqual([ad.id]);
  });

  it('hides scheduled ads until startAt and expired ads from endAt', async () => {
    const later = await client.create({ title: 'later', startAt: iso(T0 + HOUR), endAt: iso(T0 + 3 * HOUR) });
    const now = await client.create({ title: 'now', startAt: iso(T0 - HOUR), endAt: iso(T0 + 2 * HOUR) });
    expect(await client.publicIds()).toEqual([now.id]);
    client.t.clock.advance(HOUR);
    expect(await client.publicIds()).toEqual([now.id, later.id]);
    client.t.clock.advance(HOUR);
    expect(await client.publicIds()).toEqual([later.id]);
    expect((await client.get(now.id)).status).toBe('expired');
    client.t.clock.advance(DAY);
    expect(await client.publicIds()).toEqual([]);
    const expired = await client.get(later.id);
    expect(expired).toEqual({ ...later, status: 'expired' });
  });

  it('reflects writes as soon as they are answered', async () => {
    const ad = await client.create();
    expect(await client.publicIds()).toEqual([ad.id]);
    await client.send('PUT', `/api/v1/ad/${ad.id}`, {
      title: 'T',
      startAt: ad.startAt,
      endAt: ad.endAt,
      conditions: { age: 1 },
    });
    const put = await client.send('PUT', `/api/v1/ad/${ad.id}`, {
      title: 'T',
      startAt: ad.startAt,
      endAt: ad.endAt,
      conditions: { ageStart: 50 },
    });
    expect(put.status).toBe(200);
    expect(await client.publicIds('age=20')).toEqual([]);
    expect(await client.publicIds('age=50')).toEqual([ad.id]);
    await client.request(`/api/v1/ad/${ad.id}`, { method: 'DELETE' });
    expect(await client.publicIds()).toEqual([]);
  });
});
