import { describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { makeAd, makeInput, T0, HOUR, DAY } from '../../test/support/ads.js';
import { AppError } from '../model/errors.js';
import { apply } from './apply.js';
import { decide, type Command } from './decide.js';
import type { Ad } from '../model/ad.js';
import { fitsActiveQuota, peakActive, type Limits } from './quota.js';
import { emptyState, type State } from './state.js';

const none: Limits = { maxAdsPerDay: 0, maxActiveAds: 0 };

function stateWith(ads: Ad[]): State {
  const s = emptyState(createTargetingIndex());
  ads.forEach((ad, i) => apply(s, { seq: i + 1, at: T0, type: 'create', ad }));
  return s;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return `${err.status} ${err.code}`;
    throw err;
  }
  return 'ok';
}

describe('decide', () => {
  it('creates version 1 stamped with the commit time', () => {
    const d = decide(
      stateWith([]),
      { type: 'create', id: 'x', input: makeInput() },
      { now: T0, limits: none },
    );
    expect(d.kind).toBe('append');
    if (d.kind === 'append' && d.entry.type === 'create') {
      expect(d.entry.ad).toMatchObject({ id: 'x', version: 1, createdAt: T0, updatedAt: T0 });
    }
  });

  it('bumps the version on update and keeps createdAt', () => {
    const ad = makeAd({ createdAt: T0 - DAY });
    const d = decide(
      stateWith([ad]),
      { type: 'update', id: ad.id, input: makeInput({ title: 'n' }) },
      {
        now: T0 + 5,
        limits: none,
      },
    );
    if (d.kind !== 'append' || d.entry.type !== 'update') throw new Error('expected update');
    expect(d.entry.ad).toMatchObject({ version: 2, title: 'n', createdAt: T0 - DAY, updatedAt: T0 + 5 });
  });

  it('answers 404 before 412, and If-Match accepts the current version and *', () => {
    const ad = makeAd();
    const s = stateWith([ad]);
    const ctx = { now: T0, limits: none };
    expect(codeOf(() => decide(s, { type: 'delete', id: 'nope', ifMatch: 9 }, ctx))).toBe('404 not_found');
    expect(() => decide(s, { type: 'delete', id: 'nope' }, ctx)).toThrow('ad not found');
    expect(codeOf(() => decide(s, { type: 'delete', id: ad.id, ifMatch: 9 }, ctx))).toBe(
      '412 version_mismatch',
    );
    expect(codeOf(() => decide(s, { type: 'delete', id: ad.id, ifMatch: 1 }, ctx))).toBe('ok');
    expect(codeOf(() => decide(s, { type: 'delete', id: ad.id, ifMatch: '*' }, ctx))).toBe('ok');
  });

  it('refuses an old version in If-Match after the ad changed, on update and delete', () => {
    const ad = makeAd();
    const s = stateWith([ad]);
    apply(s, { seq: 2, at: T0, type: 'update', ad: { ...ad, title: 'v2', version: 2 } });
    const ctx = { now: T0, limits: none };
    const update = (ifMatch: number | '*'): Command => ({
      type: 'update',
      id: ad.id,
      input: makeInput(),
      ifMatch,
    });
    expect(codeOf(() => decide(s, update(1), ctx))).toBe('412 version_mismatch');
    expect(codeOf(() => decide(s, { type: 'delete', id: ad.id, ifMatch: 1 }, ctx))).toBe(
      '412 version_mismatch',
    );
    expect(codeOf(() => decide(s, update(3), ctx))).toBe('412 version_mismatch');
    expect(codeOf(() => decide(s, update(2), ctx))).toBe('ok');
    expect(codeOf(() => decide(s, { type: 'delete', id: ad.id, ifMatch: 2 }, ctx))).toBe('ok');
  });

  it('uses the stored row only for the ad it names', () => {
    const other = makeAd({ id: 'other', endAt: T0 - 1 });
    const ctx = { now: T0, limits: none, stored: other };
    const cmd: Command = { type: 'update', id: 'wanted', input: makeInput() };
    expect(codeOf(() => decide(stateWith([]), cmd, ctx))).toBe('404 not_found');
    expect(codeOf(() => decide(stateWith([]), { type: 'delete', id: 'wanted' }, ctx))).toBe('404 not_found');
  });

  it('says which quota was hit', () => {
    const s = stateWith([makeAd()]);
    const daily = () =>
      decide(
        s,
        { type: 'create', id: 'n', input: makeInput() },
        { now: T0, limits: { maxAdsPerDay: 1, maxActiveAds: 0 } },
      );
    expect(daily).toThrow('at most 1 ads may be created per UTC day');
    const active = () =>
      decide(
        s,
        { type: 'create', id: 'n', input: makeInput() },
        { now: T0, limits: { maxAdsPerDay: 0, maxActiveAds: 1 } },
      );
    expect(active).toThrow('at most 1 ads may be active at any instant');
  });

  it('finds an expired ad through the stored row', () => {
    const ad = makeAd({ endAt: T0 - 1 });
    const d = decide(
      stateWith([]),
      { type: 'update', id: ad.id, input: makeInput() },
      {
        now: T0,
        limits: none,
        stored: ad,
      },
    );
    expect(d.kind).toBe('append');
  });

  it('replays a remembered key, refuses it with another body, before any quota', () => {
    const s = stateWith([]);
    const first = makeAd({ id: 'first' });
    apply(s, { seq: 1, at: T0, type: 'create', ad: first, idempotency: { key: 'k', fingerprint: 'f1' } });
    const ctx = { now: T0, limits: { maxAdsPerDay: 1, maxActiveAds: 1 } };
    const replay = decide(
      s,
      { type: 'create', id: 'y', input: makeInput(), idempotency: { key: 'k', fingerprint: 'f1' } },
      ctx,
    );
    expect(replay).toEqual({ kind: 'replay', ad: first });
    const cmd: Command = {
      type: 'create',
      id: 'y',
      input: makeInput(),
      idempotency: { key: 'k', fingerprint: 'f2' },
    };
    expect(codeOf(() => decide(s, cmd, ctx))).toBe('422 idempotency_key_reused');
    expect(codeOf(() => decide(s, { type: 'create', id: 'z', input: makeInput() }, ctx))).toBe(
      '429 quota_exceeded',
    );
  });

  it('enforces the daily quota per UTC day', () => {
    const s = stateWith([makeAd(), makeAd()]);
    const limits = { maxAdsPerDay: 2, maxActiveAds: 0 };
    const cmd: Command = { type: 'create', id: 'n', input: makeInput() };
    expect(codeOf(() => decide(s, cmd, { now: T0, limits }))).toBe('429 quota_exceeded');
    const tomorrow = Date.UTC(2026, 11, 2);
    expect(codeOf(() => decide(s, cmd, { now: tomorrow, limits }))).toBe('ok');
  });

  it('counts the active quota only where intervals overlap', () => {
    // a: [T0, T0+2h), b: [T0+3h, T0+5h): never overlap, so peak is 1 anywhere.
    const a = makeAd({ startAt: T0, endAt: T0 + 2 * HOUR });
    const b = makeAd({ startAt: T0 + 3 * HOUR, endAt: T0 + 5 * HOUR });
    const s = stateWith([a, b]);
    const limits = { maxAdsPerDay: 0, maxActiveAds: 2 };
    const spanning = makeInput({ startAt: T0, endAt: T0 + 6 * HOUR });
    expect(codeOf(() => decide(s, { type: 'create', id: 'c', input: spanning }, { now: T0, limits }))).toBe(
      'ok',
    );
    const tight = { maxAdsPerDay: 0, maxActiveAds: 1 };
    const gapOnly = makeInput({ startAt: T0 + 2 * HOUR, endAt: T0 + 3 * HOUR });
    expect(
      codeOf(() => decide(s, { type: 'create', id: 'd', input: gapOnly }, { now: T0, limits: tight })),
    ).toBe('ok');
    expect(
      codeOf(() => decide(s, { type: 'create', id: 'e', input: spanning }, { now: T0, limits: tight })),
    ).toBe('429 quota_exceeded');
    // An update is counted without its old version.
    const moveA = makeInput({ startAt: T0, endAt: T0 + HOUR });
    expect(
      codeOf(() => decide(s, { type: 'update', id: a.id, input: moveA }, { now: T0, limits: tight })),
    ).toBe('ok');
    // The past does not count: from max(now, startAt).
    const late = T0 + 2 * HOUR + 1;
    const fromPast = makeInput({ startAt: T0 - DAY, endAt: T0 + 3 * HOUR });
    expect(
      codeOf(() => decide(s, { type: 'create', id: 'f', input: fromPast }, { now: late, limits: tight })),
    ).toBe('ok');
  });

  it('expires only a due, current version', () => {
    const ad = makeAd({ endAt: T0 + HOUR });
    const s = stateWith([ad]);
    // Not due yet by the commit time: refused, with how long to wait.
    expect(decide(s, { type: 'expire', id: ad.id, version: 1 }, { now: T0, limits: none })).toEqual({
      kind: 'early',
      dueInMs: HOUR,
    });
    expect(decide(s, { type: 'expire', id: ad.id, version: 2 }, { now: T0 + HOUR, limits: none }).kind).toBe(
      'noop',
    );
    expect(decide(s, { type: 'expire', id: ad.id, version: 1 }, { now: T0 + HOUR, limits: none })).toEqual({
      kind: 'append',
      entry: { type: 'expire', at: T0 + HOUR, id: ad.id, version: 1 },
    });
  });
});

