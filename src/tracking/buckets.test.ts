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

  it('keep no minute bucket older than minutesFrom, but its hour', () => {
    const d = new Deltas();
    d.add([0, 'a', MIN_NOW - 2 * HOUR, 3], MIN_NOW - HOUR);
    d.add([1, 'a', MIN_NOW, 1], MIN_NOW - HOUR);
    expect(d.buckets).toBe(3);
    const of = d.of('a')!;
    expect(of.minutes).toEqual([{ start: MIN_NOW, impressions: 0, clicks: 1 }]);
    expect(of.hours).toEqual([
      { start: HOUR_NOW - 2 * HOUR, impressions: 3, clicks: 0 },
      { start: HOUR_NOW, impressions: 0, clicks: 1 },
    ]);
  });

  it('sum exactly like one map per bucket, across growth, reuse and re-reads of the rows', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const d = new Deltas();
    for (let round = 0; round < 3; round++) {
      const want = { minutes: new Map<string, number[]>(), hours: new Map<string, number[]>() };
      const last = new Map<string, number[]>();
      const bump = (m: Map<string, number[]>, key: string, type: 0 | 1, count: number) => {
        const v = m.get(key) ?? [0, 0];
        v[type] = v[type]! + count;
        m.set(key, v);
      };
      const ads = round === 1 ? 50 : 3000;
      for (let i = 0; i < 20_000; i++) {
        const adId = `ad-${rand(ads)}`;
        const at = MIN_NOW - rand(72) * HOUR - rand(90) * MINUTE + rand(MINUTE);
        const type = rand(2) as 0 | 1;
        const count = 1 + rand(5);
        d.add([type, adId, at, count], MIN_NOW - HOUR);
        const minute = at - (at % MINUTE);
        if (minute >= MIN_NOW - HOUR) bump(want.minutes, `${adId} ${minute}`, type, count);
        bump(want.hours, `${adId} ${at - (at % HOUR)}`, type, count);
        const l = last.get(adId) ?? [-1, -1];
        l[type] = Math.max(l[type]!, at);
        last.set(adId, l);
      }
      expect(d.buckets).toBe(want.minutes.size + want.hours.size);
      const rows = d.rows(MIN_NOW - HOUR);
      for (let read = 0; read < 2; read++) {
        const got = (list: Iterable<{ adId: string; start: number; impressions: number; clicks: number }>) =>
          [...list].map((r) => [`${r.adId} ${r.start}`, [r.impressions, r.clicks]] as const);
        const sorted = (m: Map<string, number[]>) =>
          [...m].sort(([a], [b]) => {
            const [adA, sA] = a.split(' ');
            const [adB, sB] = b.split(' ');
            return adA! < adB! ? -1 : adA! > adB! ? 1 : Number(sA) - Number(sB);
          });
        expect(got(rows.minutes)).toEqual(sorted(want.minutes));
        expect(got(rows.hours)).toEqual(sorted(want.hours));
        expect([...rows.last].map((r) => [r.adId, [r.impression ?? -1, r.click ?? -1]])).toEqual(
          [...last].sort(([a], [b]) => (a < b ? -1 : 1)),
        );
      }
      d.reset();
      expect(d.isEmpty).toBe(true);
      expect(d.buckets).toBe(0);
      expect(d.of('ad-1')).toBeUndefined();
    }
  });
});
