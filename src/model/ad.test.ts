import { describe, expect, it } from 'vitest';
import { makeAd } from '../../test/support/ads.js';
import { adMatches, compareAds, isActiveAt, normalizeConditions, setMatches, statusAt } from './ad.js';

describe('ad model', () => {
  it('status and activity use the half-open interval [startAt, endAt)', () => {
    const ad = makeAd({ startAt: 100, endAt: 200 });
    expect([99, 100, 199, 200].map((t) => statusAt(ad, t))).toEqual([
      'scheduled',
      'active',
      'active',
      'expired',
    ]);
    expect([99, 100, 199, 200].map((t) => isActiveAt(ad, t))).toEqual([false, true, true, false]);
  });

  it('a set matches when every field it names admits the query; a missing query field admits all', () => {
    const set = {
      ageStart: 20,
      ageEnd: 30,
      gender: ['F' as const],
      country: ['TW'],
      platform: ['ios' as const],
    };
    expect(setMatches(set, {})).toBe(true);
    expect(setMatches(set, { age: 20 })).toBe(true);
    expect(setMatches(set, { age: 30 })).toBe(true);
    expect(setMatches(set, { age: 19 })).toBe(false);
    expect(setMatches(set, { age: 31 })).toBe(false);
    expect(setMatches(set, { gender: 'F' })).toBe(true);
    expect(setMatches(set, { gender: 'M' })).toBe(false);
    expect(setMatches(set, { country: 'TW' })).toBe(true);
    expect(setMatches(set, { country: 'JP' })).toBe(false);
    expect(setMatches(set, { platform: 'ios' })).toBe(true);
    expect(setMatches(set, { platform: 'web' })).toBe(false);
    expect(setMatches({ ageStart: 20 }, { age: 99 })).toBe(true);
    expect(setMatches({ ageEnd: 30 }, { age: 1 })).toBe(true);
    expect(setMatches({}, { age: 5, gender: 'M', country: 'JP', platform: 'web' })).toBe(true);
  });

  it('an ad matches when it has no sets or any of its sets matches', () => {
    expect(adMatches(makeAd({ conditions: [] }), { country: 'JP' })).toBe(true);
    const ad = makeAd({ conditions: [{ country: ['TW'] }, { platform: ['web'] }] });
    expect(adMatches(ad, { country: 'TW', platform: 'ios' })).toBe(true);
    expect(adMatches(ad, { country: 'JP', platform: 'web' })).toBe(true);
    expect(adMatches(ad, { country: 'JP', platform: 'ios' })).toBe(false);
  });

  it('orders by endAt, then by id in code-unit order', () => {
    const a = makeAd({ id: 'a', endAt: 2 });
    const b = makeAd({ id: 'b', endAt: 1 });
    const c = makeAd({ id: 'B', endAt: 2 });
    expect(compareAds(b, a)).toBeLessThan(0);
    expect(compareAds(a, b)).toBeGreaterThan(0);
    expect(compareAds(c, a)).toBeLessThan(0);
    expect(compareAds(a, c)).toBeGreaterThan(0);
    expect(compareAds(a, { ...a })).toBe(0);
  });

  it('normalises condition sets: nulls dropped, duplicates removed, countries upper-cased', () => {
    expect(
      normalizeConditions([
        {
          ageStart: 20,
          ageEnd: null,
          gender: ['F', 'F'],
          country: ['tw', 'TW', 'jp'],
          platform: ['ios', 'ios'],
        },
        { ageEnd: 30 },
      ]),
    ).toEqual([{ ageStart: 20, gender: ['F'], country: ['TW', 'JP'], platform: ['ios'] }, { ageEnd: 30 }]);
    expect(normalizeConditions([])).toEqual([]);
  });

  it('any empty set makes the ad target everyone', () => {
    expect(normalizeConditions([{ country: ['TW'] }, { ageStart: null, gender: null }])).toEqual([]);
    expect(normalizeConditions([{}, { country: ['TW'] }])).toEqual([]);
  });
});
