import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAggregator } from './aggregator.js';
import type { EventRecord } from './deltas.js';
import { createSqliteSpool, SPOOL_PARALLEL_FLUSHES } from './sqlite-spool.js';
import { createSqliteTrackingStore } from './sqlite-tracking-store.js';
import type { TrackingStore } from './tracking-store.js';

const T = Date.UTC(2026, 11, 10, 3, 7);
let dir: string;
let store: TrackingStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'adsm-aggregator-'));
  store = createSqliteTrackingStore({ filename: join(dir, 'tracking.sqlite') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = (s: TrackingStore = store) => {
  const spool = createSqliteSpool({ filename: join(dir, 'spool.sqlite') });
  return { spool, agg: createAggregator({ store: s, spool, now: () => T, retentionDays: 400 }) };
};
const total = async (ad: string) =>
  (await store.read(ad, 'x', 0, 0)).hours.reduce((n, h) => n + h.impressions, 0);
const ev = (ad: string, count = 1): EventRecord => [0, ad, T, count];

describe('aggregator', () => {
  /** A spool whose flushes end when the test says so, counted. */
  const gatedSpool = () => {
    const syncs: (() => void)[] = [];
    const spool = createSqliteSpool({
      filename: join(dir, 'spool.sqlite'),
      datasync: () => new Promise<void>((resolve) => syncs.push(resolve)),
    });
    return { spool, syncs, agg: createAggregator({ store, spool, now: () => T, retentionDays: 400 }) };
  };

  it('concurrent accepts share one spool entry, transaction and sync (group commit)', async () => {
    let syncs = 0;
    const spool = createSqliteSpool({
      filename: join(dir, 'spool.sqlite'),
      datasync: () => {
        syncs++;
        return new Promise((r) => setTimeout(r, 5));
      },
    });
    const agg = createAggregator({ store, spool, now: () => T, retentionDays: 400 });
    await agg.start();
    const before = spool.entriesAfter(0).length;
    await Promise.all(Array.from({ length: 50 }, () => agg.accept([ev('a')])));
    const added = spool.entriesAfter(0).slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]!.records).toHaveLength(50);
    expect(syncs).toBe(1);
    await agg.flush();
    expect(await total('a')).toBe(50);
    expect(spool.entriesAfter(0)).toEqual([]);
    spool.close();
  });

  it('accepts made while a sync runs are written at once with a sync of their own; acknowledged in order', async () => {
    const { spool, syncs, agg } = gatedSpool();
    await agg.start();
    const done: string[] = [];
    const first = agg.accept([ev('s')]).then(() => done.push('first'));
    await new Promise((r) => setImmediate(r));
    expect(syncs).toHaveLength(1);
    const later = Array.from({ length: 10 }, () => agg.accept([ev('s')]).then(() => done.push('later')));
    await new Promise((r) => setImmediate(r));
    // Written as the next group, its sync started without waiting for the first to end.
    expect(spool.entriesAfter(0).map((e) => e.records.length)).toEqual([1, 10]);
    expect(syncs).toHaveLength(2);
    expect(done).toEqual([]);
    // The later sync started after both groups were written: its end acknowledges both, in order.
    syncs[1]!();
    await Promise.all([first, ...later]);
    expect(done).toEqual(['first', ...Array<string>(10).fill('later')]);
    syncs[0]!();
    await agg.flush();
    expect(await total('s')).toBe(11);
    spool.close();
  });

  it('groups written while every sync runs share the next one: ten turns of accepts, one sync more than run at once', async () => {
    const P = SPOOL_PARALLEL_FLUSHES;
    expect(P).toBeLessThan(9);
    const { spool, syncs, agg } = gatedSpool();
    await agg.start();
    let done = 0;
    const all: Promise<unknown>[] = [];
    for (let turn = 0; turn < 10; turn++) {
      all.push(...Array.from({ length: 5 }, () => agg.accept([ev('g')]).then(() => done++)));
      await new Promise((r) => setImmediate(r));
    }
    expect(spool.entriesAfter(0)).toHaveLength(10);
    expect(syncs).toHaveLength(P);
    expect(done).toBe(0);
    syncs[0]!();
    await all[0];
    await new Promise((r) => setImmediate(r));
    // Only the first group was covered by the first sync; one more covers the groups held back.
    expect(done).toBe(5);
    expect(syncs).toHaveLength(P + 1);
    syncs[P]!();
    await Promise.all(all);
    expect(done).toBe(50);
    expect(syncs).toHaveLength(P + 1);
    for (const release of syncs) release();
    await agg.flush();
    expect(await total('g')).toBe(50);
    spool.close();
  });

  it('replays the spool after a crash that never flushed, and only what the store lacks', async () => {
    const first = open();
    await first.agg.start();
    await first.agg.accept([ev('b', 3)]);
    await first.agg.flush();
    await first.agg.accept([ev('b', 4)]);
    first.spool.close(); // crash: the 4 were acknowledged but never stored
    const second = open();
    expect(second.spool.id).toBe(first.spool.id);
    await second.agg.start();
    await second.agg.flush();
    expect(await total('b')).toBe(7);
    second.spool.close();
  });

  it('a flush whose COMMIT answer was lost is retried as it was and adds nothing twice', async () => {
    let failAfterCommit = true;
    const flaky: TrackingStore = {
      ...store,
      async flush(batch) {
        const applied = await store.flush(batch);
        if (failAfterCommit) {
          failAfterCommit = false;
          throw new Error('connection lost during COMMIT');
        }
        return applied;
      },
    };
    const { spool, agg } = open(flaky);
    await agg.start();
    await agg.accept([ev('c', 2)]);
    await expect(agg.flush()).rejects.toThrow('COMMIT');
    await agg.accept([ev('c', 5)]);
    await agg.flush();
    expect(await total('c')).toBe(7);
    expect(agg.spoolBytes()).toBe(0);
    spool.close();
  });

  it('while the store fails, events keep being accepted and all arrive once it is back', async () => {
    let down = true;
    const outage: TrackingStore = {
      ...store,
      flush: (batch) => (down ? Promise.reject(new Error('store down')) : store.flush(batch)),
    };
    const { spool, agg } = open(outage);
    await agg.start();
    for (let i = 0; i < 5; i++) {
      await agg.accept([ev('d', i + 1)]);
      await expect(agg.flush()).rejects.toThrow('store down');
    }
    expect(agg.spoolBytes()).toBeGreaterThan(0);
    // Readers see the unflushed batches meanwhile.
    const [, pending] = await agg.withUnflushed(
      () => Promise.resolve({ watermark: 0 }),
      (d) => d.events,
    );
    expect(pending.reduce((n, e) => n + e, 0)).toBe(15);
    down = false;
    await agg.flush();
    expect(await total('d')).toBe(15);
    const [, after] = await agg.withUnflushed(
      () => store.read('d', spool.id, 0, 0),
      (d) => d.events,
    );
    expect(after.reduce((n, e) => n + e, 0)).toBe(0);
    spool.close();
  });

  it("reuses a stored batch's deltas: every read counts each event once, before, during and after flushes", async () => {
    let release = () => {};
    let gate = Promise.resolve();
    const gated: TrackingStore = {
      ...store,
      async flush(batch) {
        await gate;
        return store.flush(batch);
      },
    };
    const { spool, agg } = open(gated);
    await agg.start();
    const seen = async () => {
      const [stored, mine] = await agg.withUnflushed(
        () => store.read('e', spool.id, 0, 0),
        (d) => d.of('e')?.hours.reduce((n, h) => n + h.impressions, 0) ?? 0,
      );
      return stored.hours.reduce((n, h) => n + h.impressions, 0) + mine.reduce((n, x) => n + x, 0);
    };
    let want = 0;
    for (let round = 0; round < 4; round++) {
      await agg.accept([ev('e', 2), ev(`other-${round}`)]);
      want += 2;
      gate = new Promise((resolve) => (release = resolve));
      const flushing = agg.flush();
      await agg.accept([ev('e', 3)]);
      want += 3;
      expect(await seen()).toBe(want);
      release();
      await flushing;
      expect(await seen()).toBe(want);
      expect(agg.buckets()).toBe(0);
    }
    expect(await total('e')).toBe(want);
    spool.close();
  });
});
