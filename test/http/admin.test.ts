import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adBody, DAY, expectError, HOUR, iso, setup, T0, type AdJson, type Client } from './helpers.js';

let client: Client;
beforeEach(async () => {
  client = await setup();
});
afterEach(async () => {
  await client.t.close();
});

describe('POST /api/v1/ad', () => {
  it('creates: 201, the ad, Location and ETag', async () => {
    const res = await client.send(
      'POST',
      '/api/v1/ad',
      adBody({
        title: '  AD 55  ',
        startAt: '2026-12-10T11:00:00+08:00',
        endAt: '2026-12-31T16:00:00.000Z',
        conditions: {
          ageStart: 20,
          ageEnd: 30,
          gender: ['M', 'F', 'M'],
          country: ['tw', 'JP'],
          platform: ['ios'],
        },
      }),
    );
    expect(res.status).toBe(201);
    const ad = (await res.json()) as AdJson;
    expect(res.headers.get('location')).toBe(`/api/v1/ad/${ad.id}`);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ad).toEqual({
      id: expect.any(String) as string,
      title: 'AD 55',
      startAt: '2026-12-10T03:00:00.000Z',
      endAt: '2026-12-31T16:00:00.000Z',
      conditions: [
        { ageStart: 20, ageEnd: 30, gender: ['M', 'F'], country: ['TW', 'JP'], platform: ['ios'] },
      ],
      delivery: {
        priority: 50,
        weight: 1,
        goals: { impressions: null, clicks: null, dailyImpressions: null, dailyClicks: null },
        pacing: 'asap',
        frequencyCaps: [],
      },
      creative: null,
      version: 1,
      createdAt: iso(T0),
      updatedAt: iso(T0),
    });
  });

  it.each([[undefined], [null], [{}], [[]], [[{ gender: ['F'] }, {}]]])(
    'conditions %j are shown as []',
    async (conditions) => {
      const ad = await client.create(conditions === undefined ? {} : { conditions });
      expect(ad.conditions).toEqual([]);
    },
  );

  it('accepts a list of sets and null fields', async () => {
    const ad = await client.create({
      conditions: [
        { ageStart: 18, gender: null },
        { platform: ['web'], country: null },
      ],
    });
    expect(ad.conditions).toEqual([{ ageStart: 18 }, { platform: ['web'] }]);
  });

  it('accepts a charset parameter on the media type', async () => {
    const res = await client.send('POST', '/api/v1/ad', adBody(), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(res.status).toBe(201);
  });

  it('accepts a 256-character title', async () => {
    expect((await client.create({ title: 'é'.repeat(256) })).title).toHaveLength(256);
  });
});

