import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adBody, expectError, setup, type AdJson, type Client } from './helpers.js';

let client: Client;
beforeEach(async () => {
  client = await setup();
});
afterEach(async () => {
  await client.t.close();
});

const DEFAULTS = {
  priority: 50,
  weight: 1,
  goals: { impressions: null, clicks: null, dailyImpressions: null, dailyClicks: null },
  pacing: 'asap',
  frequencyCaps: [],
};

const FULL = {
  priority: 10,
  weight: 3,
  goals: { impressions: 100000, clicks: null, dailyImpressions: 5000, dailyClicks: null },
  pacing: 'even',
  frequencyCaps: [
    { impressions: 3, seconds: 3600 },
    { impressions: 10, seconds: 604800 },
  ],
};

const CREATIVE = {
  landingUrl: 'https://shop.example/spring?utm=x',
  data: { image: '/a.png', n: [1, { b: true }] },
};

async function listed(id: string): Promise<AdJson | undefined> {
  const res = await client.request('/api/v1/admin/ads?limit=200');
  const body = (await res.json()) as { items: AdJson[] };
  return body.items.find((a) => a.id === id);
}

/** The one problem a create with `over` is refused for. */
async function refused(over: Record<string, unknown>): Promise<{ path: string; message: string }[]> {
  const before = await client.publicIds();
  const body = await expectError(
    await client.send('POST', '/api/v1/ad', adBody(over)),
    400,
    'validation_failed',
  );
  expect(await client.publicIds()).toEqual(before);
  return body.error.details;
}

