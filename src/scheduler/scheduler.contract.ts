import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../clock/clock.js';
import type { Scheduler } from './scheduler.js';

/** What an adapter's test file provides for each test: a fresh, not yet started scheduler. */
export interface SchedulerHarness {
  readonly scheduler: Scheduler;
  /** A real-time clock: the suite waits for jobs in wall-clock time. */
  readonly clock: Clock;
  /** Runs after every test; closes the scheduler and drops its storage. */
  readonly cleanup: () => Promise<void>;
}

export interface Firing {
  readonly id: string;
  readonly version: number;
  /** `clock.now()` when `onDue` was called. */
  readonly at: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** An `onDue` that records each call; `fail(n)` makes the first `n` calls throw. */
export function recorder(clock: Clock, fail = 0) {
  const calls: Firing[] = [];
  const onDue = (id: string, version: number): Promise<void> => {
    calls.push({ id, version, at: clock.now() });
    return calls.length <= fail ? Promise.reject(new Error('onDue failed')) : Promise.resolve();
  };
  return { calls, onDue };
}

export const fired = (calls: readonly Firing[]) => calls.map(({ id, version }) => ({ id, version }));

/** How long the suite keeps listening after the expected firings, to catch extra ones. */
export const QUIET_MS = 700;

/**
 * The behaviour every `Scheduler` adapter must show (see the TSDoc of `Scheduler`).
 *
 * Superseding is asserted within one scheduler instance: once `schedule(id, v + 1)` resolves, a
 * not yet started job of `(id, v)` never fires. Across instances (replicas) the port promises
 * less: a lagging replica may add `(id, v)` again after a newer version removed it, and that job
 * fires; the expire command's version check turns it into a no-op. Firing is at-least-once, so
 * the suite never asserts "exactly once" after a failure, only without one.
 */
export function schedulerContract(name: string, make: () => Promise<SchedulerHarness>): void {
  describe(`Scheduler contract: ${name}`, () => {
    let h: SchedulerHarness;
    let s: Scheduler;
    let clock: Clock;
    beforeEach(async () => {
      h = await make();
      s = h.scheduler;
      clock = h.clock;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('fires a job once, at or after its time, with its id and version', async () => {
      const r = recorder(clock);
      s.start(r.onDue);
      const at = clock.now() + 400;
      await s.schedule('ad-1', 3, at);
      await s.schedule('ad-2', 1, at + 200);
      await sleep(200);
      expect(r.calls).toEqual([]);
      await waitFor(() => r.calls.length >= 2);
      await sleep(QUIET_MS);
      expect(fired(r.calls)).toEqual([
        { id: 'ad-1', version: 3 },
        { id: 'ad-2', version: 1 },
      ]);
      expect(r.calls[0]!.at).toBeGreaterThanOrEqual(at);
      expect(r.calls[1]!.at).toBeGreaterThanOrEqual(at + 200);
    });

    it('passes any id through unchanged', async () => {
      const r = recorder(clock);
      s.start(r.onDue);
      const id = 'x:1/ü 2@3%4';
      await s.schedule(id, 12, clock.now() + 200);
      await waitFor(() => r.calls.length > 0);
      expect(fired(r.calls)).toEqual([{ id, version: 12 }]);
    });

    it('fires the same (id, version) scheduled more than once only once', async () => {
      const r = recorder(clock);
      s.start(r.onDue);
      const at = clock.now() + 400;
      await Promise.all([s.schedule('ad-1', 1, at), s.schedule('ad-1', 1, at)]);
      await s.schedule('ad-1', 1, at);
      await waitFor(() => r.calls.length > 0);
      await sleep(QUIET_MS);
      expect(fired(r.calls)).toEqual([{ id: 'ad-1', version: 1 }]);
    });

    it('lets a newer version supersede an older one that is not yet due', async () => {
      const r = recorder(clock);
      s.start(r.onDue);
      const at = clock.now() + 300;
      await s.schedule('ad-1', 1, at);
      await s.schedule('ad-1', 2, at + 500);
      await s.schedule('ad-2', 4, at);
      await s.schedule('ad-2', 5, at + 200);
      await s.schedule('ad-2', 6, at + 400);
      await s.schedule('ad-3', 1, at);
      await s.schedule('ad-3', 4, at + 300);
      await waitFor(() => r.calls.length >= 3);
      await sleep(QUIET_MS);
      expect(fired(r.calls).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'ad-1', version: 2 },
        { id: 'ad-2', version: 6 },
        { id: 'ad-3', version: 4 },
      ]);
      expect(r.calls.find((c) => c.id === 'ad-1')!.at).toBeGreaterThanOrEqual(at + 500);
    });

    it('does not fire a cancelled job', async () => {
      const r = recorder(clock);
      s.start(r.onDue);
      const at = clock.now() + 300;
      await s.schedule('gone', 1, at);
      await s.schedule('kept', 1, at);
      await s.cancel('gone');
      await s.cancel('never-scheduled');
      await waitFor(() => r.calls.length > 0);
      await sleep(QUIET_MS);
      expect(fired(r.calls)).toEqual([{ id: 'kept', version: 1 }]);
    });

    it('fires a job whose time has already passed promptly', async () => {
      const r = recorder(clock);
      s.start(r.onDue);
      const t0 = clock.now();
      await s.schedule('late', 2, t0 - 60_000);
      await waitFor(() => r.calls.length > 0, 1500);
      expect(fired(r.calls)).toEqual([{ id: 'late', version: 2 }]);
    });

    it('fires a job again after the wait that onDue answers when it was early', async () => {
      const calls: number[] = [];
      s.start((id) => {
        calls.push(clock.now());
        return Promise.resolve(id === 'early' && calls.length === 1 ? 400 : undefined);
      });
      await s.schedule('early', 1, clock.now() + 100);
      await waitFor(() => calls.length >= 2, 5000);
      await sleep(QUIET_MS);
      expect(calls).toHaveLength(2);
      expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(390);
    });

    it('retries a throwing onDue until it succeeds', async () => {
      const r = recorder(clock, 2);
      s.start(r.onDue);
      await s.schedule('flaky', 7, clock.now() + 200);
      await waitFor(() => r.calls.length >= 3, 10_000);
      await sleep(QUIET_MS);
      expect(fired(r.calls)).toEqual(Array.from({ length: 3 }, () => ({ id: 'flaky', version: 7 })));
    });

    it('schedules many jobs at once: each fires once, and a newer version still wins', async () => {
      const r = recorder(clock);
      s.start(r.onDue);
      const at = clock.now() + 300;
      await s.schedule('known', 1, at);
      await s.schedule('newer', 3, at);
      await s.scheduleMany([
        { id: 'known', version: 1, at },
        { id: 'newer', version: 2, at },
        { id: 'fresh', version: 4, at: at + 100 },
        { id: 'moved', version: 1, at },
      ]);
      await s.schedule('moved', 2, at + 200);
      await waitFor(() => r.calls.length >= 4);
      await sleep(QUIET_MS);
      expect(fired(r.calls).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'fresh', version: 4 },
        { id: 'known', version: 1 },
        { id: 'moved', version: 2 },
        { id: 'newer', version: 3 },
      ]);
    });

    it('fires jobs scheduled before start() once started', async () => {
      const r = recorder(clock);
      const at = clock.now() + 200;
      await s.schedule('early', 1, at);
      await s.schedule('later', 1, at + 600);
      await sleep(400);
      s.start(r.onDue);
      await waitFor(() => r.calls.length > 0, 1500);
      expect(fired(r.calls)).toEqual([{ id: 'early', version: 1 }]);
      await waitFor(() => r.calls.length >= 2);
      expect(fired(r.calls)).toEqual([
        { id: 'early', version: 1 },
        { id: 'later', version: 1 },
      ]);
      expect(r.calls[1]!.at).toBeGreaterThanOrEqual(at + 600);
    });
  });
}
