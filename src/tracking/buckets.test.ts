import { describe, expect, it } from 'vitest';
import {
  ctr,
  DAY,
  HOUR,
  MINUTE,
  periodCount,
  periodStarts,
  sumIntoPeriods,
  timeProblem,
  windowTotals,
  type BucketCounts,
} from './buckets.js';
import { Deltas } from './deltas.js';

const NOW = Date.UTC(2026, 11, 10, 3, 7, 41, 2);
const MIN_NOW = Date.UTC(2026, 11, 10, 3, 7);
const HOUR_NOW = Date.UTC(2026, 11, 10, 3);

/** Window totals of one impression at each given `at`. */
function totalsOf(...ats: number[]) {
  const d = new Deltas();
  for (const at of ats) d.add([0, 'a', at, 1]);
  const of = d.of('a')!;
  const t = windowTotals(NOW, of.minutes, of.hours);
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.impressions]));
}

describe('windows', () => {
  it('count the current minute and hour', () => {
    expect(totalsOf(NOW, MIN_NOW)).toEqual({ '5m': 2, '1h': 2, '1d': 2, '2d': 2, '3d': 2 });
  });

  it('5m is the current minute and the 4 before it', () => {
    expect(totalsOf(MIN_NOW - 4 * MINUTE)['5m']).toBe(1);
    expect(totalsOf(MIN_NOW - 4 * MINUTE - 1)['5m']).toBe(0);
    expect(totalsOf(MIN_NOW - 4 * MINUTE - 1)['1h']).toBe(1);
  });

  it('1h is the current minute and the 59 before it', () => {
    expect(totalsOf(MIN_NOW - 59 * MINUTE)['1h']).toBe(1);
    expect(totalsOf(MIN_NOW - 59 * MINUTE - 1)['1h']).toBe(0);
  });

  it('1d, 2d, 3d are the current hour and the 23, 47, 71 before it', () => {
    expect(totalsOf(HOUR_NOW - 23 * HOUR)).toMatchObject({ '1d': 1, '2d': 1, '3d': 1 });
    expect(totalsOf(HOUR_NOW - 23 * HOUR - 1)).toMatchObject({ '1d': 0, '2d': 1, '3d': 1 });
    expect(totalsOf(HOUR_NOW - 47 * HOUR)).toMatchObject({ '2d': 1, '3d': 1 });
    expect(totalsOf(HOUR_NOW - 47 * HOUR - 1)).toMatchObject({ '2d': 0, '3d': 1 });
    expect(totalsOf(HOUR_NOW - 71 * HOUR)).toMatchObject({ '3d': 1 });
    expect(totalsOf(HOUR_NOW - 71 * HOUR - 1)).toMatchObject({ '1d': 0, '2d': 0, '3d': 0 });
  });

  it('events ahead of the current minute count in no window yet', () => {
    expect(totalsOf(MIN_NOW + MINUTE)).toEqual({ '5m': 0, '1h': 0, '1d': 1, '2d': 1, '3d': 1 });
    expect(totalsOf(HOUR_NOW + HOUR)).toEqual({ '5m': 0, '1h': 0, '1d': 0, '2d': 0, '3d': 0 });
  });

  it('repeated starts (stored plus unflushed) add up, whatever their order', () => {
    const rows: BucketCounts[] = [
      { start: MIN_NOW, impressions: 2, clicks: 1 },
      { start: MIN_NOW - MINUTE, impressions: 1, clicks: 0 },
      { start: MIN_NOW, impressions: 3, clicks: 1 },
    ];
    expect(windowTotals(NOW, rows, [])['5m']).toEqual({ impressions: 6, clicks: 2 });
  });
});

describe('event times', () => {
  it('too_old past 72 hours, in_future past 5 minutes, both edges inclusive', () => {
    expect(timeProblem(NOW - 72 * HOUR, NOW)).toBeUndefined();
    expect(timeProblem(NOW - 72 * HOUR - 1, NOW)).toBe('too_old');
    expect(timeProblem(NOW + 5 * MINUTE, NOW)).toBeUndefined();
    expect(timeProblem(NOW + 5 * MINUTE + 1, NOW)).toBe('in_future');
  });
});

describe('ctr', () => {
  it('is null without impressions', () => {
    expect(ctr({ impressions: 0, clicks: 3 })).toBeNull();
    expect(ctr({ impressions: 4, clicks: 1 })).toBe(0.25);
  });
});

describe('history periods', () => {
  it('are the hours or days that start in [from, to)', () => {
    expect(periodStarts(HOUR_NOW, HOUR_NOW + 2 * HOUR, 'hour')).toEqual([HOUR_NOW, HOUR_NOW + HOUR]);
    expect(periodStarts(HOUR_NOW + 1, HOUR_NOW + 2 * HOUR + 1, 'hour')).toEqual([
      HOUR_NOW + HOUR,
      HOUR_NOW + 2 * HOUR,
    ]);
    const day = Date.UTC(2026, 11, 10);
    expect(periodStarts(day - 1, day + DAY, 'day')).toEqual([day]);
    expect(periodStarts(day, day, 'day')).toEqual([]);
    expect(periodCount(day, day + 2000 * HOUR, 'hour')).toBe(2000);
    expect(periodCount(day, day + 2000 * HOUR + 1, 'hour')).toBe(2001);
    expect(periodCount(HOUR_NOW + 1, HOUR_NOW + 2 * HOUR + 1, 'hour')).toBe(2);
  });

  it('sum hour buckets into days, zeros included', () => {
    const day = Date.UTC(2026, 11, 10);
    const items = sumIntoPeriods([day, day + DAY], 'day', [
      { start: day + HOUR, impressions: 2, clicks: 1 },
      { start: day + 23 * HOUR, impressions: 1, clicks: 0 },
      { start: day + 2 * DAY, impressions: 9, clicks: 9 },
    ]);
    expect(items).toEqual([
      { start: day, impressions: 3, clicks: 1 },
      { start: day + DAY, impressions: 0, clicks: 0 },
    ]);
  });
});

describe('deltas', () => {
  it('bucket out-of-order events by their own time and keep the greatest at per type', () => {
    const d = new Deltas();
    d.add([0, 'a', MIN_NOW + 10, 1]);
    d.add([0, 'a', MIN_NOW - 2 * HOUR, 4]);
    d.add([1, 'a', MIN_NOW - MINUTE, 2]);
    d.add([0, 'a', MIN_NOW + 5, 1]);
    const rows = d.toRows(MIN_NOW - HOUR);
    expect(rows.minutes).toEqual([
      { adId: 'a', start: MIN_NOW - MINUTE, impressions: 0, clicks: 2 },
      { adId: 'a', start: MIN_NOW, impressions: 2, clicks: 0 },
    ]);
    expect(rows.hours).toEqual([
      { adId: 'a', start: HOUR_NOW - 2 * HOUR, impressions: 4, clicks: 0 },
      { adId: 'a', start: HOUR_NOW, impressions: 2, clicks: 2 },
    ]);
    expect(rows.last).toEqual([{ adId: 'a', impression: MIN_NOW + 10, click: MIN_NOW - MINUTE }]);
  });

  it('sort rows by ad id then start', () => {
    const d = new Deltas();
    d.add([0, 'b', MIN_NOW, 1]);
    d.add([0, 'a', MIN_NOW + MINUTE, 1]);
    d.add([0, 'a', MIN_NOW, 1]);
    expect(d.toRows(0).minutes.map((r) => [r.adId, r.start])).toEqual([
      ['a', MIN_NOW],
      ['a', MIN_NOW + MINUTE],
      ['b', MIN_NOW],
    ]);
  });
});
