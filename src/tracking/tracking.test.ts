import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventRecord } from './deltas.js';
import { createSqliteSpool } from './sqlite-spool.js';
import { createSqliteTrackingStore } from './sqlite-tracking-store.js';
import { createTracking, FIRES_PER_FLUSH } from './tracking.js';
import type { TrackingStore } from './tracking-store.js';

const T = Date.UTC(2026, 11, 10, 3, 7);
const silent = { warn: () => undefined, info: () => undefined };
let dir: string;
let store: TrackingStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'adsm-tracking-'));
  store = createSqliteTrackingStore({ filename: join(dir, 'tracking.sqlite') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Tracking whose timer never flushes during a test; the store's flushes counted. */
function start() {
  const flushes: number[] = [];
  const counted: TrackingStore = {
    ...store,
    flush: (batch) => {
      flushes.push(batch.fires?.length ?? 0);
      return store.flush(batch);
    },
  };
  const tracking = createTracking({
    store: counted,
    spool: createSqliteSpool({ filename: join(dir, 'spool.sqlite') }),
    now: () => T,
    adExists: () => true,
    flushIntervalMs: 10_000,
    retentionDays: 400,
    spoolMaxBytes: 1 << 30,
    maxBuckets: 100_000_000,
    logger: silent,
  });
  return { tracking, flushes };
}

/** `n` first fires of distinct URLs of one ad. */
const fires = (n: number, from = 0): EventRecord[] =>
  Array.from({ length: n }, (_, i) => [0, 'ad-1', T, 1, [1, 490_000, from + i, T + 86_400_000]] as EventRecord);

describe('tracking', () => {
  it(`flushes once ${FIRES_PER_FLUSH} fires are held, without waiting for the timer`, async () => {
    const { tracking, flushes } = start();
    await tracking.start();
    try {
      await tracking.aggregator.accept(fires(FIRES_PER_FLUSH - 1));
      await new Promise((r) => setTimeout(r, 50));
      expect(flushes).toEqual([]);
      await tracking.aggregator.accept(fires(1, FIRES_PER_FLUSH));
      await vi.waitFor(() => expect(flushes).toEqual([FIRES_PER_FLUSH]));
      expect(tracking.aggregator.buckets()).toBe(0);
      expect((await store.read('ad-1', 'x', 0, 0)).hours.reduce((n, h) => n + h.impressions, 0)).toBe(
        FIRES_PER_FLUSH,
      );
    } finally {
      await tracking.stop();
    }
  });

  it('holds a few fires and plain events for the timer', async () => {
    const { tracking, flushes } = start();
    await tracking.start();
    try {
      await tracking.aggregator.accept([...fires(10), [0, 'ad-2', T, 5]]);
      await new Promise((r) => setTimeout(r, 50));
      expect(flushes).toEqual([]);
      expect(tracking.aggregator.buckets()).toBeGreaterThan(0);
    } finally {
      await tracking.stop();
    }
    expect(flushes).toEqual([10]);
  });
});
