import { statusAt, type Ad, type AdStatus } from '../model/ad.js';

/** Where a page of the admin listing stops: the last ad shown, in newest-first order. */
export interface ListPosition {
  readonly createdAt: number;
  readonly id: string;
}

export interface ListOptions {
  /** Status at `now`; all statuses when absent. */
  readonly status?: AdStatus | undefined;
  /** Title contains this, ignoring case. */
  readonly q?: string | undefined;
  /** Only ads strictly after this position (the previous page's last ad). */
  readonly after?: ListPosition | undefined;
  readonly limit: number;
}

export interface ListPage {
  readonly ads: readonly Ad[];
  /** The position to continue from, when more ads follow this page. */
  readonly next: ListPosition | undefined;
  /** The time the statuses were taken at. */
  readonly now: number;
}

/** Newest first: `createdAt` descending, then `id` descending. */
export function compareNewestFirst(a: ListPosition, b: ListPosition): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Whether `ad` passes the status and title filters of `options` at `now`. */
export function passesFilters(ad: Ad, options: ListOptions, now: number): boolean {
  if (options.status !== undefined && statusAt(ad, now) !== options.status) return false;
  return options.q === undefined || ad.title.toLowerCase().includes(options.q.toLowerCase());
}

/**
 * One page of ads in newest-first order. The position is a point in that order, not an offset,
 * so ads created or deleted between two pages never make the next page repeat or skip one that
 * existed on both requests (`createdAt` and `id` never change).
 */
export function listAds(ads: readonly Ad[], options: ListOptions, now: number): ListPage {
  const after = options.after;
  const keep = options.limit + 1;
  // The `keep` newest candidates, in order: a bounded insertion instead of sorting every ad. Ads
  // usually come in creation order, so scanning from the end meets the newest first and most
  // others cost one comparison.
  const best: Ad[] = [];
  for (let i = ads.length - 1; i >= 0; i--) {
    const ad = ads[i]!;
    if (after !== undefined && compareNewestFirst(ad, after) <= 0) continue;
    if (best.length === keep && compareNewestFirst(ad, best[keep - 1]!) >= 0) continue;
    if (!passesFilters(ad, options, now)) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareNewestFirst(best[mid]!, ad) < 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, ad);
    if (best.length > keep) best.pop();
  }
  const page = best.slice(0, options.limit);
  const last = page[page.length - 1];
  const next = best.length > options.limit && last ? { createdAt: last.createdAt, id: last.id } : undefined;
  return { ads: page, next, now };
}
