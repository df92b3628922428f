import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryRateLimiter } from '../../src/ratelimit/rate-limiter.js';
import { join } from 'node:path';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createSqliteTrackingStore } from '../../src/tracking/sqlite-tracking-store.js';
import type { TrackingStore } from '../../src/tracking/tracking-store.js';
import { startTrackingApp, type TrackingApp } from '../support/tracking-app.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

interface Answer {
  accepted: number;
  rejected: { index: number; code: string }[];
}
interface ErrorJson {
  error: { code: string; details: { path: string; message: string }[] };
}
interface StatsJson {
  impressions: Record<string, number>;
  clicks: Record<string, number>;
  ctr: Record<string, number | null>;
  last: { impression: string | null; click: string | null };
  asOf: string;
}

let app: TrackingApp;
let ad: string;
const stats = async (id = ad): Promise<StatsJson> => {
  const res = await app.get(`/api/v1/ad/${id}/stats`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as StatsJson;
};
const details = async (res: Response) => {
  expect(res.status).toBe(400);
  const body = (await res.json()) as ErrorJson;
  expect(body.error.code).toBe('validation_failed');
  return body.error.details.map((d) => d.path);
};

beforeAll(async () => {
  app = await startTrackingApp({ adminToken: 'admin-secret' });
  ad = await app.createAd();
});
afterAll(() => app.close());

describe('POST /api/v1/events: validation (400, nothing counted)', () => {
  it.each([
    [{ type: 'view', adId: 'x' }, ['type']],
    [{ type: 'Impression', adId: 'x' }, ['type']],
    [{ adId: 'x' }, ['type']],
    [{ type: 'click' }, ['adId']],
    [{ type: 'click', adId: '' }, ['adId']],
    [{ type: 'click', adId: 'x'.repeat(129) }, ['adId']],
    [{ type: 'click', adId: 7 }, ['adId']],
    [{ type: 'click', adId: 'x', at: '2026-12-10' }, ['at']],
    [{ type: 'click', adId: 'x', at: '2026-12-10T03:00:00' }, ['at']],
    [{ type: 'click', adId: 'x', at: null }, ['at']],
    [{ type: 'click', adId: 'x', count: 0 }, ['count']],
    [{ type: 'click', adId: 'x', count: 10_001 }, ['count']],
    [{ type: 'click', adId: 'x', count: 1.5 }, ['count']],
    [{ type: 'click', adId: 'x', count: '1' }, ['count']],
    [{ type: 'click', adId: 'x', extra: 1 }, ['extra']],
  ])('%j → %j', async (event, paths) => {
    expect(await details(await app.post(event))).toEqual(paths);
  });

  it.each([
    [{ type: 'view', adId: 'x' }, 'must be "impression" or "click"'],
    [{ type: 'click' }, 'is required'],
    [{ type: 'click', adId: '' }, 'must not be empty'],
    [{ type: 'click', adId: 'x'.repeat(129) }, 'must be at most 128 characters'],
    [{ type: 'click', adId: 7 }, 'must be a string'],
    [{ type: 'click', adId: 'x', count: 0 }, 'must be at least 1'],
    [{ type: 'click', adId: 'x', count: 10_001 }, 'must be at most 10,000'],
    [{ type: 'click', adId: 'x', count: '1' }, 'must be an integer'],
    [{ type: 'click', adId: 'x', extra: 1 }, 'unknown field'],
    [[], 'must hold at least 1 event'],
    [[1], 'must be an event (an object)'],
  ])('%j says it in plain words: %s', async (body, message) => {
    const res = await app.post(body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.details.map((d) => d.message)).toEqual([message]);
  });

  it('paths of a batch name the position', async () => {
    const body = [
      { type: 'click', adId: ad },
      { type: 'click', adId: ad },
      { type: 'click', adId: ad },
      { type: 'click', adId: ad, count: 0 },
    ];
    expect(await details(await app.post(body))).toEqual(['3.count']);
    expect((await stats()).clicks['5m']).toBe(0);
  });

  it('batches hold 1..1000 events; other bodies are refused', async () => {
    expect(await details(await app.post([]))).toEqual(['']);
    const many = Array.from({ length: 1001 }, () => ({ type: 'click', adId: ad }));
    expect(await details(await app.post(many))).toEqual(['']);
    expect(await details(await app.post('"click"'))).toEqual(['']);
    expect(await details(await app.post('null'))).toEqual(['']);
    expect(await details(await app.post([1]))).toEqual(['0']);
    const ok = await app.post(
      Array.from({ length: 1000 }, () => ({ type: 'impression', adId: ad, count: 10_000 })),
    );
    expect(((await ok.json()) as Answer).accepted).toBe(1000);
    expect((await stats()).impressions['5m']).toBe(10_000_000);
  });

  it('malformed JSON, a wrong type or encoding, a body over 256 KiB', async () => {
    const bad = await app.post('{"type":');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorJson).error.code).toBe('invalid_json');
    const text = await fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const gz = await app.post({ type: 'click', adId: ad }, { 'content-encoding': 'gzip' });
    expect(gz.status).toBe(415);
    const big = await app.post([{ type: 'click', adId: 'x'.repeat(100), pad: 'y'.repeat(270_000) }]);
    expect(big.status).toBe(413);
    const justUnder = JSON.stringify(
      Array.from({ length: 1000 }, () => ({ type: 'click', adId: 'z'.repeat(128) })),
    );
    expect(justUnder.length).toBeGreaterThan(64 * 1024);
    expect((await app.post(justUnder)).status).toBe(202);
  });

  it('a bad Idempotency-Key is a 400 with the body problems', async () => {
    const res = await app.post({ type: 'nope', adId: ad }, { 'idempotency-key': 'k'.repeat(201) });
    expect(await details(res)).toEqual(['Idempotency-Key', 'type']);
  });

  it('other methods are 405', async () => {
    const res = await fetch(`${app.url}/api/v1/events`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('POST /api/v1/events: per-event rejections', () => {
  it('unknown_ad, too_old, in_future by position; the others are counted', async () => {
    const now = app.clock.now();
    const other = await app.createAd();
    const res = await app.post([
      { type: 'impression', adId: other },
      { type: 'impression', adId: 'no-such-ad' },
      { type: 'impression', adId: other, at: iso(now - 72 * HOUR - 1) },
      { type: 'impression', adId: other, at: iso(now - 72 * HOUR) },
      { type: 'click', adId: other, at: iso(now + 5 * MINUTE + 1) },
      { type: 'click', adId: other, at: iso(now + 5 * MINUTE), count: 2 },
    ]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: 3,
      rejected: [
        { index: 1, code: 'unknown_ad' },
        { index: 2, code: 'too_old' },
        { index: 4, code: 'in_future' },
      ],
    });
    const s = await stats(other);
    expect(s.impressions).toEqual({ '5m': 1, '1h': 1, '1d': 1, '2d': 1, '3d': 1 });
    // 5 minutes ahead is still the current hour, but not yet a current minute.
    expect(s.clicks).toEqual({ '5m': 0, '1h': 0, '1d': 2, '2d': 2, '3d': 2 });
  });

  it('an `at` with more fraction digits than milliseconds is accepted, cut to milliseconds', async () => {
    const other = await app.createAd();
    const at = iso(app.clock.now() - HOUR).replace(/\.(\d{3})Z$/, '.$1987654321Z');
    expect(at).toMatch(/\.\d{12}Z$/);
    const res = await app.post({ type: 'click', adId: other, at });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, rejected: [] });
    const s = await stats(other);
    expect(s.last.click).toBe(iso(app.clock.now() - HOUR));
  });

  it('a single event answers index 0', async () => {
    const res = await app.post({ type: 'click', adId: 'ghost' });
    expect(await res.json()).toEqual({ accepted: 0, rejected: [{ index: 0, code: 'unknown_ad' }] });
  });

  it('expired and scheduled ads are known; deleted ones are not', async () => {
    const now = app.clock.now();
    const scheduled = await app.createAd({ startAt: now + HOUR, endAt: now + 2 * HOUR });
    const expiring = await app.createAd({ startAt: now - 2 * HOUR, endAt: now - HOUR });
    const deleted = await app.createAd();
    await app.node.service.delete(deleted);
    const res = await app.post([
      { type: 'click', adId: scheduled },
      { type: 'click', adId: expiring },
      { type: 'click', adId: deleted },
    ]);
    expect(await res.json()).toEqual({ accepted: 2, rejected: [{ index: 2, code: 'unknown_ad' }] });
  });
});

describe('stats', () => {
  it('windows, ctr and last, from deltas and after a flush alike', async () => {
    const id = await app.createAd();
    const now = app.clock.now();
    const minute = now - (now % MINUTE);
    const hour = now - (now % HOUR);
    await app.post([
      { type: 'impression', adId: id, at: iso(minute) },
      { type: 'impression', adId: id, at: iso(minute - 4 * MINUTE) },
      { type: 'impression', adId: id, at: iso(minute - 4 * MINUTE - 1) },
      { type: 'impression', adId: id, at: iso(minute - 59 * MINUTE) },
      { type: 'impression', adId: id, at: iso(minute - 59 * MINUTE - 1) },
      { type: 'impression', adId: id, at: iso(hour - 23 * HOUR) },
      { type: 'impression', adId: id, at: iso(hour - 23 * HOUR - 1) },
      { type: 'impression', adId: id, at: iso(hour - 47 * HOUR - 1) },
      { type: 'click', adId: id, at: iso(minute), count: 2 },
    ]);
    const expected = {
      impressions: { '5m': 2, '1h': 4, '1d': 6, '2d': 7, '3d': 8 },
      clicks: { '5m': 2, '1h': 2, '1d': 2, '2d': 2, '3d': 2 },
      ctr: { '5m': 1, '1h': 0.5, '1d': 2 / 6, '2d': 2 / 7, '3d': 0.25 },
      last: { impression: iso(minute), click: iso(minute) },
    };
    expect(await stats(id)).toMatchObject(expected);
    await app.tracking.flush();
    expect(app.tracking.aggregator.spoolBytes()).toBe(0);
    expect(await stats(id)).toMatchObject(expected);
  });

  it('asOf is the server time; ctr is null without impressions', async () => {
    const id = await app.createAd();
    await app.post({ type: 'click', adId: id });
    const s = await stats(id);
    expect(s.asOf).toBe(iso(app.clock.now()));
    expect(s.ctr['5m']).toBeNull();
    expect(s.last).toEqual({ impression: null, click: iso(app.clock.now()) });
  });

  it('out-of-order events land in their own buckets; last never moves back', async () => {
    const id = await app.createAd();
    const now = app.clock.now();
    await app.post({ type: 'impression', adId: id, at: iso(now - MINUTE) });
    await app.tracking.flush();
    await app.post({ type: 'impression', adId: id, at: iso(now - 30 * HOUR) });
    await app.post({ type: 'impression', adId: id, at: iso(now - 10 * MINUTE) });
    const s = await stats(id);
    expect(s.impressions).toEqual({ '5m': 1, '1h': 2, '1d': 2, '2d': 3, '3d': 3 });
    expect(s.last.impression).toBe(iso(now - MINUTE));
    await app.tracking.flush();
    expect((await stats(id)).last.impression).toBe(iso(now - MINUTE));
  });

  it('the windows move with the clock', async () => {
    const id = await app.createAd();
    await app.post({ type: 'impression', adId: id });
    await app.tracking.flush();
    const start = app.clock.now();
    try {
      app.clock.advance(5 * MINUTE);
      expect((await stats(id)).impressions).toEqual({ '5m': 0, '1h': 1, '1d': 1, '2d': 1, '3d': 1 });
      app.clock.advance(HOUR);
      expect((await stats(id)).impressions).toEqual({ '5m': 0, '1h': 0, '1d': 1, '2d': 1, '3d': 1 });
      app.clock.advance(72 * HOUR);
      expect((await stats(id)).impressions['3d']).toBe(0);
    } finally {
      app.clock.set(start);
    }
  });

  it('404 for an unknown id without counts; a deleted ad with counts still answers', async () => {
    expect((await app.get('/api/v1/ad/nothing/stats')).status).toBe(404);
    const id = await app.createAd();
    await app.post({ type: 'click', adId: id });
    await app.node.service.delete(id);
    expect((await stats(id)).clicks['5m']).toBe(1);
  });

  it('needs the admin token', async () => {
    const res = await fetch(`${app.url}/api/v1/ad/${ad}/stats`);
    expect(res.status).toBe(401);
    const wrong = await fetch(`${app.url}/api/v1/ad/${ad}/stats/history?from=${iso(0)}&to=${iso(HOUR)}`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
  });
});

describe('history', () => {
  it('every hour or day that starts in [from, to), zeros included', async () => {
    const id = await app.createAd();
    const now = app.clock.now();
    const hour = now - (now % HOUR);
    await app.post([
      { type: 'impression', adId: id, at: iso(hour - 2 * HOUR + 5) },
      { type: 'click', adId: id, at: iso(hour + 1) },
    ]);
    await app.tracking.flush();
    await app.post({ type: 'impression', adId: id, at: iso(hour) });
    const res = await app.get(
      `/api/v1/ad/${id}/stats/history?from=${iso(hour - 2 * HOUR)}&to=${iso(hour + 1)}&by=hour`,
    );
    expect(await res.json()).toEqual({
      id,
      by: 'hour',
      items: [
        { start: iso(hour - 2 * HOUR), impressions: 1, clicks: 0 },
        { start: iso(hour - HOUR), impressions: 0, clicks: 0 },
        { start: iso(hour), impressions: 1, clicks: 1 },
      ],
    });
    const day = hour - (hour % (24 * HOUR));
    const days = await app.get(
      `/api/v1/ad/${id}/stats/history?from=${iso(day - 1)}&to=${iso(day + 24 * HOUR)}&by=day`,
    );
    const body = (await days.json()) as { items: unknown[] };
    const sameDay = hour - 2 * HOUR >= day;
    expect(body.items).toEqual([{ start: iso(day), impressions: sameDay ? 2 : 1, clicks: 1 }]);
  });

  it('bad queries are 400; more than 2000 periods is 400; 404 for unknown ads', async () => {
    const q = (s: string) => app.get(`/api/v1/ad/${ad}/stats/history?${s}`);
    const from = Date.UTC(2026, 0, 1);
    expect(await details(await q(`to=${iso(from)}`))).toEqual(['from']);
    expect(await details(await q(`from=bad&to=${iso(from)}`))).toEqual(['from']);
    expect(await details(await q(`from=${iso(from)}&to=${iso(from + HOUR)}&by=week`))).toEqual(['by']);
    expect(await details(await q(`from=${iso(from)}&to=${iso(from - 1)}`))).toEqual(['to']);
    expect(await details(await q(`from=${iso(from)}&from=${iso(from)}&to=${iso(from)}`))).toEqual(['from']);
    expect((await q(`from=${iso(from)}&to=${iso(from + 2000 * HOUR)}`)).status).toBe(200);
    expect(await details(await q(`from=${iso(from)}&to=${iso(from + 2000 * HOUR + 1)}`))).toEqual(['to']);
    expect((await q(`from=${iso(from)}&to=${iso(from + 2000 * 24 * HOUR)}&by=day`)).status).toBe(200);
    const none = await app.get(`/api/v1/ad/nothing/stats/history?from=${iso(from)}&to=${iso(from + HOUR)}`);
    expect(none.status).toBe(404);
  });
});

describe('Idempotency-Key', () => {
  it('a retry answers the first answer and counts nothing; another body is a 422', async () => {
    const id = await app.createAd();
    const body = [
      { type: 'impression', adId: id },
      { type: 'impression', adId: 'ghost' },
    ];
    const first = await app.post(body, { 'idempotency-key': `k-${id}` });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.json();
    const again = await app.post(
      JSON.stringify([{ adId: 'ghost', type: 'impression' }]).replace(
        '[',
        `[{"adId":"${id}","type":"impression"},`,
      ),
      { 'idempotency-key': `k-${id}` },
    );
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect((await stats(id)).impressions['5m']).toBe(1);
    const other = await app.post([{ type: 'click', adId: id }], { 'idempotency-key': `k-${id}` });
    expect(other.status).toBe(422);
    expect(((await other.json()) as ErrorJson).error.code).toBe('idempotency_key_reused');
    expect((await stats(id)).clicks['5m']).toBe(0);
  });

  it('holds across replicas sharing the stores', async () => {
    const trackingStore = createSqliteTrackingStore({ filename: join(app.dir, 'shared-tracking.sqlite') });
    const store = createMemoryStore();
    const one = await startTrackingApp({ clock: app.clock, store, trackingStore });
    const two = await startTrackingApp({ clock: app.clock, store, trackingStore });
    try {
      const id = await one.createAd();
      const body = { type: 'impression', adId: id, count: 5 };
      expect((await one.post(body, { 'idempotency-key': 'shared' })).status).toBe(202);
      const replay = await two.post(body, { 'idempotency-key': 'shared' });
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect((await two.post({ ...body, count: 6 }, { 'idempotency-key': 'shared' })).status).toBe(422);
      const s = (await (await two.get(`/api/v1/ad/${id}/stats`)).json()) as StatsJson;
      expect(s.impressions['5m']).toBe(5);
    } finally {
      await one.close();
      await two.close();
      await trackingStore.close();
    }
  });
});

describe('auth and limits', () => {
  it('EVENTS_TOKEN: 401 without the bearer token', async () => {
    const locked = await startTrackingApp({ eventsToken: 'events-secret' });
    try {
      const id = await locked.createAd();
      const none = await locked.post({ type: 'click', adId: id });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(
        (await locked.post({ type: 'click', adId: id }, { authorization: 'Bearer wrong-one' })).status,
      ).toBe(401);
      expect(
        (await locked.post({ type: 'click', adId: id }, { authorization: 'Bearer events-secret' })).status,
      ).toBe(202);
    } finally {
      await locked.close();
    }
  });

  it('EVENTS_RATE_LIMIT: 429 with Retry-After once the budget is spent, nothing counted', async () => {
    const limited = await startTrackingApp({
      rateLimiter: createMemoryRateLimiter({ points: 10, durationSeconds: 60 }),
    });
    try {
      const id = await limited.createAd();
      const batch = (n: number) => Array.from({ length: n }, () => ({ type: 'impression', adId: id }));
      expect((await limited.post(batch(6))).status).toBe(202);
      const over = await limited.post(batch(6));
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await over.json()) as ErrorJson).error.code).toBe('rate_limited');
      // Spent: refused before the body is read, even a malformed one.
      const spent = await limited.post('{');
      expect(spent.status).toBe(429);
      const s = (await (await limited.get(`/api/v1/ad/${id}/stats`)).json()) as StatsJson;
      expect(s.impressions['5m']).toBe(6);
    } finally {
      await limited.close();
    }
  });

  it('SPOOL_MAX_MB: 503 spool_full with Retry-After, then accepted again once flushed', async () => {
    const small = await startTrackingApp({ spoolMaxBytes: 2000 });
    try {
      const id = await small.createAd();
      const batch = Array.from({ length: 50 }, () => ({ type: 'impression', adId: id }));
      expect((await small.post(batch)).status).toBe(202);
      const full = await small.post(batch);
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await full.json()) as ErrorJson).error.code).toBe('spool_full');
      await small.tracking.flush();
      expect((await small.post(batch)).status).toBe(202);
      const s = (await (await small.get(`/api/v1/ad/${id}/stats`)).json()) as StatsJson;
      expect(s.impressions['5m']).toBe(100);
    } finally {
      await small.close();
    }
  });
});

