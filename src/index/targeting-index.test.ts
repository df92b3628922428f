import { describe, expect, it } from 'vitest';
import type { Ad, AdQuery, ConditionSet } from '../model/ad.js';
import { bruteForcePage } from './brute-force.js';
import { createTargetingIndex } from './targeting-index.js';

const NOW = 1_000_000;

function ad(
  id: string,
  conditions: ConditionSet[] = [],
  times: { startAt?: number; endAt?: number } = {},
): Ad {
  const startAt = times.startAt ?? NOW - 1_000;
  return {
    id,
    title: id,
    startAt,
    endAt: times.endAt ?? NOW + 1_000,
    conditions,
    version: 1,
    createdAt: 0,
    updatedAt: 0,
  };
}

function indexOf(...ads: Ad[]) {
  const index = createTargetingIndex();
  for (const a of ads) index.upsert(a);
  return index;
}

const ids = (ads: Ad[]): string[] => ads.map((a) => a.id);
const page = (
  index: ReturnType<typeof indexOf>,
  query: AdQuery,
  now = NOW,
  offset = 0,
  limit = 100,
): string[] => ids(index.page(query, now, offset, limit));

describe('targeting index: matching', () => {
  it('empty conditions target everyone', () => {
    const index = indexOf(ad('a'));
    expect(page(index, {})).toEqual(['a']);
    expect(page(index, { age: 1, gender: 'F', country: 'JP', platform: 'web' })).toEqual(['a']);
    expect(page(index, { country: 'ZZ' })).toEqual(['a']);
  });

  it('a list of condition sets matches when any set matches', () => {
    const index = indexOf(
      ad('a', [
        { gender: ['M'], country: ['US'] },
        { gender: ['F'], country: ['TW'] },
      ]),
    );
    expect(page(index, { gender: 'M', country: 'US' })).toEqual(['a']);
    expect(page(index, { gender: 'F', country: 'TW' })).toEqual(['a']);
    expect(page(index, { gender: 'M', country: 'TW' })).toEqual([]);
    expect(page(index, { gender: 'F' })).toEqual(['a']);
  });

  it('an ad matched by several of its sets is returned once', () => {
    const index = indexOf(
      ad('a', [{ platform: ['ios'] }, { platform: ['ios', 'web'] }, { country: ['US'] }]),
      ad('b'),
    );
    expect(page(index, { platform: 'ios', country: 'US' })).toEqual(['a', 'b']);
  });

  it('a missing field in the set does not restrict; a missing query field does not filter', () => {
    const index = indexOf(ad('a', [{ country: ['TW'] }]), ad('b', [{ platform: ['android'] }]));
    expect(page(index, { platform: 'ios' })).toEqual(['a']);
    expect(page(index, { country: 'US' })).toEqual(['b']);
    expect(page(index, { country: 'TW', platform: 'android' })).toEqual(['a', 'b']);
    expect(page(index, { age: 50, gender: 'M' })).toEqual(['a', 'b']);
  });

  it('age bounds are inclusive', () => {
    const index = indexOf(ad('a', [{ ageStart: 20, ageEnd: 30 }]));
    expect(page(index, { age: 19 })).toEqual([]);
    expect(page(index, { age: 20 })).toEqual(['a']);
    expect(page(index, { age: 30 })).toEqual(['a']);
    expect(page(index, { age: 31 })).toEqual([]);
  });

  it('only ageStart means age >= ageStart; only ageEnd means age <= ageEnd', () => {
    const index = indexOf(ad('a', [{ ageStart: 65 }]), ad('b', [{ ageEnd: 12 }]));
    expect(page(index, { age: 100 })).toEqual(['a']);
    expect(page(index, { age: 64 })).toEqual([]);
    expect(page(index, { age: 1 })).toEqual(['b']);
    expect(page(index, { age: 13 })).toEqual([]);
  });

  it('countries never seen before match only ads without a country restriction', () => {
    const index = indexOf(ad('a', [{ country: ['US'] }]), ad('b', [{ gender: ['F'] }]));
    expect(page(index, { country: 'JP' })).toEqual(['b']);
    index.upsert(ad('c', [{ country: ['JP'] }]));
    expect(page(index, { country: 'JP' })).toEqual(['b', 'c']);
  });

  it('ages outside 1..100 or not whole still get the exact answer', () => {
    const index = indexOf(ad('a', [{ ageStart: 20, ageEnd: 30 }]), ad('b', [{ ageStart: 90 }]), ad('c'));
    expect(page(index, { age: 25.5 })).toEqual(['a', 'c']);
    expect(page(index, { age: 150 })).toEqual(['b', 'c']);
    expect(page(index, { age: 0 })).toEqual(['c']);
  });
});

