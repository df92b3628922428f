/**
 * Bucket and window arithmetic of delivery tracking. Pure: no I/O, no clock; every time is an
 * epoch-millisecond argument.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An event whose `at` is more than this before the server's time is `too_old`. */
export const MAX_AGE_MS = 72 * HOUR;
/** An event whose `at` is more than this after the server's time is `in_future`. */
export const MAX_AHEAD_MS = 5 * MINUTE;

export const EVENT_TYPES = ['impression', 'click'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Index of a type in count pairs and spool records: 0 impression, 1 click. */
export type TypeIndex = 0 | 1;

export type Rejection = 'unknown_ad' | 'too_old' | 'in_future';

/** The start of the bucket of `unit` milliseconds that holds `t`. */
export const floorTo = (t: number, unit: number): number => t - (((t % unit) + unit) % unit);

/** Why an event at `at` cannot be counted at server time `now`, or `undefined` when it can. */
export function timeProblem(at: number, now: number): 'too_old' | 'in_future' | undefined {
  if (at < now - MAX_AGE_MS) return 'too_old';
  if (at > now + MAX_AHEAD_MS) return 'in_future';
  return undefined;
}

export const WINDOW_NAMES = ['5m', '1h', '1d', '2d', '3d'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

/** Each window: its bucket size and how many buckets, the current one included. */
const WINDOWS: Readonly<Record<WindowName, readonly [unit: number, buckets: number]>> = {
  '5m': [MINUTE, 5],
  '1h': [MINUTE, 60],
  '1d': [HOUR, 24],
  '2d': [HOUR, 48],
  '3d': [HOUR, 72],
};

/** A bucket's sums. */
export interface BucketCounts {
  readonly start: number;
  readonly impressions: number;
  readonly clicks: number;
}

/** Earliest minute and hour bucket start any window needs at `now`. */
export function windowFloors(now: number): { minuteFrom: number; hourFrom: number } {
  return {
    minuteFrom: floorTo(now, MINUTE) - 59 * MINUTE,
    hourFrom: floorTo(now, HOUR) - 71 * HOUR,
  };
}

export type WindowTotals = Record<WindowName, { impressions: number; clicks: number }>;

/**
 * Sums per window at `now`: `5m`/`1h` from minute buckets (the current minute and the 4 or 59
 * before it), `1d`/`2d`/`3d` from hour buckets (the current hour and the 23, 47 or 71 before it).
 * Buckets after the current one (events up to 5 minutes ahead) count in no window yet. The same
 * start may appear several times (stored sums plus unflushed deltas): they add up.
 */
export function windowTotals(
  now: number,
  minutes: Iterable<BucketCounts>,
  hours: Iterable<BucketCounts>,
): WindowTotals {
  const out = {} as WindowTotals;
  for (const name of WINDOW_NAMES) out[name] = { impressions: 0, clicks: 0 };
  const add = (rows: Iterable<BucketCounts>, unit: number) => {
    const current = floorTo(now, unit);
    for (const row of rows) {
      if (row.start > current) continue;
      for (const name of WINDOW_NAMES) {
        const [u, n] = WINDOWS[name];
        if (u !== unit || row.start <= current - n * unit) continue;
        out[name].impressions += row.impressions;
        out[name].clicks += row.clicks;
      }
    }
  };
  add(minutes, MINUTE);
  add(hours, HOUR);
  return out;
}

/** Clicks per impression, `null` without impressions. */
export const ctr = (c: { impressions: number; clicks: number }): number | null =>
  c.impressions === 0 ? null : c.clicks / c.impressions;

export type Period = 'hour' | 'day';
export const MAX_HISTORY_PERIODS = 2000;

/** Starts of every hour or UTC day that begins in `[from, to)`, oldest first. */
export function periodStarts(from: number, to: number, by: Period): number[] {
  const unit = by === 'hour' ? HOUR : DAY;
  const first = floorTo(from, unit) === from ? from : floorTo(from, unit) + unit;
  const starts: number[] = [];
  for (let s = first; s < to; s += unit) starts.push(s);
  return starts;
}

/** How many periods `periodStarts` would give, without building them. */
export function periodCount(from: number, to: number, by: Period): number {
  const unit = by === 'hour' ? HOUR : DAY;
  const first = floorTo(from, unit) === from ? from : floorTo(from, unit) + unit;
  return to <= first ? 0 : Math.ceil((to - first) / unit);
}

/** Hour buckets summed into the given periods (every period present, zeros included). */
export function sumIntoPeriods(starts: readonly number[], by: Period, hours: Iterable<BucketCounts>) {
  const unit = by === 'hour' ? HOUR : DAY;
  const index = new Map<number, number>();
  const items = starts.map((start, i) => {
    index.set(start, i);
    return { start, impressions: 0, clicks: 0 };
  });
  for (const row of hours) {
    const i = index.get(floorTo(row.start, unit));
    if (i === undefined) continue;
    items[i]!.impressions += row.impressions;
    items[i]!.clicks += row.clicks;
  }
  return items;
}

/** How far back stored buckets are kept at `now`: minute rows for the 1-hour window, hour rows for `retentionDays`. */
export function pruneFloors(
  now: number,
  retentionDays: number,
): { minutesBefore: number; hoursBefore: number } {
  return {
    minutesBefore: windowFloors(now).minuteFrom,
    hoursBefore: floorTo(now, HOUR) - retentionDays * DAY,
  };
}
