import { adMatches, isActiveAt, type Ad, type AdQuery } from '../model/ad.js';

/**
 * The reference answer to the public query: every ad active at `now` that matches `query`, in
 * `(endAt, id)` order, skipping `offset`, at most `limit`. Scans and sorts everything; it exists to
 * check the targeting index against and to measure it by. It orders on its own (by `id`, then a
 * stable sort by `endAt`) rather than with the index's comparator, so a mistake there shows.
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
  const byId = new Map(hits.map((ad) => [ad.id, ad]));
  const ordered = [...byId.keys()]
    .sort()
    .map((id) => byId.get(id)!)
    .sort((a, b) => a.endAt - b.endAt);
  const start = Math.max(0, offset);
  return ordered.slice(start, start + Math.max(0, limit));
}