describe('targeting index: time', () => {
  it('hides scheduled ads until startAt', () => {
    const index = indexOf(ad('a', [], { startAt: NOW + 10, endAt: NOW + 20 }));
    expect(page(index, {}, NOW + 9)).toEqual([]);
    expect(page(index, {}, NOW + 10)).toEqual(['a']);
  });

  it('hides ads at exactly endAt', () => {
    const index = indexOf(ad('a', [], { endAt: NOW + 10 }));
    expect(page(index, {}, NOW + 9)).toEqual(['a']);
    expect(page(index, {}, NOW + 10)).toEqual([]);
  });

  it('skips a scheduled ad without shifting the page', () => {
    const index = indexOf(
      ad('a', [], { endAt: NOW + 1 }),
      ad('b', [], { startAt: NOW + 5, endAt: NOW + 2 }),
      ad('c', [], { endAt: NOW + 3 }),
    );
    expect(page(index, {}, NOW, 1, 1)).toEqual(['c']);
  });
});

describe('targeting index: order and paging', () => {
  const many = Array.from({ length: 100 }, (_, i) =>
    ad(`ad-${String(i).padStart(3, '0')}`, [], { endAt: NOW + 1 + (i % 7) }),
  );

  it('orders by endAt, ties broken by id', () => {
    const index = indexOf(
      ad('b', [], { endAt: NOW + 5 }),
      ad('c', [], { endAt: NOW + 1 }),
      ad('a', [], { endAt: NOW + 5 }),
    );
    expect(page(index, {})).toEqual(['c', 'a', 'b']);
  });

  it('pages through offset and limit, at the edges too', () => {
    const index = indexOf(...[...many].reverse());
    const all = ids(bruteForcePage(many, {}, NOW, 0, 1_000));
    expect(page(index, {}, NOW, 0, 100)).toEqual(all);
    expect(page(index, {}, NOW, 0, 1)).toEqual(all.slice(0, 1));
    expect(page(index, {}, NOW, 95, 10)).toEqual(all.slice(95));
    expect(page(index, {}, NOW, 99, 10)).toEqual(all.slice(99));
    expect(page(index, {}, NOW, 100, 10)).toEqual([]);
    expect(page(index, {}, NOW, 1_000, 10)).toEqual([]);
    expect(page(index, {}, NOW, 0, 0)).toEqual([]);
    for (let offset = 0; offset < 100; offset += 7) {
      expect(page(index, {}, NOW, offset, 13)).toEqual(all.slice(offset, offset + 13));
    }
  });

  it('pages right after some ads ended', () => {
    const index = indexOf(...many);
    const later = NOW + 3;
    expect(page(index, {}, later, 2, 5)).toEqual(ids(bruteForcePage(many, {}, later, 2, 5)));
  });
});

describe('targeting index: writes', () => {
  it('upsert replaces the ad conditions and times', () => {
    const index = indexOf(ad('a', [{ country: ['US'] }]), ad('b', [], { endAt: NOW + 500 }));
    index.upsert(ad('a', [{ country: ['TW'] }], { endAt: NOW + 100 }));
    expect(index.size).toBe(2);
    expect(page(index, { country: 'US' })).toEqual(['b']);
    expect(page(index, { country: 'TW' })).toEqual(['a', 'b']);
    index.upsert(ad('a', [{ country: ['TW'] }, { platform: ['web'] }], { endAt: NOW + 900 }));
    expect(page(index, { platform: 'web' })).toEqual(['b', 'a']);
  });

  it('remove drops the ad; unknown ids are ignored', () => {
    const index = indexOf(ad('a', [{ gender: ['F'] }, { gender: ['M'] }]), ad('b'));
    index.remove('a');
    index.remove('nope');
    expect(index.size).toBe(1);
    expect(page(index, {})).toEqual(['b']);
    index.remove('b');
    expect(index.size).toBe(0);
    expect(page(index, { gender: 'F' })).toEqual([]);
  });

  it('stays exact through many inserts and removes (block splits and merges)', () => {
    const index = createTargetingIndex({ blockSize: 4 });
    const live = new Map<string, Ad>();
    for (let i = 0; i < 200; i++) {
      const a = ad(`x${(i * 37) % 101}`, [{ ageStart: i % 50 }, { platform: ['web'] }], {
        endAt: NOW + 1 + (i % 13),
      });
      index.upsert(a);
      live.set(a.id, a);
      if (i % 3 === 0) {
        const gone = `x${(i * 11) % 101}`;
        index.remove(gone);
        live.delete(gone);
      }
    }
    expect(index.size).toBe(live.size);
    for (const q of [{}, { age: 30 }, { platform: 'ios' as const }]) {
      expect(page(index, q)).toEqual(ids(bruteForcePage(live.values(), q, NOW, 0, 100)));
    }
  });

  it('rejects a block size it cannot pack', () => {
    expect(() => createTargetingIndex({ blockSize: 33 })).toThrow(RangeError);
    expect(() => createTargetingIndex({ blockSize: 1 })).toThrow(RangeError);
  });
});
