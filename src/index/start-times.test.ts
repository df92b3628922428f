import { describe, expect, it } from 'vitest';
import type { Ad } from '../model/ad.js';
import { StartTimes } from './start-times.js';

const ad = (id: string, startAt: number, version = 1): Ad => ({
  id,
  title: id,
  startAt,
  endAt: startAt + 1_000,
  conditions: [],
  version,
  createdAt: 0,
  updatedAt: 0,
});

function setUp() {
  const held = new Map<string, Ad>();
  const starts = new StartTimes(
    (a) => held.get(a.id) === a,
    () => held.values(),
    () => held.size,
  );
  const hold = (a: Ad) => {
    held.set(a.id, a);
    starts.add(a);
  };
  return { held, starts, hold };
}

describe('StartTimes', () => {
  it('answers the earliest start strictly after now', () => {
    const { starts, hold } = setUp();
    expect(starts.nextAfter(0)).toBe(Infinity);
    hold(ad('a', 30));
    hold(ad('b', 10));
    hold(ad('c', 20));
    expect(starts.nextAfter(0)).toBe(10);
    expect(starts.nextAfter(10)).toBe(20);
    expect(starts.nextAfter(25)).toBe(30);
    expect(starts.nextAfter(30)).toBe(Infinity);
  });

  it('skips ads replaced or no longer held', () => {
    const { held, starts, hold } = setUp();
    hold(ad('a', 10));
    hold(ad('b', 20));
    hold(ad('a', 50, 2));
    expect(starts.nextAfter(0)).toBe(20);
    held.delete('b');
    expect(starts.nextAfter(0)).toBe(50);
  });

  it('finds starts it dropped as past again when time goes back', () => {
    const { starts, hold } = setUp();
    hold(ad('a', 10));
    hold(ad('b', 20));
    expect(starts.nextAfter(15)).toBe(20);
    expect(starts.nextAfter(25)).toBe(Infinity);
    expect(starts.nextAfter(5)).toBe(10);
    hold(ad('c', 7));
    expect(starts.nextAfter(5)).toBe(7);
  });

  it('stays right and bounded while one ad is replaced many times', () => {
    const { starts, hold } = setUp();
    hold(ad('b', 500_000));
    for (let v = 1; v <= 10_000; v++) hold(ad('a', 1_000 + (v % 97), v));
    expect(starts.nextAfter(0)).toBe(1_000 + (10_000 % 97));
    expect((starts as unknown as { heap: Ad[] }).heap.length).toBeLessThan(100);
    expect(starts.nextAfter(2_000)).toBe(500_000);
  });
});
