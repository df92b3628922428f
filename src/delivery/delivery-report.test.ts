import { describe, expect, it } from 'vitest';
import { makeAd, T0 } from '../../test/support/ads.js';
import { DEFAULT_DELIVERY, NO_GOALS, type Goals } from '../model/delivery.js';
import { reportOf } from './delivery-report.js';

const HOUR = 3_600_000;
const none = { impressions: { total: 0, today: 0 }, clicks: { total: 0, today: 0 } };
const paced = (goals: Partial<Goals>) =>
  makeAd({
    startAt: T0,
    endAt: T0 + 100 * HOUR,
    delivery: { ...DEFAULT_DELIVERY, pacing: 'even', goals: { ...NO_GOALS, ...goals } },
  });

describe('delivery report', () => {
  it('even pacing over the flight: ahead, on track within 5%, behind; done at the goal', () => {
    const ad = paced({ impressions: 1000 });
    const at = T0 + 50 * HOUR;
    const state = (total: number) => reportOf(ad, at, { total, today: 0 }, none).pacing;
    expect(state(500)).toEqual({
      mode: 'even',
      periodStart: T0,
      periodEnd: T0 + 100 * HOUR,
      expectedByNow: 500,
      state: 'on_track',
    });
    expect(state(525).state).toBe('on_track');
    expect(state(476).state).toBe('on_track');
    expect(state(526).state).toBe('ahead');
    expect(state(474).state).toBe('behind');
    expect(state(1000).state).toBe('done');
    expect(reportOf(ad, at, { total: 300, today: 0 }, none).remaining).toEqual({
      ...NO_GOALS,
      impressions: 700,
    });
  });

  it('a daily goal paces the UTC day; asap has no line; a completed ad is done', () => {
    const ad = paced({ impressions: 5000, dailyImpressions: 240, clicks: 9 });
    const dayStart = Math.floor((T0 + 30 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    const r = reportOf(
      ad,
      dayStart + 6 * HOUR,
      { total: 900, today: 60 },
      { impressions: { total: 3, today: 1 }, clicks: { total: 4, today: 2 } },
    );
    expect(r.pacing).toMatchObject({
      periodStart: dayStart,
      periodEnd: dayStart + 24 * HOUR,
      expectedByNow: 60,
      state: 'on_track',
    });
    expect(r.remaining).toEqual({ impressions: 4100, clicks: 5, dailyImpressions: 180, dailyClicks: null });
    const asap = makeAd({
      startAt: T0,
      endAt: T0 + HOUR,
      delivery: { ...DEFAULT_DELIVERY, goals: { ...NO_GOALS, impressions: 10 } },
    });
    expect(reportOf(asap, T0 + 1, { total: 3, today: 3 }, none).pacing).toMatchObject({
      mode: 'asap',
      expectedByNow: null,
      state: 'none',
    });
    const completed = { ...asap, completedAt: T0 + 2 };
    const done = reportOf(completed, T0 + 3, { total: 10, today: 10 }, none);
    expect(done).toMatchObject({ status: 'completed', completedAt: T0 + 2, pacing: { state: 'done' } });
  });
});
