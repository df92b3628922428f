/**
 * Not-yet-stored counts of one replica, by (ad, minute) and (ad, hour), with the greatest `at`
 * per type. Pure data: no I/O, no clock. Memory is bounded by what arrives between two flushes.
 */
import { floorTo, HOUR, MINUTE, type BucketCounts, type TypeIndex } from './buckets.js';
import type { FireRecord } from './fires.js';

/**
 * One accepted event as the spool stores it: type, ad, `at` (epoch ms), count; a tracking URL's
 * fire also carries its URL's decision (signer, hour, n) and expiry, and counts only if it is
 * the URL's first fire (settled when flushed, see `fires.ts`).
 */
export type EventRecord =
  | readonly [type: TypeIndex, adId: string, at: number, count: number]
  | readonly [type: TypeIndex, adId: string, at: number, count: 1, fire: FireOf];

/** A fire's URL: decision signer, hour and number, and expiry (epoch ms). */
export type FireOf = readonly [signer: number, hour: number, n: number, expiresAt: number];

/** Two sums: impressions at 0, clicks at 1. */
type Pair = [number, number];

interface AdDelta {
  readonly minutes: Map<number, Pair>;
  readonly hours: Map<number, Pair>;
  /** Greatest `at` per type, -1 when none. */
  readonly last: Pair;
}

/** A row of a flush: the sums of one ad in one bucket. */
export interface CountRow {
  readonly adId: string;
  readonly start: number;
  readonly impressions: number;
  readonly clicks: number;
}

/** Greatest `at` per type of one ad (`null` when none in this batch). */
export interface LastRow {
  readonly adId: string;
  readonly impression: number | null;
  readonly click: number | null;
}

const bump = (map: Map<number, Pair>, start: number, type: TypeIndex, count: number): void => {
  const pair = map.get(start);
  if (pair) pair[type] += count;
  else map.set(start, type === 0 ? [count, 0] : [0, count]);
};

const byKey = (a: CountRow, b: CountRow): number =>
  a.adId < b.adId ? -1 : a.adId > b.adId ? 1 : a.start - b.start;

export class Deltas {
  private readonly ads = new Map<string, AdDelta>();
  /** Fires of tracking URLs, counted only once settled by the store. */
  readonly fires: FireRecord[] = [];
  /** Events added (sum of counts). */
  events = 0;

  get isEmpty(): boolean {
    return this.ads.size === 0 && this.fires.length === 0;
  }

  add(record: EventRecord): void {
    const [type, adId, at, count, fire] = record;
    if (fire) {
      this.fires.push({ type, adId, at, signer: fire[0], hour: fire[1], n: fire[2], expiresAt: fire[3] });
      return;
    }
    let ad = this.ads.get(adId);
    if (!ad) {
      ad = { minutes: new Map(), hours: new Map(), last: [-1, -1] };
      this.ads.set(adId, ad);
    }
    bump(ad.minutes, floorTo(at, MINUTE), type, count);
    bump(ad.hours, floorTo(at, HOUR), type, count);
    if (at > ad.last[type]) ad.last[type] = at;
    this.events += count;
  }

  /** This ad's minute and hour buckets and greatest `at` per type. */
  of(
    adId: string,
  ): { minutes: BucketCounts[]; hours: BucketCounts[]; last: readonly [number, number] } | undefined {
    const ad = this.ads.get(adId);
    if (!ad) return undefined;
    const rows = (map: Map<number, Pair>) =>
      [...map].map(([start, [impressions, clicks]]) => ({ start, impressions, clicks }));
    return { minutes: rows(ad.minutes), hours: rows(ad.hours), last: ad.last };
  }

  /**
   * Rows for the store, each list sorted by (ad id, start) so that concurrent flushes lock rows
   * in one order. Minute buckets before `minutesFrom` are left out: the store keeps none.
   */
  toRows(minutesFrom: number): { minutes: CountRow[]; hours: CountRow[]; last: LastRow[] } {
    const minutes: CountRow[] = [];
    const hours: CountRow[] = [];
    const last: LastRow[] = [];
    for (const [adId, ad] of this.ads) {
      for (const [start, [impressions, clicks]] of ad.minutes) {
        if (start >= minutesFrom) minutes.push({ adId, start, impressions, clicks });
      }
      for (const [start, [impressions, clicks]] of ad.hours) hours.push({ adId, start, impressions, clicks });
      last.push({
        adId,
        impression: ad.last[0] < 0 ? null : ad.last[0],
        click: ad.last[1] < 0 ? null : ad.last[1],
      });
    }
    minutes.sort(byKey);
    hours.sort(byKey);
    last.sort((a, b) => (a.adId < b.adId ? -1 : a.adId > b.adId ? 1 : 0));
    return { minutes, hours, last };
  }
}
