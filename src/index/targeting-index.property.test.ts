import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENDERS, PLATFORMS, type Ad, type AdQuery, type ConditionSet } from '../model/ad.js';
import { bruteForcePage } from './brute-force.js';
import { createTargetingIndex } from './targeting-index.js';
import { propertyRuns } from '../../test/support/property-runs.js';

const COUNTRIES = ['US', 'TW', 'GB', 'JP'];

const conditionSet: fc.Arbitrary<ConditionSet> = fc
  .record(
    {
      ageStart: fc.integer({ min: 1, max: 100 }),
      ageEnd: fc.integer({ min: 1, max: 100 }),
      gender: fc.subarray([...GENDERS], { minLength: 1 }),
      country: fc.subarray(COUNTRIES, { minLength: 1 }),
      platform: fc.subarray([...PLATFORMS], { minLength: 1 }),
    },
    { requiredKeys: [] },
  )
  .map((set) =>
    set.ageStart !== undefined && set.ageEnd !== undefined && set.ageStart > set.ageEnd
      ? { ...set, ageStart: set.ageEnd, ageEnd: set.ageStart }
      : set,
  );

const query: fc.Arbitrary<AdQuery> = fc.record(
  {
    age: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 100 }) }, fc.constantFrom(0, 101, 42.5)),
    gender: fc.constantFrom(...GENDERS),
    country: fc.constantFrom(...COUNTRIES, 'FR'),
    platform: fc.constantFrom(...PLATFORMS),
  },
  { requiredKeys: [] },
);

type Command =
  | {
      readonly kind: 'upsert';
      readonly id: number;
      readonly startAt: number;
      readonly length: number;
      readonly conditions: ConditionSet[];
    }
  | { readonly kind: 'remove'; readonly id: number }
  | {
      readonly kind: 'query';
      readonly query: AdQuery;
      readonly now: number;
      readonly offset: number;
      readonly limit: number;
    };

function commands(ids: number, times: number, maxLength: number): fc.Arbitrary<Command[]> {
  const upsert = fc.record({
    kind: fc.constant('upsert' as const),
    id: fc.nat(ids - 1),
    startAt: fc.nat(times),
    length: fc.integer({ min: 1, max: times }),
    conditions: fc.oneof(
      fc.constant<ConditionSet[]>([]),
      fc.array(conditionSet, { minLength: 1, maxLength: 3 }),
    ),
  });
  const remove = fc.record({ kind: fc.constant('remove' as const), id: fc.nat(ids - 1) });
  const ask = fc.record({
    kind: fc.constant('query' as const),
    query,
    now: fc.nat(2 * times),
    offset: fc.nat(6),
    limit: fc.integer({ min: 1, max: 8 }),
  });
  return fc.array(fc.oneof({ weight: 4, arbitrary: upsert }, remove, { weight: 3, arbitrary: ask }), {
    maxLength,
    size: 'max',
  });
}

/** The earliest start or end after `now`, by scanning every ad. */
function nextChangeOf(ads: Iterable<Ad>, now: number): number {
  let next = Infinity;
  for (const a of ads) {
    if (a.startAt > now) next = Math.min(next, a.startAt);
    if (a.endAt > now) next = Math.min(next, a.endAt);
  }
  return next;
}

/** Replays the commands on a fresh index and a plain map, comparing every query with brute force. */
function replay(blockSize: number, script: Command[]): void {
  const index = createTargetingIndex({ blockSize });
  const live = new Map<string, Ad>();
  let version = 0;
  for (const c of script) {
    if (c.kind === 'upsert') {
      const id = `ad-${c.id}`;
      const a: Ad = {
        id,
        title: id,
        startAt: c.startAt,
        endAt: c.startAt + c.length,
        conditions: c.conditions,
        version: ++version,
        createdAt: 0,
        updatedAt: 0,
      };
      index.upsert(a);
      live.set(id, a);
    } else if (c.kind === 'remove') {
      index.remove(`ad-${c.id}`);
      live.delete(`ad-${c.id}`);
    } else {
      const got = index.page(c.query, c.now, c.offset, c.limit).map((a) => a.id);
      const want = bruteForcePage(live.values(), c.query, c.now, c.offset, c.limit).map((a) => a.id);
      expect(got).toEqual(want);
      expect(index.nextChange(c.now)).toBe(nextChangeOf(live.values(), c.now));
    }
  }
  expect(index.size).toBe(live.size);
  for (let now = 0; now <= 200; now += 25) {
    const all = index.page({}, now, 0, 1_000).map((a) => a.id);
    expect(all).toEqual(bruteForcePage(live.values(), {}, now, 0, 1_000).map((a) => a.id));
    expect(index.nextChange(now)).toBe(nextChangeOf(live.values(), now));
  }
}

const blockSizes = fc.constantFrom(2, 3, 4, 8, 32);

describe('targeting index against brute force (pages and next change)', () => {
  it('agrees on short histories over a few ids (10,000 runs)', () => {
    fc.assert(
      fc.property(blockSizes, commands(12, 60, 40), (blockSize, script) => replay(blockSize, script)),
      { numRuns: propertyRuns(10_000) },
    );
  });

  it('agrees on long histories over many ids (splits, merges, endAt ties)', () => {
    fc.assert(
      fc.property(blockSizes, commands(150, 20, 600), (blockSize, script) => replay(blockSize, script)),
      { numRuns: propertyRuns(150) },
    );
  });
});
