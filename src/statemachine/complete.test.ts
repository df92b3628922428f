import { describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { statusAt } from '../model/ad.js';
import { makeAd, T0, HOUR } from '../../test/support/ads.js';
import { apply } from './apply.js';
import { decide, type DecideContext } from './decide.js';
import { emptyState } from './state.js';

const fresh = () => emptyState(createTargetingIndex());
const ctx = (now: number): DecideContext => ({ now, limits: { maxAdsPerDay: 0, maxActiveAds: 0 } });

describe('complete(id, version)', () => {
  it('drops the ad from the index, keeps it readable as completed until it expires', () => {
    const s = fresh();
    const ad = makeAd({ startAt: T0, endAt: T0 + 10 * HOUR });
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    apply(s, { seq: 2, at: T0 + HOUR, type: 'complete', id: ad.id, version: 1 });
    expect(s.index.page({}, T0 + HOUR, 0, 10)).toEqual([]);
    const completed = s.ads.get(ad.id)!;
    expect(completed.completedAt).toBe(T0 + HOUR);
    expect(statusAt(completed, T0 + 2 * HOUR)).toBe('completed');
    // After endAt it is expired, whatever its goals.
    expect(statusAt(completed, T0 + 10 * HOUR)).toBe('expired');
    apply(s, { seq: 3, at: T0 + 10 * HOUR, type: 'expire', id: ad.id, version: 1 });
    expect(s.ads.has(ad.id)).toBe(false);
  });

  it('changes nothing for another version or an ad completed already', () => {
    const s = fresh();
    const ad = makeAd({ startAt: T0, endAt: T0 + 10 * HOUR });
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    apply(s, { seq: 2, at: T0, type: 'update', ad: { ...ad, version: 2 } });
    apply(s, { seq: 3, at: T0 + 1, type: 'complete', id: ad.id, version: 1 });
    expect(s.ads.get(ad.id)!.completedAt).toBeUndefined();
    expect(s.index.page({}, T0 + 1, 0, 10)).toHaveLength(1);
    apply(s, { seq: 4, at: T0 + 2, type: 'complete', id: ad.id, version: 2 });
    apply(s, { seq: 5, at: T0 + 3, type: 'complete', id: ad.id, version: 2 });
    expect(s.ads.get(ad.id)!.completedAt).toBe(T0 + 2);
  });

  it('decide: appends only for the current, not completed, not ended version', () => {
    const s = fresh();
    const ad = makeAd({ startAt: T0, endAt: T0 + 10 * HOUR });
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    expect(decide(s, { type: 'complete', id: ad.id, version: 2 }, ctx(T0 + 1))).toEqual({ kind: 'noop' });
    expect(decide(s, { type: 'complete', id: 'nope', version: 1 }, ctx(T0 + 1))).toEqual({ kind: 'noop' });
    expect(decide(s, { type: 'complete', id: ad.id, version: 1 }, ctx(T0 + 10 * HOUR))).toEqual({
      kind: 'noop',
    });
    expect(decide(s, { type: 'complete', id: ad.id, version: 1 }, ctx(T0 + 1))).toEqual({
      kind: 'append',
      entry: { type: 'complete', at: T0 + 1, id: ad.id, version: 1 },
    });
    apply(s, { seq: 2, at: T0 + 1, type: 'complete', id: ad.id, version: 1 });
    expect(decide(s, { type: 'complete', id: ad.id, version: 1 }, ctx(T0 + 2))).toEqual({ kind: 'noop' });
  });

  it('a PUT of a completed ad makes a new version that is not completed, back in the index', () => {
    const s = fresh();
    const ad = makeAd({ startAt: T0, endAt: T0 + 10 * HOUR });
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    apply(s, { seq: 2, at: T0 + 1, type: 'complete', id: ad.id, version: 1 });
    const d = decide(s, { type: 'update', id: ad.id, input: { ...ad, title: 'again' } }, ctx(T0 + 2));
    if (d.kind !== 'append' || d.entry.type !== 'update') throw new Error('expected an update');
    expect(d.entry.ad.completedAt).toBeUndefined();
    apply(s, { seq: 3, ...d.entry });
    expect(s.index.page({}, T0 + 2, 0, 10).map((a) => a.id)).toEqual([ad.id]);
  });
});
