import { adMatches, compareAds, isActiveAt, type Ad, type AdQuery } from '../statemachine/ad.js';

/**
 * The reference answer to the public query: every ad active at `now` that matches `query`, in
 * `(endAt, id)` order, skipping `offset`, at most `limit`. Scans and sorts everything; it exists to
 * check the targeting index against and to measure it by.
 */
export function bruteForcePage(
  ads: Iterable<Ad>,
  query: AdQuery,
  now: number,
  offset: number,
  limit: number,
): Ad[] {
  const hits: Ad[] = [];
  for (const ad of ads) if (isActiveAt(ad, now) && adMatches(ad, query)) hits.push(ad);
  const start = Math.max(0, offset);
  return hits.sort(compareAds).slice(start, start + Math.max(0, limit));
}