describe('TRACKING_MAX_BUCKETS', () => {
  it('past a quarter of it the deltas are stored at once; past it, 503 spool_full with Retry-After until they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adsm-buckets-'));
    const real = createSqliteTrackingStore({ filename: join(dir, 'tracking.sqlite') });
    let open = () => {};
    let gate = Promise.resolve();
    const flushes: number[] = [];
    // The store takes each flush only once the gate opens: a flush stays in flight meanwhile.
    const gated: TrackingStore = {
      ...real,
      async flush(batch) {
        await gate;
        flushes.push(batch.watermark);
        return real.flush(batch);
      },
    };
    gate = new Promise((resolve) => (open = resolve));
    const bounded = await startTrackingApp({ maxBuckets: 40, trackingStore: gated, dir });
    try {
      const ids = await Promise.all(Array.from({ length: 10 }, () => bounded.createAd()));
      const batch = ids.map((adId) => ({ type: 'impression', adId }));
      // 10 ads × (minute, hour) = 20 buckets: past 40 / 4, a flush starts without the timer.
      expect((await bounded.post(batch)).status).toBe(202);
      expect(bounded.tracking.aggregator.buckets()).toBe(20);
      // 20 more while that flush waits: 40 held, the bound.
      expect((await bounded.post(batch)).status).toBe(202);
      expect(bounded.tracking.aggregator.buckets()).toBe(40);
      const full = await bounded.post(batch);
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      const body = (await full.json()) as ErrorJson & { error: { message: string } };
      expect(body.error.code).toBe('spool_full');
      expect(typeof body.error.message).toBe('string');
      // Refused whole: nothing of it counted.
      expect(bounded.tracking.aggregator.buckets()).toBe(40);
      open();
      await vi.waitFor(() => expect(bounded.tracking.aggregator.buckets()).toBe(0));
      expect(flushes.length).toBeGreaterThanOrEqual(1);
      expect((await bounded.post(batch)).status).toBe(202);
      for (const id of ids) {
        const s = (await (await bounded.get(`/api/v1/ad/${id}/stats`)).json()) as StatsJson;
        expect(s.impressions['5m']).toBe(3);
        expect((await real.read(id, 'x', 0, 0)).hours[0]?.impressions ?? 0).toBeGreaterThanOrEqual(2);
      }
    } finally {
      open();
      await bounded.close();
      await real.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics', () => {
  it('counts accepted and rejected events and the spool', async () => {
    const text = await (await app.get('/metrics')).text();
    expect(text).toMatch(/adsm_events_accepted_total\{type="impression"\} \d+/);
    expect(text).toMatch(/adsm_events_rejected_total\{type="impression",code="unknown_ad"\} \d+/);
    expect(text).toMatch(/adsm_spool_bytes \d+/);
    expect(text).toMatch(/adsm_flush_rows_total \d+/);
    expect(text).toMatch(/adsm_last_flush_timestamp_seconds \d/);
  });
});

describe('/openapi.json', () => {
  it('describes the tracking URLs: GET and POST, 204, 302, 404, 410', async () => {
    const doc = (await (await app.get('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const path = doc.paths['/api/v1/t/{token}'];
    expect(Object.keys(path ?? {}).sort()).toEqual(['get', 'post']);
    for (const op of Object.values(path!)) {
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['204', '302', '404', '410']));
    }
  });
});
