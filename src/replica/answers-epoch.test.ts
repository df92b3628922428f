import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { HOUR, T0 } from '../../test/support/ads.js';

let t: TestApp;
afterEach(async () => {
  await t.close();
});

const input = (startAt: number, endAt: number) => ({ title: 'AD', startAt, endAt, conditions: [] });

/** The epoch at the current time, and the ids the public query answers then. */
const look = () => {
  const now = t.clock.now();
  return { epoch: t.service.answersEpoch(now), ids: t.service.query({}, 0, 100, now).map((a) => a.id) };
};

describe('answersEpoch', () => {
  it('stays the same while nothing is written and no ad starts or ends', async () => {
    t = await createTestApp({ now: T0 });
    await t.service.create(input(T0 - HOUR, T0 + HOUR));
    await t.service.create(input(T0 + 2 * HOUR, T0 + 3 * HOUR));
    const first = look();
    t.clock.advance(HOUR - 1);
    expect(look()).toEqual(first);
  });

  it('changes with every write: create, update, delete', async () => {
    t = await createTestApp({ now: T0 });
    const seen = [look().epoch];
    const { ad } = await t.service.create(input(T0 - HOUR, T0 + HOUR));
    seen.push(look().epoch);
    await t.service.update(ad.id, { ...input(T0 - HOUR, T0 + 2 * HOUR), title: 'NEW' });
    seen.push(look().epoch);
    await t.service.delete(ad.id);
    seen.push(look().epoch);
    expect(new Set(seen).size).toBe(4);
  });

  it('changes when an ad starts or ends with no write, at that very millisecond', async () => {
    t = await createTestApp({ now: T0 });
    const { ad } = await t.service.create(input(T0 + 10, T0 + 20));
    const before = look();
    expect(before.ids).toEqual([]);
    t.clock.set(T0 + 9);
    expect(look()).toEqual(before);
    t.clock.set(T0 + 10);
    const started = look();
    expect(started.ids).toEqual([ad.id]);
    expect(started.epoch).not.toBe(before.epoch);
    t.clock.set(T0 + 19);
    expect(look()).toEqual(started);
    t.clock.set(T0 + 20);
    const ended = look();
    expect(ended.ids).toEqual([]);
    expect(ended.epoch).not.toBe(started.epoch);
    // Time going back across a start is a change too.
    t.clock.set(T0 + 5);
    expect(look().epoch).not.toBe(ended.epoch);
  });

  it('changes when the expiry of an ended ad is applied', async () => {
    t = await createTestApp({ now: T0 });
    await t.service.create(input(T0 - HOUR, T0 + 30));
    t.clock.set(T0 + 30);
    const ended = look();
    expect(ended.ids).toEqual([]);
    // The expiry timer fires 30 ms of real time after the create.
    await vi.waitFor(() => expect(t.service.stats().liveAds).toBe(0), { timeout: 2_000 });
    expect(look().epoch).not.toBe(ended.epoch);
  });
});
