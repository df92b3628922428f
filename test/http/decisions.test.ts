import { afterEach, describe, expect, it } from 'vitest';
import type { FrequencyCapStore } from '../../src/delivery/frequency-caps.js';
import { createMemoryFrequencyCaps } from '../../src/delivery/memory-frequency-caps.js';
import { startDecisionsApp, type DecisionsApp, type DecisionsAppOptions } from '../support/decisions-app.js';
import { expectError } from './helpers.js';

let app: DecisionsApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});
const start = async (opts: DecisionsAppOptions = {}) => (app = await startDecisionsApp(opts));

const HOUR = 3_600_000;
const sorted = (ids: string[]) => [...ids].sort();

describe('POST /api/v1/decisions: the answer', () => {
  it('answers each chosen ad with its creative and tracking URLs', async () => {
    const a = await start();
    const creative = { landingUrl: 'https://shop.example/x', data: { img: '/a.png' } };
    const id = await a.createAd({ title: 'AD 7', creative });
    const res = await a.decide({ user: { key: 'u-1' }, viewer: { age: 24, country: 'tw' }, count: 3 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = (await res.json()) as { decisions: Record<string, unknown>[] };
    expect(body.decisions).toEqual([
      {
        adId: id,
        title: 'AD 7',
        creative,
        decisionId: expect.any(String) as string,
        impressionUrl: expect.stringMatching(/^\/api\/v1\/t\/[A-Za-z0-9_-]+$/) as string,
        clickUrl: expect.stringMatching(/^\/api\/v1\/t\/[A-Za-z0-9_-]+$/) as string,
        expiresAt: new Date(a.clock.now() + 86_400_000).toISOString(),
      },
    ]);
    const d = body.decisions[0]!;
    expect(d.impressionUrl).not.toBe(d.clickUrl);
    const again = (await (await a.decide({})).json()) as {
      decisions: { decisionId: string; creative: unknown }[];
    };
    expect(again.decisions[0]!.decisionId).not.toBe(d.decisionId);
  });

  it('creative is null for an ad without one; [] when nothing is eligible', async () => {
    const a = await start();
    expect(await (await a.decide({})).json()).toEqual({ decisions: [] });
    await a.createAd();
    const body = (await (await a.decide({})).json()) as { decisions: { creative: unknown }[] };
    expect(body.decisions[0]!.creative).toBeNull();
  });

  it('candidates are exactly the public query’s answer for the viewer (active, matching)', async () => {
    const a = await start();
    const now = a.clock.now();
    await a.createAd({ conditions: [{ country: ['TW'], platform: ['ios'] }] });
    await a.createAd({ conditions: [{ ageStart: 20, ageEnd: 30 }, { gender: ['F'] }] });
    await a.createAd({ conditions: [{ country: ['JP'] }] });
    await a.createAd();
    await a.createAd({ startAt: now + HOUR, endAt: now + 2 * HOUR });
    await a.createAd({ startAt: now - 2 * HOUR, endAt: now - HOUR });
    const viewers = [
      {},
      { age: 24 },
      { age: 40, gender: 'F' as const },
      { age: 40, gender: 'M' as const, country: 'tw', platform: 'ios' as const },
      { country: 'JP', platform: 'web' as const },
      { country: 'us', age: 99 },
    ];
    for (const viewer of viewers) {
      const params = new URLSearchParams(
        Object.entries(viewer).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString();
      const expected = await fetch(`${a.url}/api/v1/ad?limit=100&${params}`);
      const ids = ((await expected.json()) as { items: { id: string }[] }).items.map((i) => i.id);
      expect(sorted(await a.chosen({ viewer, count: 20 })), JSON.stringify(viewer)).toEqual(sorted(ids));
    }
  });

  it('kept candidates follow every write and every start and end at once', async () => {
    const a = await start();
    const now = a.clock.now();
    const first = await a.createAd({ conditions: [{ country: ['TW'] }] });
    const ask = async () => sorted(await a.chosen({ viewer: { country: 'TW' }, count: 20 }));
    expect(await ask()).toEqual([first]);
    expect(await ask()).toEqual([first]);
    const later = await a.createAd({ startAt: now + 60_000, endAt: now + HOUR });
    const second = await a.createAd({ endAt: now + 120_000 });
    expect(await ask()).toEqual(sorted([first, second]));
    a.clock.advance(60_000);
    expect(await ask()).toEqual(sorted([first, second, later]));
    a.clock.advance(60_000);
    expect(await ask()).toEqual(sorted([first, later]));
    await a.service.delete(first);
    expect(await ask()).toEqual([later]);
    const metrics = await a.metricsText();
    expect(metrics).toMatch(/adsm_decision_candidates_total\{result="hit"\} 1/);
    expect(metrics).toMatch(/adsm_decision_candidates_total\{result="miss"\} 5/);
  });

  it('count: at most that many distinct ads; exclude: never those', async () => {
    const a = await start();
    const ids = await Promise.all(Array.from({ length: 8 }, () => a.createAd()));
    for (let i = 0; i < 20; i++) {
      const one = await a.chosen({});
      expect(one).toHaveLength(1);
      const three = await a.chosen({ count: 3, exclude: [ids[0], ids[1], 'unknown'] });
      expect(three).toHaveLength(3);
      expect(new Set(three).size).toBe(3);
      expect(three).not.toContain(ids[0]);
      expect(three).not.toContain(ids[1]);
    }
    expect(sorted(await a.chosen({ count: 20 }))).toEqual(sorted(ids));
    expect(await a.chosen({ count: 20, exclude: ids })).toEqual([]);
  });

  it('priorities are never passed over: every lower number before any higher one', async () => {
    const a = await start({ seed: 5 });
    const first = [
      await a.createAd({ delivery: { priority: 1, weight: 1 } }),
      await a.createAd({ delivery: { priority: 1, weight: 1 } }),
    ];
    const second = await Promise.all(
      Array.from({ length: 4 }, (_, i) => a.createAd({ delivery: { priority: 7, weight: 1000 - i } })),
    );
    const last = await a.createAd({ delivery: { priority: 100, weight: 1000 } });
    for (let i = 0; i < 100; i++) {
      const got = await a.chosen({ count: 3 });
      expect(sorted(got.slice(0, 2))).toEqual(sorted(first));
      expect(second).toContain(got[2]);
      const one = await a.chosen({ count: 1, exclude: [first[0]] });
      expect(one).toEqual([first[1]]);
      const six = await a.chosen({ count: 7 });
      expect(six[6]).toBe(last);
    }
  });

  it('weights hold within a priority (many decisions, chi-square bound, fixed seed)', async () => {
    const a = await start({ seed: 20261210 });
    const weights = [1, 3, 6, 10];
    const ids = await Promise.all(weights.map((weight) => a.createAd({ delivery: { priority: 9, weight } })));
    await a.createAd({ delivery: { priority: 10, weight: 1000 } });
    const counts = new Map(ids.map((id) => [id, 0]));
    const n = 1_000;
    for (let i = 0; i < n; i++) {
      const [id] = await a.chosen({ user: { key: `u${i}` } });
      counts.set(id!, (counts.get(id!) ?? 0) + 1);
    }
    const chi2 = ids.reduce((sum, id, i) => {
      const e = (n * weights[i]!) / 20;
      const o = counts.get(id)!;
      return sum + ((o - e) * (o - e)) / e;
    }, 0);
    // 3 degrees of freedom: 16.27 is the upper 0.1% point.
    expect(chi2).toBeLessThan(16.27);
  });
});

describe('POST /api/v1/decisions: frequency caps', () => {
  it('an ad is given to one user key at most `impressions` times per window, sliding', async () => {
    const a = await start();
    const capped = await a.createAd({
      delivery: { priority: 1, frequencyCaps: [{ impressions: 2, seconds: 3600 }] },
    });
    const other = await a.createAd({ delivery: { priority: 2 } });
    const ask = () => a.chosen({ user: { key: 'u' } });
    expect(await ask()).toEqual([capped]);
    a.clock.advance(10 * 60_000);
    expect(await ask()).toEqual([capped]);
    expect(await ask()).toEqual([other]);
    expect(await a.chosen({ user: { key: 'someone else' } })).toEqual([capped]);
    a.clock.advance(50 * 60_000); // the first serve leaves the window
    expect(await ask()).toEqual([capped]);
    expect(await ask()).toEqual([other]);
    const metrics = await a.metricsText();
    expect(metrics).toMatch(/adsm_decision_cap_refusals_total\{reason="full"\} 2/);
    expect(metrics).toMatch(/adsm_decisions_total 6/);
  });

  it('several caps per ad: each must have room', async () => {
    const a = await start();
    const caps = [
      { impressions: 1, seconds: 60 },
      { impressions: 3, seconds: 86_400 },
    ];
    await a.createAd({ delivery: { frequencyCaps: caps } });
    const served: number[] = [];
    for (let minute = 0; minute < 10; minute++) {
      for (let k = 0; k < 3; k++) served.push((await a.chosen({ user: { key: 'u' } })).length);
      a.clock.advance(60_000);
    }
    expect(served.reduce((x, y) => x + y, 0)).toBe(3);
    expect(served.slice(0, 9)).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0]);
  });

  it('never gives a capped ad to a request without a user key', async () => {
    const a = await start();
    await a.createAd({ delivery: { priority: 1, frequencyCaps: [{ impressions: 1000, seconds: 60 }] } });
    const free = await a.createAd({ delivery: { priority: 50 } });
    for (let i = 0; i < 10; i++) expect(await a.chosen({ count: 5 })).toEqual([free]);
    expect(await a.chosen({ user: null, count: 5 })).toEqual([free]);
    expect(await a.metricsText()).toMatch(/adsm_decision_cap_refusals_total\{reason="no_user_key"\} 11/);
  });

  it('while caps cannot be checked, capped ads are not chosen and the others still are', async () => {
    const broken: FrequencyCapStore = {
      take: () => Promise.reject(new Error('unreachable')),
      close: () => Promise.resolve(),
    };
    const a = await start({ caps: broken });
    await a.createAd({ delivery: { priority: 1, frequencyCaps: [{ impressions: 5, seconds: 60 }] } });
    const free = [
      await a.createAd({ delivery: { priority: 2 } }),
      await a.createAd({ delivery: { priority: 3 } }),
    ];
    expect(await a.chosen({ user: { key: 'u' }, count: 1 })).toEqual([free[0]]);
    expect(await a.chosen({ user: { key: 'u' }, count: 5 })).toEqual(free);
    const metrics = await a.metricsText();
    expect(metrics).toMatch(/adsm_decision_cap_refusals_total\{reason="unavailable"\} 2/);
    expect(metrics).toMatch(/adsm_decision_caps_errors_total 2/);
  });

  it('walks on past full ads, a chunk at a time, until it has count ads or none is left', async () => {
    const a = await start();
    const cap = [{ impressions: 1, seconds: 3600 }];
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        a.createAd({ delivery: { priority: 1 + (i % 3), frequencyCaps: cap } }),
      ),
    );
    const seen: string[] = [];
    for (let i = 0; i < 14; i++) seen.push(...(await a.chosen({ user: { key: 'u' }, count: 2 })));
    expect(seen).toHaveLength(28);
    expect(await a.chosen({ user: { key: 'u' }, count: 3 })).toHaveLength(2);
    expect(await a.chosen({ user: { key: 'u' }, count: 3 })).toEqual([]);
    expect(new Set(seen).size).toBe(28);
    expect(ids).toEqual(expect.arrayContaining(seen));
  });

  it('records only the ads it chose', async () => {
    const caps = createMemoryFrequencyCaps();
    const a = await start({ caps });
    const cap = [{ impressions: 1, seconds: 3600 }];
    await a.createAd({ delivery: { priority: 1, frequencyCaps: cap } });
    await a.createAd({ delivery: { priority: 2, frequencyCaps: cap } });
    await a.createAd({ delivery: { priority: 3, frequencyCaps: cap } });
    expect(await a.chosen({ user: { key: 'u' }, count: 1 })).toHaveLength(1);
    expect(caps.size).toBe(1);
    expect(await a.chosen({ user: { key: 'u' }, count: 5 })).toHaveLength(2);
    expect(caps.size).toBe(3);
  });
});