describe('peakActive', () => {
  it('treats intervals as half-open', () => {
    const ads = [makeAd({ startAt: 0, endAt: 10 }), makeAd({ startAt: 10, endAt: 20 })];
    expect(peakActive(ads, 0, 20)).toBe(1);
    expect(peakActive([...ads, makeAd({ startAt: 5, endAt: 15 })], 0, 20)).toBe(2);
    expect(peakActive(ads, 20, 30)).toBe(0);
  });

  it('counts only what lies inside [from, to), leaves out the excluded id, and an empty window holds none', () => {
    const a = makeAd({ id: 'a', startAt: 0, endAt: 10 });
    const b = makeAd({ id: 'b', startAt: 5, endAt: 15 });
    const c = makeAd({ id: 'c', startAt: 8, endAt: 30 });
    expect(peakActive([a, b, c], 0, 30)).toBe(3);
    expect(peakActive([a, b, c], 0, 30, 'b')).toBe(2);
    expect(peakActive([a, b, c], 10, 30)).toBe(2);
    expect(peakActive([a, b, c], 15, 30)).toBe(1);
    expect(peakActive([a, b, c], 0, 5)).toBe(1);
    expect(peakActive([a, b, c], 0, 8)).toBe(2);
    expect(peakActive([a, b, c], 9, 9)).toBe(0);
    expect(peakActive([a, b, c], 12, 9)).toBe(0);
    expect(peakActive([], 0, 10)).toBe(0);
  });
});

describe('fitsActiveQuota', () => {
  it('an ad wholly in the past fits any quota; 0 means unlimited', () => {
    const s = stateWith([makeAd({ startAt: T0 - DAY, endAt: T0 + DAY })]);
    const past = makeAd({ id: 'past', startAt: T0 - 2 * DAY, endAt: T0 - DAY });
    expect(fitsActiveQuota(s, { maxAdsPerDay: 0, maxActiveAds: 1 }, past, T0)).toBe(true);
    const now = makeAd({ id: 'now', startAt: T0 - HOUR, endAt: T0 + HOUR });
    expect(fitsActiveQuota(s, { maxAdsPerDay: 0, maxActiveAds: 1 }, now, T0)).toBe(false);
    expect(fitsActiveQuota(s, { maxAdsPerDay: 0, maxActiveAds: 2 }, now, T0)).toBe(true);
    expect(fitsActiveQuota(s, { maxAdsPerDay: 0, maxActiveAds: 0 }, now, T0)).toBe(true);
    const endsNow = makeAd({ id: 'ends', startAt: T0 - HOUR, endAt: T0 });
    expect(fitsActiveQuota(s, { maxAdsPerDay: 0, maxActiveAds: 1 }, endsNow, T0)).toBe(true);
  });
});