describe('GET /api/v1/ad/:id', () => {
  it('answers the ad with its status and ETag', async () => {
    const ad = await client.create();
    const res = await client.request(`/api/v1/ad/${ad.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(await res.json()).toEqual({ ...ad, status: 'active' });
  });

  it('shows scheduled, active and expired as the clock moves', async () => {
    const ad = await client.create({ startAt: iso(T0 + HOUR), endAt: iso(T0 + 2 * HOUR) });
    expect((await client.get(ad.id)).status).toBe('scheduled');
    client.t.clock.advance(HOUR);
    expect((await client.get(ad.id)).status).toBe('active');
    client.t.clock.advance(HOUR);
    expect((await client.get(ad.id)).status).toBe('expired');
    client.t.clock.advance(30 * DAY);
    expect(await client.get(ad.id)).toEqual({ ...ad, status: 'expired' });
  });

  it('unknown id → 404', async () => {
    await expectError(await client.request('/api/v1/ad/nope'), 404, 'not_found');
  });
});

describe('PUT /api/v1/ad/:id', () => {
  it('replaces title, times and conditions; version +1; ETag', async () => {
    const ad = await client.create({ conditions: { country: ['TW'] } });
    client.t.clock.advance(1000);
    const res = await client.send(
      'PUT',
      `/api/v1/ad/${ad.id}`,
      adBody({ title: 'new', endAt: iso(T0 + 2 * DAY) }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const next = (await res.json()) as AdJson;
    expect(next).toEqual({
      ...ad,
      title: 'new',
      endAt: iso(T0 + 2 * DAY),
      conditions: [],
      version: 2,
      updatedAt: iso(T0 + 1000),
    });
    expect(await client.get(ad.id)).toEqual({ ...next, status: 'active' });
  });

  it('unknown id → 404', async () => {
    await expectError(await client.send('PUT', '/api/v1/ad/nope', adBody()), 404, 'not_found');
  });

  it('can extend an expired ad, which then shows again', async () => {
    const ad = await client.create({ endAt: iso(T0 + HOUR) });
    client.t.clock.advance(2 * HOUR);
    expect(await client.publicIds()).toEqual([]);
    const res = await client.send('PUT', `/api/v1/ad/${ad.id}`, adBody({ endAt: iso(T0 + DAY) }));
    expect(res.status).toBe(200);
    expect(await client.publicIds()).toEqual([ad.id]);
  });
});

describe('DELETE /api/v1/ad/:id', () => {
  it('deletes: 204, then 404', async () => {
    const ad = await client.create();
    const res = await client.request(`/api/v1/ad/${ad.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    await expectError(await client.request(`/api/v1/ad/${ad.id}`), 404, 'not_found');
    expect(await client.publicIds()).toEqual([]);
    await expectError(await client.request(`/api/v1/ad/${ad.id}`, { method: 'DELETE' }), 404, 'not_found');
  });
});

describe('If-Match', () => {
  const put = (id: string, ifMatch: string, title = 'changed') =>
    client.send('PUT', `/api/v1/ad/${id}`, adBody({ title }), { 'if-match': ifMatch });
  const del = (id: string, ifMatch: string) =>
    client.request(`/api/v1/ad/${id}`, { method: 'DELETE', headers: { 'if-match': ifMatch } });

  it.each(['"1"', '1', 'W/"1"', '*'])('PUT with If-Match %s on version 1 → 200', async (ifMatch) => {
    const ad = await client.create();
    const res = await put(ad.id, ifMatch);
    expect(res.status).toBe(200);
    expect(((await res.json()) as AdJson).version).toBe(2);
  });

  it.each(['"2"', '2', 'W/"2"', '"7"'])(
    'PUT with stale If-Match %s → 412, nothing changed',
    async (ifMatch) => {
      const ad = await client.create();
      await expectError(await put(ad.id, ifMatch), 412, 'version_mismatch');
      expect(await client.get(ad.id)).toEqual({ ...ad, status: 'active' });
    },
  );

  it('the ETag of one answer is the If-Match of the next', async () => {
    const ad = await client.create();
    const first = await put(ad.id, '"1"', 'first');
    const etag = first.headers.get('etag')!;
    expect(etag).toBe('"2"');
    await expectError(await put(ad.id, '"1"', 'lost update'), 412, 'version_mismatch');
    expect((await put(ad.id, etag, 'second')).status).toBe(200);
    expect((await client.get(ad.id)).title).toBe('second');
  });

  it.each(['"1"', '1', 'W/"1"', '*'])('DELETE with If-Match %s on version 1 → 204', async (ifMatch) => {
    const ad = await client.create();
    expect((await del(ad.id, ifMatch)).status).toBe(204);
    await expectError(await client.request(`/api/v1/ad/${ad.id}`), 404, 'not_found');
  });

  it.each(['"2"', '0', 'W/"3"'])('DELETE with stale If-Match %s → 412, nothing changed', async (ifMatch) => {
    const ad = await client.create();
    await expectError(await del(ad.id, ifMatch), 412, 'version_mismatch');
    expect(await client.get(ad.id)).toEqual({ ...ad, status: 'active' });
    expect(await client.publicIds()).toEqual([ad.id]);
  });

  it('* on an unknown id → 404', async () => {
    await expectError(await del('nope', '*'), 404, 'not_found');
    await expectError(await put('nope', '*'), 404, 'not_found');
  });
});
