import type { Ad, AdQuery } from '../model/ad.js';

/**
 * The targeting index over live (scheduled and active) ads. Pure and in memory.
 * `page` answers one page of the public query in `(endAt, id)` order, counting only ads that are
 * active at `now` and match `query`, without scanning ads that cannot match.
 */
export interface AdIndex {
  /** Inserts the ad, or replaces the ad with the same id. */
  upsert(ad: Ad): void;
  /** Removes the ad with this id; unknown ids are ignored. */
  remove(id: string): void;
  /** Ads active at `now` matching `query`, in `(endAt, id)` order, skipping `offset`, at most `limit`. */
  page(query: AdQuery, now: number, offset: number, limit: number): Ad[];
  /**
   * The earliest `startAt` or `endAt` after `now` of the ads held (`Infinity` if none): `page`
   * answers the same at every time in `[now, nextChange(now))` until the index is changed.
   */
  nextChange(now: number): number;
  /** Number of ads held (scheduled and active, and ended ones not yet removed). */
  readonly size: number;
}
