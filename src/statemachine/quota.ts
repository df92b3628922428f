import type { Ad } from '../model/ad.js';
import { utcDay, type State } from './state.js';

/** Quota limits; `0` means unlimited. */
export interface Limits {
  readonly maxAdsPerDay: number;
  readonly maxActiveAds: number;
}

export const createsOnDay = (state: State, now: number): number => state.createsByDay.get(utcDay(now)) ?? 0;

/**
 * The largest number of ads in `ads` active at any one instant of `[from, to)`, not counting
 * `excludeId` (the old version of an ad being replaced). Intervals are half-open: an ad ending
 * at `t` and one starting at `t` never overlap.
 */
export function peakActive(ads: Iterable<Ad>, from: number, to: number, excludeId?: string): number {
  if (from >= to) return 0;
  const events: number[] = [];
  for (const ad of ads) {
    if (ad.id === excludeId || ad.startAt >= to || ad.endAt <= from) continue;
    // Encode (time, kind) in one sortable pair list: ends (-1) sort before starts (+1) at equal time.
    events.push(Math.max(ad.startAt, from), 1, ad.endAt, -1);
  }
  const order: number[] = [];
  for (let i = 0; i < events.length; i += 2) order.push(i);
  order.sort((a, b) => events[a]! - events[b]! || events[a + 1]! - events[b + 1]!);
  let running = 0;
  let peak = 0;
  for (const i of order) {
    running += events[i + 1]!;
    if (running > peak) peak = running;
  }
  return peak;
}

/** True when adding an ad active over `[max(now, startAt), endAt)` keeps the active quota. */
export function fitsActiveQuota(state: State, limits: Limits, candidate: Ad, now: number): boolean {
  if (limits.maxActiveAds === 0) return true;
  const from = Math.max(now, candidate.startAt);
  if (from >= candidate.endAt) return true;
  return peakActive(state.ads.values(), from, candidate.endAt, candidate.id) + 1 <= limits.maxActiveAds;
}
