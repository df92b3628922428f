import type { Clock } from './clock.js';

/** One reading of the reference clock, bracketed by this process's monotonic clock. */
export interface TimeSample {
  /** The reference's time (epoch ms) when it answered. */
  readonly reference: number;
  /** Monotonic ms just before the question was sent (after any wait for a connection). */
  readonly sentAt: number;
  /** Monotonic ms just after the answer arrived. */
  readonly receivedAt: number;
}

/**
 * The clock every replica agrees on (the store's). `sample()` reads it once; it rejects when
 * the reference cannot be reached. The monotonic clock of its samples must be the one given to
 * `createSyncedClock`.
 */
export interface TimeSource {
  sample(): Promise<TimeSample>;
}

export interface SyncedClockDeps {
  readonly source: TimeSource;
  /** Milliseconds that never jump (default `performance.now`). */
  readonly monotonic?: () => number;
  /** This host's wall clock (default `Date.now`): the time before the first sample, and the offset shown. */
  readonly wall?: () => number;
  /** How often the offset is sampled (default 5 s). */
  readonly intervalMs?: number;
  /** Samples older than this many intervals are forgotten (default 6). */
  readonly window?: number;
  /** Past this long without a successful sample the clock says it is not synced (default 30 s). */
  readonly staleAfterMs?: number;
  /** Told once when sampling starts failing and once when it works again. */
  readonly onSampling?: (ok: boolean, err?: unknown) => void;
}

/** A `Clock` reading the reference's time (whole ms) as this process's monotonic clock plus an offset. */
export interface SyncedClock extends Clock {
  /** Takes the first sample (a failure is tolerated: the wall clock is used until one works), then one every interval. */
  start(): Promise<void>;
  stop(): void;
  /** Reference minus this host's wall clock, in ms (0 before the first sample): how far off the host's clock is. */
  wallOffsetMs(): number;
  /** Milliseconds since the last successful sample (`Infinity` before the first). */
  sampleAgeMs(): number;
  /** False before the first sample and once the last one is older than `staleAfterMs`. */
  synced(): boolean;
}

/** A step back of the offset up to this is absorbed by holding the time still; a larger one is taken. */
const MAX_HOLD_MS = 1_000;

/**
 * The reference's time, kept without asking it on every read. Each sample gives an offset from
 * the monotonic clock, corrected by half its round trip (the answer was read about half way);
 * of the samples of the last `window` intervals, the one with the shortest round trip (the
 * least uncertain) sets the offset. "Now" is then the monotonic clock plus that offset, so a
 * replica whose wall clock is 30 s off reads the same time as its peers, and a wall-clock step
 * on this host changes nothing. Time never goes back by less than a second (a new offset a few
 * ms behind holds the time still until it catches up); a bigger step (the reference's own clock
 * was set) is taken as it is.
 */
export function createSyncedClock(deps: SyncedClockDeps): SyncedClock {
  const monotonic = deps.monotonic ?? (() => performance.now());
  const wall = deps.wall ?? (() => Date.now());
  const intervalMs = deps.intervalMs ?? 5_000;
  const keepMs = intervalMs * (deps.window ?? 6);
  const staleAfterMs = deps.staleAfterMs ?? 30_000;
  const samples: { offset: number; rtt: number; at: number }[] = [];
  let offset: number | undefined;
  let wallOffset = 0;
  let lastGood = -Infinity;
  let last = -Infinity;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const take = async (): Promise<void> => {
    try {
      const s = await deps.source.sample();
      const rtt = Math.max(0, s.receivedAt - s.sentAt);
      const midpoint = s.sentAt + rtt / 2;
      samples.push({ offset: s.reference - midpoint, rtt, at: s.receivedAt });
      while (samples.length > 1 && samples[0]!.at < s.receivedAt - keepMs) samples.shift();
      offset = samples.reduce((best, x) => (x.rtt < best.rtt ? x : best)).offset;
      wallOffset = Math.round(offset + monotonic() - wall());
      lastGood = s.receivedAt;
      if (failing) deps.onSampling?.(true);
      failing = false;
    } catch (err) {
      if (!failing) deps.onSampling?.(false, err);
      failing = true;
    }
  };
  const tick = (): void => {
    running ??= take().finally(() => (running = undefined));
  };

  return {
    now() {
      if (offset === undefined) return wall();
      const t = Math.floor(monotonic() + offset);
      if (t < last && last - t <= MAX_HOLD_MS) return last;
      last = t;
      return t;
    },
    async start() {
      tick();
      await running;
      timer ??= setInterval(tick, intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    wallOffsetMs: () => wallOffset,
    sampleAgeMs: () => monotonic() - lastGood,
    synced: () => monotonic() - lastGood <= staleAfterMs,
  };
}

/** Embedded mode's clock: the store is on this host, so its clock is the reference (offset 0). */
export function localClock(wall: () => number = () => Date.now()): SyncedClock {
  return {
    now: wall,
    start: () => Promise.resolve(),
    stop: () => undefined,
    wallOffsetMs: () => 0,
    sampleAgeMs: () => 0,
    synced: () => true,
  };
}
