import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSyncedClock, type TimeSample } from './synced-clock.js';

/** A reference whose answers the test writes: each `sample()` takes the next one. */
function fakeSource() {
  const answers: (TimeSample | Error)[] = [];
  let asked = 0;
  return {
    answers,
    asked: () => asked,
    source: {
      sample: () => {
        asked++;
        const next = answers.shift();
        if (next === undefined) return Promise.reject(new Error('no answer planned'));
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
    },
  };
}

const WALL_AHEAD = 30_000;

function setup(opts: { intervalMs?: number; staleAfterMs?: number } = {}) {
  let mono = 1_000;
  const ref = fakeSource();
  const changes: boolean[] = [];
  const clock = createSyncedClock({
    source: ref.source,
    monotonic: () => mono,
    // This host's wall clock runs 30 s ahead of the reference (reference = mono + 1e12).
    wall: () => 1e12 + mono + WALL_AHEAD,
    intervalMs: opts.intervalMs ?? 5_000,
    staleAfterMs: opts.staleAfterMs,
    onSampling: (ok) => changes.push(ok),
  });
  return {
    clock,
    ref,
    changes,
    advance: (ms: number) => (mono += ms),
    mono: () => mono,
    /** An answer sent at the current monotonic time, read `rtt` ms later, reference `skew` off the truth. */
    answer(rtt: number, skew = 0): TimeSample {
      return { sentAt: mono, receivedAt: mono + rtt, reference: 1e12 + mono + rtt / 2 + skew };
    },
  };
}

afterEach(() => vi.useRealTimers());

describe('synced clock', () => {
  it('reads the wall clock before the first sample, then the reference through the monotonic clock', async () => {
    const t = setup();
    expect(t.clock.now()).toBe(1e12 + 1_000 + WALL_AHEAD);
    expect(t.clock.synced()).toBe(false);
    t.ref.answers.push(t.answer(40));
    await t.clock.start();
    t.clock.stop();
    expect(t.clock.now()).toBe(1e12 + 1_000);
    t.advance(12_345);
    expect(t.clock.now()).toBe(1e12 + 13_345);
    expect(t.clock.wallOffsetMs()).toBe(-WALL_AHEAD);
    expect(t.clock.synced()).toBe(true);
  });

  it('corrects by half the round trip', async () => {
    const t = setup();
    // Sent at 1000, received at 1100; the reference read 1e12 + 1050 (half way).
    t.ref.answers.push({ sentAt: 1_000, receivedAt: 1_100, reference: 1e12 + 1_050 });
    t.advance(100);
    await t.clock.start();
    t.clock.stop();
    expect(t.clock.now()).toBe(1e12 + 1_100);
  });

  it('takes the offset of the shortest round trip among recent samples, and forgets old ones', async () => {
    vi.useFakeTimers();
    const t = setup({ intervalMs: 1_000 });
    // First sample: short round trip, exact. Then longer ones whose midpoints guess 200 ms wrong.
    t.ref.answers.push(t.answer(2));
    await t.clock.start();
    for (let i = 0; i < 3; i++) {
      t.advance(1_000);
      t.ref.answers.push(t.answer(400, 200));
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(t.ref.asked()).toBe(4);
    expect(t.clock.now()).toBe(1e12 + t.mono());
    // Six intervals later the exact sample is forgotten: the best of the recent ones rules.
    for (let i = 0; i < 6; i++) {
      t.advance(1_000);
      t.ref.answers.push(t.answer(400, 200));
      await vi.advanceTimersByTimeAsync(1_000);
    }
    t.clock.stop();
    t.advance(2_000); // past the 1 s hold: the later offset is taken
    expect(t.clock.now()).toBe(1e12 + t.mono() + 200);
  });

  it('keeps the last offset while the reference is unreachable, and says so once each way', async () => {
    vi.useFakeTimers();
    const t = setup({ intervalMs: 1_000, staleAfterMs: 3_000 });
    t.ref.answers.push(t.answer(10));
    await t.clock.start();
    // Failures: nothing planned, every sample rejects.
    for (let i = 0; i < 5; i++) {
      t.advance(1_000);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(t.changes).toEqual([false]);
    expect(t.clock.now()).toBe(1e12 + t.mono());
    expect(t.clock.synced()).toBe(false);
    expect(t.clock.sampleAgeMs()).toBeGreaterThan(3_000);
    t.ref.answers.push(t.answer(10));
    t.advance(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    t.clock.stop();
    expect(t.changes).toEqual([false, true]);
    expect(t.clock.synced()).toBe(true);
  });

  it('never goes back by a small step, takes a large one', async () => {
    vi.useFakeTimers();
    const t = setup({ intervalMs: 1_000, staleAfterMs: 3_000 });
    t.ref.answers.push(t.answer(10));
    await t.clock.start();
    const before = t.clock.now();
    // The window keeps only the newest sample once the old ones age out: plant a shorter trip
    // that says the reference is 300 ms behind.
    t.ref.answers.push(t.answer(1, -300));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.clock.now()).toBe(before);
    t.advance(100);
    expect(t.clock.now()).toBe(before);
    t.advance(250);
    expect(t.clock.now()).toBe(before + 50);
    // The reference's own clock was set back an hour: taken at once.
    t.ref.answers.push(t.answer(0, -3_600_000));
    await vi.advanceTimersByTimeAsync(1_000);
    t.clock.stop();
    expect(t.clock.now()).toBe(1e12 + t.mono() - 3_600_000);
  });
});