describe('delivery and creative on ads', () => {
  it.each([[undefined], [null], [{}]])(
    'delivery %j answers the defaults, creative null',
    async (delivery) => {
      const ad = await client.create(delivery === undefined ? {} : { delivery });
      expect(ad.delivery).toEqual(DEFAULTS);
      expect(ad.creative).toBeNull();
      expect((await client.get(ad.id)).delivery).toEqual(DEFAULTS);
    },
  );

  it('shows every setting as sent on create, GET, listing and PUT', async () => {
    const ad = await client.create({ delivery: FULL, creative: CREATIVE });
    expect(ad.delivery).toEqual(FULL);
    expect(ad.creative).toEqual(CREATIVE);
    const got = await client.get(ad.id);
    expect(got.delivery).toEqual(FULL);
    expect(got.creative).toEqual(CREATIVE);
    const row = await listed(ad.id);
    expect(row?.delivery).toEqual(FULL);
    expect(row?.creative).toEqual(CREATIVE);

    const changed = { ...FULL, priority: 1, frequencyCaps: [], pacing: 'asap' };
    const res = await client.send('PUT', `/api/v1/ad/${ad.id}`, adBody({ delivery: changed }));
    expect(res.status).toBe(200);
    const put = (await res.json()) as AdJson;
    expect(put.delivery).toEqual(changed);
    expect(put.creative).toBeNull();
    expect((await client.get(ad.id)).creative).toBeNull();
  });

  it('fills missing and null fields with defaults', async () => {
    const ad = await client.create({
      delivery: { weight: 7, priority: null, goals: { clicks: 5 }, frequencyCaps: null },
      creative: { landingUrl: 'http://a.example' },
    });
    expect(ad.delivery).toEqual({ ...DEFAULTS, weight: 7, goals: { ...DEFAULTS.goals, clicks: 5 } });
    expect(ad.creative).toEqual({ landingUrl: 'http://a.example', data: null });
  });

  it('a PUT without delivery puts the defaults back', async () => {
    const ad = await client.create({ delivery: FULL, creative: CREATIVE });
    const res = await client.send('PUT', `/api/v1/ad/${ad.id}`, adBody());
    const put = (await res.json()) as AdJson;
    expect(put.delivery).toEqual(DEFAULTS);
    expect(put.creative).toBeNull();
  });

  it.each([
    [{ priority: 1 }],
    [{ priority: 100 }],
    [{ weight: 1 }],
    [{ weight: 1000 }],
    [{ goals: { impressions: 1, clicks: 1e12, dailyImpressions: 1e12, dailyClicks: 1 } }],
    [{ pacing: 'even', goals: { dailyImpressions: 10 } }],
    [{ pacing: 'even', goals: { impressions: 10 } }],
    [{ pacing: 'asap' }],
    [{ frequencyCaps: [] }],
    [{ frequencyCaps: Array.from({ length: 4 }, () => ({ impressions: 1000, seconds: 60 })) }],
    [{ frequencyCaps: [{ impressions: 1, seconds: 7_776_000 }] }],
  ])('accepts the edge %j', async (delivery) => {
    const ad = await client.create({ delivery });
    expect(ad.delivery).toMatchObject(delivery);
  });

  it.each([
    [{ priority: 0 }, 'delivery.priority', /at least 1/],
    [{ priority: 101 }, 'delivery.priority', /at most 100/],
    [{ priority: 2.5 }, 'delivery.priority', /integer/],
    [{ priority: '5' }, 'delivery.priority', /integer/],
    [{ weight: 0 }, 'delivery.weight', /at least 1/],
    [{ weight: 1001 }, 'delivery.weight', /at most 1,000/],
    [{ goals: { impressions: 0 } }, 'delivery.goals.impressions', /at least 1/],
    [{ goals: { clicks: 1e12 + 1 } }, 'delivery.goals.clicks', /at most/],
    [{ goals: { dailyImpressions: 1.5 } }, 'delivery.goals.dailyImpressions', /integer/],
    [{ goals: { dailyClicks: -1 } }, 'delivery.goals.dailyClicks', /at least 1/],
    [{ goals: { views: 3 } }, 'delivery.goals.views', /unknown field/],
    [{ goals: [] }, 'delivery.goals', /object/],
    [{ pacing: 'fast' }, 'delivery.pacing', /"asap" or "even"/],
    [{ pacing: 'EVEN' }, 'delivery.pacing', /"asap" or "even"/],
    [{ pacing: 'even' }, 'delivery.pacing', /impressions goal/],
    [{ pacing: 'even', goals: { clicks: 5, dailyClicks: 1 } }, 'delivery.pacing', /impressions goal/],
    [
      { frequencyCaps: Array.from({ length: 5 }, () => ({ impressions: 1, seconds: 60 })) },
      'delivery.frequencyCaps',
      /at most 4/,
    ],
    [
      { frequencyCaps: [{ impressions: 0, seconds: 60 }] },
      'delivery.frequencyCaps.0.impressions',
      /at least 1/,
    ],
    [
      { frequencyCaps: [{ impressions: 1001, seconds: 60 }] },
      'delivery.frequencyCaps.0.impressions',
      /at most/,
    ],
    [{ frequencyCaps: [{ impressions: 1, seconds: 59 }] }, 'delivery.frequencyCaps.0.seconds', /at least 60/],
    [
      {
        frequencyCaps: [
          { impressions: 1, seconds: 60 },
          { impressions: 1, seconds: 7_776_001 },
        ],
      },
      'delivery.frequencyCaps.1.seconds',
      /at most 7,776,000/,
    ],
    [{ frequencyCaps: [{ impressions: 1 }] }, 'delivery.frequencyCaps.0.seconds', /integer/],
    [
      { frequencyCaps: [{ impressions: 1, seconds: 60, per: 'user' }] },
      'delivery.frequencyCaps.0.per',
      /unknown/,
    ],
    [{ frequencyCaps: {} }, 'delivery.frequencyCaps', /list/],
    [{ budget: 5 }, 'delivery.budget', /unknown field/],
  ])('refuses delivery %j at %s', async (delivery, path, message) => {
    const details = await refused({ delivery });
    expect(details).toEqual([{ path, message: expect.stringMatching(message) as string }]);
  });

  it('refuses a delivery that is not an object', async () => {
    expect(await refused({ delivery: 3 })).toEqual([
      { path: 'delivery', message: expect.stringMatching(/object/) as string },
    ]);
  });

  const url2048 = `https://a.example/${'x'.repeat(2048 - 'https://a.example/'.length)}`;
  const data4k = { d: 'x'.repeat(4096 - '{"d":""}'.length) };

  it('accepts a 2,048-character landing URL and 4 KiB of data', async () => {
    const ad = await client.create({ creative: { landingUrl: url2048, data: data4k } });
    expect(ad.creative).toEqual({ landingUrl: url2048, data: data4k });
    expect(
      (await client.create({ creative: { data: { é: 'é'.repeat(2040) } } })).creative?.data,
    ).toBeTruthy();
  });

  it.each([
    [{ landingUrl: `${url2048}x` }, 'creative.landingUrl', /2048/],
    [{ landingUrl: '/relative' }, 'creative.landingUrl', /absolute http/],
    [{ landingUrl: 'ftp://a.example/x' }, 'creative.landingUrl', /absolute http/],
    [{ landingUrl: 'javascript:alert(1)' }, 'creative.landingUrl', /absolute http/],
    [{ landingUrl: 5 }, 'creative.landingUrl', /string/],
    [{ data: { d: `${data4k.d}x` } }, 'creative.data', /4096 bytes/],
    [{ data: { é: 'é'.repeat(2046) } }, 'creative.data', /4096 bytes/],
    [{ data: [1] }, 'creative.data', /JSON object/],
    [{ data: 'x' }, 'creative.data', /JSON object/],
    [{ html: '<b>' }, 'creative.html', /unknown field/],
  ])('refuses creative %j at %s', async (creative, path, message) => {
    expect(await refused({ creative })).toEqual([
      { path, message: expect.stringMatching(message) as string },
    ]);
  });

  it('refuses a creative that is not an object', async () => {
    expect(await refused({ creative: [] })).toEqual([
      { path: 'creative', message: expect.stringMatching(/object/) as string },
    ]);
  });

  it('an invalid PUT changes nothing', async () => {
    const ad = await client.create({ delivery: FULL });
    const res = await client.send('PUT', `/api/v1/ad/${ad.id}`, adBody({ delivery: { weight: 0 } }));
    await expectError(res, 400, 'validation_failed');
    expect((await client.get(ad.id)).delivery).toEqual(FULL);
  });

  it('idempotency: the same key with other delivery settings or creative is a 422', async () => {
    const post = (over: Record<string, unknown>) =>
      client.send('POST', '/api/v1/ad', adBody(over), { 'idempotency-key': 'k1' });
    const first = await post({ delivery: FULL, creative: CREATIVE });
    expect(first.status).toBe(201);
    const again = await post({ delivery: FULL, creative: CREATIVE });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await expectError(
      await post({ delivery: { ...FULL, weight: 4 }, creative: CREATIVE }),
      422,
      'idempotency_key_reused',
    );
    await expectError(
      await post({ delivery: FULL, creative: { ...CREATIVE, data: null } }),
      422,
      'idempotency_key_reused',
    );
  });
});

describe('OpenAPI', () => {
  it('documents delivery and creative on the input and on the ad', async () => {
    const doc = (await (await client.request('/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const { schemas } = doc.components;
    expect(Object.keys(schemas.AdInput?.properties ?? {})).toEqual(
      expect.arrayContaining(['delivery', 'creative']),
    );
    expect(Object.keys(schemas.Ad?.properties ?? {})).toEqual(
      expect.arrayContaining(['delivery', 'creative']),
    );
    expect(Object.keys(schemas.DeliveryInput?.properties ?? {}).sort()).toEqual([
      'frequencyCaps',
      'goals',
      'pacing',
      'priority',
      'weight',
    ]);
    expect(schemas.FrequencyCap).toBeDefined();
  });
});
