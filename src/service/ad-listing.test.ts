import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ad } from '../model/ad.js';
import { compareNewestFirst, listAds, passesFilters, type ListOptions } from './ad-listing.js';

const NOW = Date.UTC(2026, 11, 1);

const adArb = fc.record({
  id: fc.stringMatching(/^[a-f0-9]{1,3}$/),
  title: fc.constantFrom('Summer sale', 'winter SALE', 'Été', 'other'),
  startAt: fc.integer({ min: NOW - 3, max: NOW + 3 }),
  length: fc.integer({ min: 1, max: 6 }),
  createdAt: fc.integer({ min: 0, max: 5 }),
});

const toAd = (a: { id: string; title: string; startAt: number; length: number; createdAt: number }): Ad => ({
  id: a.id,
  title: a.title,
  startAt: a.startAt,
  endAt: a.startAt + a.length,
  conditions: [],
  version: 1,
  createdAt: a.createdAt,
  updatedAt: a.createdAt,
});

/** The obvious way: filter everything, sort everything, cut. */
function reference(ads: readonly Ad[], options: ListOptions): Ad[] {
  return ads
    .filter((ad) => options.after === undefined || compareNewestFirst(ad, options.after) > 0)
    .filter((ad) => passesFilters(ad, options, NOW))
    .sort(compareNewestFirst);
}

describe('listAds', () => {
  it('answers the page a full sort would, whatever order the ads come in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(adArb, { selector: (a) => a.id, maxLength: 60 }),
        fc.record({
          status: fc.constantFrom(undefined, 'scheduled', 'active', 'expired' as const),
          q: fc.constantFrom(undefined, 'sale', 'ÉT', 'zzz'),
          limit: fc.integer({ min: 1, max: 10 }),
          after: fc.option(
            fc.record({
              createdAt: fc.integer({ min: 0, max: 5 }),
              id: fc.stringMatching(/^[a-f0-9]{1,3}$/),
            }),
            {
              nil: undefined,
            },
          ),
        }),
        (raw, options) => {
          const ads = raw.map(toAd);
          const expected = reference(ads, options);
          const page = listAds(ads, options, NOW);
          expect(page.ads).toEqual(expected.slice(0, options.limit));
          const last = expected[options.limit - 1];
          expect(page.next).toEqual(
            expected.length > options.limit && last ? { createdAt: last.createdAt, id: last.id } : undefined,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
