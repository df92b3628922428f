import type { FrequencyCap } from '../model/delivery.js';

/**
 * Frequency caps per user key: for each (user key, ad) the times the ad was decided for that
 * user, trimmed to the ad's longest cap window. Several caps per ad, each a sliding window.
 */

/** One candidate of a decision, in the order it would be chosen. */
export interface CapCandidate {
  readonly adId: string;
  /** Empty: the ad has no cap and always has room. */
  readonly caps: readonly FrequencyCap[];
}

export interface FrequencyCapStore {
  /**
   * In one atomic step (no other `take` for the same user key runs in between, on any replica):
   * walks `candidates` in order and takes each one whose every cap has room for `userKey` at
   * `now` (fewer than `impressions` recorded times in `(now - seconds·1000, now]` or later), until
   * `count` are taken; records `now` for each taken ad that has caps. Resolves with the indexes
   * of the taken candidates, ascending.
   *
   * Rejects when the store cannot be reached or does not answer in time; then nothing was
   * recorded, or (an answer lost on the way) serves were recorded that nobody got: caps may
   * then refuse early, never late.
   */
  take(userKey: string, candidates: readonly CapCandidate[], count: number, now: number): Promise<number[]>;
  close(): Promise<void>;
}

/** The recorded decision times of one (user key, ad), epoch ms. */
export type ServeTimes = readonly number[];

/** Longest window of `caps` in ms. */
export const longestWindowMs = (caps: readonly FrequencyCap[]): number =>
  caps.reduce((ms, cap) => Math.max(ms, cap.seconds * 1000), 0);

/** `times` without those too old to count for any of `caps` at `now`. */
export function recentTimes(times: ServeTimes, caps: readonly FrequencyCap[], now: number): number[] {
  const from = now - longestWindowMs(caps);
  return times.filter((t) => t > from);
}

/** Whether every cap has room for one more at `now`, given the recorded `times`. */
export function hasRoom(times: ServeTimes, caps: readonly FrequencyCap[], now: number): boolean {
  for (const cap of caps) {
    const from = now - cap.seconds * 1000;
    let inWindow = 0;
    for (const t of times) if (t > from) inWindow++;
    if (inWindow >= cap.impressions) return false;
  }
  return true;
}

/** Where an in-process adapter keeps the times: read and write one (user key, ad). */
export interface ServeTimesTable {
  get(userKey: string, adId: string): ServeTimes | undefined;
  /** `times` empty: forget the pair. `keepUntil`: when the pair may be forgotten (epoch ms). */
  set(userKey: string, adId: string, times: ServeTimes, keepUntil: number): void;
}

/**
 * `FrequencyCapStore.take` over a table, for adapters whose calls cannot interleave (one
 * process, synchronous). The Redis adapter runs the same steps in Lua.
 */
export function takeFrom(
  table: ServeTimesTable,
  userKey: string,
  candidates: readonly CapCandidate[],
  count: number,
  now: number,
): number[] {
  const taken: number[] = [];
  for (let i = 0; i < candidates.length && taken.length < count; i++) {
    const { adId, caps } = candidates[i]!;
    if (caps.length === 0) {
      taken.push(i);
      continue;
    }
    const times = recentTimes(table.get(userKey, adId) ?? [], caps, now);
    if (!hasRoom(times, caps, now)) continue;
    times.push(now);
    table.set(userKey, adId, times, now + longestWindowMs(caps));
    taken.push(i);
  }
  return taken;
}
