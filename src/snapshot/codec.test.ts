import { describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { apply } from '../statemachine/apply.js';
import { decide } from '../statemachine/decide.js';
import type { Entry } from '../statemachine/entries.js';
import { emptyState, utcDay, type State } from '../statemachine/state.js';
import { makeAd, makeInput, T0, HOUR } from '../../test/support/ads.js';
import { decodeState, encodeState, encodeStateParts } from './codec.js';

/** A state holding every kind of data a snapshot must keep: ads, replies and daily counts. */
function busyState(): State {
  const s = emptyState(createTargetingIndex());
  const a = makeAd({ conditions: [{ country: ['TW'], platform: ['ios'] }] });
  const b = makeAd({ conditions: [{ ageStart: 20, ageEnd: 30, gender: ['F'] }] });
  const c = makeAd({
    id: 'with-delivery',
    delivery: {
      priority: 1,
      weight: 9,
      goals: { impressions: 10, clicks: 2, dailyImpressions: null, dailyClicks: null },
      pacing: 'even',
      frequencyCaps: [{ impressions: 1, seconds: 600 }],
    },
    creative: { landingUrl: 'https://a.example/', data: { k: ['v', 1] } },
  });
  const e = makeAd({ creative: null });
  const d = makeAd({ endAt: T0 + 2 * HOUR });
  const entries: Entry[] = [
    { seq: 1, at: T0, type: 'create', ad: a, idempotency: { key: 'k-a', fingerprint: 'fa' } },
    { seq: 2, at: T0 + 1, type: 'create', ad: b, idempotency: { key: 'k-b', fingerprint: 'fb' } },
    { seq: 3, at: T0 + 2, type: 'create', ad: c },
    { seq: 4, at: T0 + 3, type: 'create', ad: d },
    { seq: 5, at: T0 + 4, type: 'update', ad: { ...b, title: 'changed', version: 2, updatedAt: T0 + 4 } },
    { seq: 6, at: T0 + 5, type: 'delete', id: d.id },
    { seq: 7, at: T0 + 6, type: 'create', ad: e },
  ];
  for (const e of entries) apply(s, e);
  return s;
}

describe('snapshot codec', () => {
  it('encode → decode → encode gives the same snapshot, replies and daily counts included', () => {
    const state = busyState();
    expect(state.replies.size).toBe(2);
    expect(state.createsByDay.get(utcDay(T0))).toBe(5);
    expect(state.ads.get('with-delivery')?.delivery?.frequencyCaps).toHaveLength(1);

    const data = encodeState(state);
    const decoded = decodeState(data, createTargetingIndex());
    expect(encodeState(decoded)).toBe(data);
    expect(decoded.seq).toBe(7);
    expect(decoded.at).toBe(state.at);
    expect(decoded.ads).toEqual(state.ads);
    expect(decoded.ads.get('with-delivery')).toEqual(state.ads.get('with-delivery'));
    expect(decoded.replies).toEqual(state.replies);
    expect([...decoded.replies.keys()]).toEqual([...state.replies.keys()]);
    expect(decoded.createsByDay).toEqual(state.createsByDay);
    expect(decoded.index.page({}, T0, 0, 100)).toEqual(state.index.page({}, T0, 0, 100));
  });

  it('a decoded state decides as the original: a retried key is a replay, quotas count the day', () => {
    const decoded = decodeState(encodeState(busyState()), createTargetingIndex());
    const now = T0 + HOUR;
    const retry = decide(
      decoded,
      { type: 'create', id: 'new', input: makeInput(), idempotency: { key: 'k-a', fingerprint: 'fa' } },
      { now, limits: { maxAdsPerDay: 0, maxActiveAds: 0 } },
    );
    expect(retry.kind).toBe('replay');
    expect(() =>
      decide(
        decoded,
        { type: 'create', id: 'new', input: makeInput() },
        { now, limits: { maxAdsPerDay: 5, maxActiveAds: 0 } },
      ),
    ).toThrow(/per UTC day/);
  });

  it('refuses a snapshot of an unknown version', () => {
    const data = JSON.stringify({ ...(JSON.parse(encodeState(busyState())) as object), v: 2 });
    expect(() => decodeState(data, createTargetingIndex())).toThrow(/unknown snapshot version 2/);
  });

  it('encodes in parts that join to the same snapshot, as the state was when asked', async () => {
    const collect = async (parts: AsyncIterable<string>) => {
      const out: string[] = [];
      for await (const part of parts) out.push(part);
      return out;
    };
    const empty = emptyState(createTargetingIndex());
    expect((await collect(encodeStateParts(empty))).join('')).toBe(encodeState(empty));

    const big = busyState();
    for (let i = 0; i < 3000; i++) {
      const ad = makeAd({ title: `ad ${i} ${'x'.repeat(400)}` });
      const idempotency = i % 2 ? { key: `k-${i}`, fingerprint: `f-${i}` } : undefined;
      apply(big, { seq: big.seq + 1, at: big.at + 1, type: 'create', ad, idempotency });
    }
    const expected = encodeState(big);
    const parts = encodeStateParts(big);
    apply(big, {
      seq: big.seq + 1,
      at: big.at + 1,
      type: 'create',
      ad: makeAd(),
      idempotency: { key: 'late', fingerprint: 'l' },
    });
    const got = await collect(parts);
    expect(got.length).toBeGreaterThan(1);
    expect(got.join('')).toBe(expected);
  });
});