describe('POST /api/v1/decisions: bad requests', () => {
  const problems = async (body: unknown) => {
    const a = app ?? (await start());
    const err = await expectError(await a.decide(body), 400, 'validation_failed');
    return err.error.details;
  };

  it.each([
    [{ user: { key: '' } }, 'user.key', /empty/],
    [{ user: { key: 'x'.repeat(129) } }, 'user.key', /128/],
    [{ user: { key: 5 } }, 'user.key', /string/],
    [{ user: { id: 'u' } }, 'user.id', /unknown field/],
    [{ user: 'u' }, 'user', /object/],
    [{ viewer: { age: 0 } }, 'viewer.age', /at least 1/],
    [{ viewer: { age: 101 } }, 'viewer.age', /at most 100/],
    [{ viewer: { age: 2.5 } }, 'viewer.age', /integer/],
    [{ viewer: { age: '24' } }, 'viewer.age', /integer/],
    [{ viewer: { gender: 'f' } }, 'viewer.gender', /"M" or "F"/],
    [{ viewer: { country: 'ZZ' } }, 'viewer.country', /ISO 3166-1/],
    [{ viewer: { country: 'TWN' } }, 'viewer.country', /ISO 3166-1/],
    [{ viewer: { platform: 'pc' } }, 'viewer.platform', /android/],
    [{ viewer: { platform: 'IOS' } }, 'viewer.platform', /android/],
    [{ viewer: { city: 'Taipei' } }, 'viewer.city', /unknown field/],
    [{ viewer: [] }, 'viewer', /object/],
    [{ count: 0 }, 'count', /at least 1/],
    [{ count: 21 }, 'count', /at most 20/],
    [{ count: 1.5 }, 'count', /integer/],
    [{ count: '3' }, 'count', /integer/],
    [{ exclude: 'a' }, 'exclude', /list/],
    [{ exclude: Array.from({ length: 101 }, (_, i) => `id-${i}`) }, 'exclude', /at most 100/],
    [{ exclude: ['a', 3] }, 'exclude.1', /string/],
    [{ exclude: [''] }, 'exclude.0', /empty/],
    [{ exclude: ['x'.repeat(129)] }, 'exclude.0', /128/],
    [{ users: {} }, 'users', /unknown field/],
  ])('%j → 400 at %s', async (body, path, message) => {
    expect(await problems(body)).toEqual([{ path, message: expect.stringMatching(message) as string }]);
  });

  it('accepts the edges', async () => {
    const a = await start();
    await a.createAd();
    const ok = [
      {
        user: { key: 'x'.repeat(128) },
        viewer: { age: 1, gender: 'M', country: 'jp', platform: 'web' },
        count: 20,
      },
      { viewer: { age: 100 }, count: 1, exclude: Array.from({ length: 100 }, (_, i) => `id-${i}`) },
      { user: null, viewer: null, count: null, exclude: null },
      { viewer: { age: null, gender: null, country: null, platform: null } },
      {},
    ];
    for (const body of ok) expect((await a.decide(body)).status, JSON.stringify(body)).toBe(200);
  });

  it('a body that is not an object, not JSON, not JSON typed, or too large', async () => {
    const a = await start();
    await expectError(await a.decide([]), 400, 'validation_failed');
    await expectError(await a.decide('{"count": '), 400, 'invalid_json');
    await expectError(await a.decide('{}', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(await a.decide('{}', { 'content-encoding': 'gzip' }), 415, 'unsupported_media_type');
    await expectError(await a.decide({ exclude: ['x'.repeat(70_000)] }), 413, 'payload_too_large');
  });

  it('other methods are 405 with Allow: POST', async () => {
    const a = await start();
    const res = await fetch(`${a.url}/api/v1/decisions`);
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('with EVENTS_TOKEN: 401 without the bearer token or with a wrong one, before validation', async () => {
    const a = await start({ eventsToken: 'events-secret-token' });
    await a.createAd();
    const res = await a.decide({ count: 0 });
    await expectError(res, 401, 'unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    await expectError(await a.decide({}, { authorization: 'Bearer wrong-token' }), 401, 'unauthorized');
    const ok = await a.decide({}, { authorization: 'Bearer events-secret-token' });
    expect(ok.status).toBe(200);
  });
});
