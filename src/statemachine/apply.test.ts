import { describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { makeAd, T0, HOUR } from '../../test/support/ads.js';
import { apply, GapError } from './apply.js';
import type { Entry } from './entries.js';
import { emptyState, REPLY_TTL_MS, utcDay } from './state.js';

const fresh = () => emptyState(createTargetingIndex());

describe('apply', () => {
  it('applies entries in seq order and tracks seq and commit time', () => {
    const s = fresh();
    const ad = makeAd();
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    expect(s.seq).toBe(1);
    expect(s.at).toBe(T0);
    expect(s.ads.get(ad.id)).toEqual(ad);
    expect(s.index.size).toBe(1);
  });

  it('ignores an entry at or below the applied seq', () => {
    const s = fresh();
    const ad = makeAd();
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    apply(s, { seq: 1, at: T0, type: 'delete', id: ad.id });
    expect(s.ads.has(ad.id)).toBe(true);
    expect(s.seq).toBe(1);
  });

  it('refuses a gap', () => {
    const s = fresh();
    expect(() => apply(s, { seq: 2, at: T0, type: 'create', ad: makeAd() })).toThrow(GapError);
    expect(() => apply(s, { seq: 3, at: T0, type: 'create', ad: makeAd() })).toThrow(
      expect.objectContaining({
        name: 'GapError',
        expected: 1,
        got: 3,
        message: 'log gap: expected seq 1, got 3',
      }) as Error,
    );
    expect(s.seq).toBe(0);
    expect(s.ads.size).toBe(0);
  });

  it('replaces on update and removes on delete', () => {
    const s = fresh();
    const ad = makeAd();
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    const v2 = { ...ad, title: 'new', version: 2 };
    apply(s, { seq: 2, at: T0 + 1, type: 'update', ad: v2 });
    expect(s.ads.get(ad.id)?.version).toBe(2);
    apply(s, { seq: 3, at: T0 + 2, type: 'delete', id: ad.id });
    expect(s.ads.has(ad.id)).toBe(false);
    expect(s.index.size).toBe(0);
  });

  it('expires only the named version', () => {
    const s = fresh();
    const ad = makeAd();
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    apply(s, { seq: 2, at: T0, type: 'update', ad: { ...ad, version: 2 } });
    apply(s, { seq: 3, at: T0, type: 'expire', id: ad.id, version: 1 });
    expect(s.ads.has(ad.id)).toBe(true);
    apply(s, { seq: 4, at: T0, type: 'expire', id: ad.id, version: 2 });
    expect(s.ads.has(ad.id)).toBe(false);
    expect(s.seq).toBe(4);
  });

  it('remembers idempotent replies and forgets them by entry time', () => {
    const s = fresh();
    const a = makeAd();
    const b = makeAd();
    apply(s, { seq: 1, at: T0, type: 'create', ad: a, idempotency: { key: 'k1', fingerprint: 'f' } });
    expect(s.replies.get('k1')?.ad).toEqual(a);
    apply(s, { seq: 2, at: T0 + REPLY_TTL_MS - 1, type: 'create', ad: b });
    expect(s.replies.has('k1')).toBe(true);
    apply(s, { seq: 3, at: T0 + REPLY_TTL_MS, type: 'delete', id: b.id });
    expect(s.replies.has('k1')).toBe(false);
  });

  it('counts creates per UTC day and drops past days', () => {
    const s = fresh();
    const entries: Entry[] = [
      { seq: 1, at: T0, type: 'create', ad: makeAd() },
      { seq: 2, at: T0 + HOUR, type: 'create', ad: makeAd() },
    ];
    for (const e of entries) apply(s, e);
    expect(s.createsByDay.get(utcDay(T0))).toBe(2);
    apply(s, { seq: 3, at: T0 + 24 * HOUR, type: 'create', ad: makeAd() });
    expect(s.createsByDay.get(utcDay(T0))).toBeUndefined();
    expect(s.createsByDay.get(utcDay(T0 + 24 * HOUR))).toBe(1);
  });

  it('deletes and expiries do not give back the daily creates', () => {
    const s = fresh();
    const a = makeAd({ endAt: T0 + HOUR });
    const b = makeAd();
    apply(s, { seq: 1, at: T0, type: 'create', ad: a });
    apply(s, { seq: 2, at: T0, type: 'create', ad: b });
    apply(s, { seq: 3, at: T0 + 1, type: 'delete', id: b.id });
    expect(s.createsByDay.get(utcDay(T0))).toBe(2);
    apply(s, { seq: 4, at: T0 + HOUR, type: 'expire', id: a.id, version: 1 });
    expect(s.ads.size).toBe(0);
    expect(s.createsByDay.get(utcDay(T0))).toBe(2);
  });

  it('keeps replies in commit order, so a key created again is forgotten after the older ones', () => {
    const s = fresh();
    const stamp = (key: string) => ({ key, fingerprint: 'f' });
    apply(s, { seq: 1, at: T0, type: 'create', ad: makeAd(), idempotency: stamp('k1') });
    apply(s, { seq: 2, at: T0 + HOUR, type: 'create', ad: makeAd(), idempotency: stamp('k2') });
    apply(s, { seq: 3, at: T0 + 2 * HOUR, type: 'create', ad: makeAd(), idempotency: stamp('k1') });
    expect([...s.replies.keys()]).toEqual(['k2', 'k1']);
    apply(s, { seq: 4, at: T0 + HOUR + REPLY_TTL_MS, type: 'create', ad: makeAd() });
    expect([...s.replies.keys()]).toEqual(['k1']);
  });

  it('keeps the index in step: an expiry of an old version leaves the ad in it', () => {
    const s = fresh();
    const ad = makeAd();
    apply(s, { seq: 1, at: T0, type: 'create', ad });
    apply(s, { seq: 2, at: T0, type: 'update', ad: { ...ad, version: 2 } });
    expect(s.index.size).toBe(1);
    apply(s, { seq: 3, at: T0, type: 'expire', id: ad.id, version: 1 });
    expect(s.index.size).toBe(1);
    expect(s.index.page({}, T0, 0, 10).map((a) => a.version)).toEqual([2]);
    apply(s, { seq: 4, at: T0, type: 'expire', id: ad.id, version: 2 });
    expect(s.index.size).toBe(0);
  });

  it('commit time never goes back, and an unknown id changes nothing but seq', () => {
    const s = fresh();
    apply(s, { seq: 1, at: T0 + HOUR, type: 'create', ad: makeAd() });
    apply(s, { seq: 2, at: T0, type: 'delete', id: 'unknown' });
    expect(s.at).toBe(T0 + HOUR);
    expect(s.seq).toBe(2);
    expect(s.ads.size).toBe(1);
    apply(s, { seq: 3, at: T0, type: 'expire', id: 'unknown', version: 1 });
    expect(s.ads.size).toBe(1);
  });
});
