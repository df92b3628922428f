import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from './buckets.js';
import { Deltas, type EventRecord } from './deltas.js';
import type { TrackingStore } from './tracking-store.js';

const T = Date.UTC(2026, 11, 1, 12);

const batchOf = (records: EventRecord[], minutesFrom = 0) => {
  const d = new Deltas();
  for (const r of records) d.add(r);
  return d.toRows(minutesFrom);
};

/** The behaviour every TrackingStore adapter must have. `make` gives a fresh, empty store. */
export function trackingStoreContract(
  name: string,
  make: () => Promise<{ store: TrackingStore; done(): Promise<void> }>,
) {
  describe(`TrackingStore contract: ${name}`, () => {
    let store: TrackingStore;
    let teardown: { store: TrackingStore; done(): Promise<void> };
    let n = 0;
    const ad = () => `ad-${name}-${++n}`;

    beforeAll(async () => {
      teardown = await make();
      store = teardown.store;
    });
    afterAll(async () => {
      await store.close();
      await teardown.done();
    });

    it('adds flushed sums and records the watermark; a replayed flush adds nothing', async () => {
      const a = ad();
      const rows = batchOf([
        [0, a, T + 1000, 2],
        [1, a, T + 2000, 1],
        [0, a, T + MINUTE, 5],
      ]);
      expect(await store.watermark('r1')).toBe(0);
      expect(await store.flush({ replicaId: 'r1', watermark: 3, ...rows })).toBe(true);
      expect(await store.flush({ replicaId: 'r1', watermark: 3, ...rows })).toBe(false);
      expect(await store.flush({ replicaId: 'r1', watermark: 2, ...rows })).toBe(false);
      expect(await store.watermark('r1')).toBe(3);
      const read = await store.read(a, 'r1', 0, 0);
      expect(read.watermark).toBe(3);
      expect([...read.minutes].sort((x, y) => x.start - y.start)).toEqual([
        { start: T, impressions: 2, clicks: 1 },
        { start: T + MINUTE, impressions: 5, clicks: 0 },
      ]);
      expect(read.hours).toEqual([{ start: T, impressions: 7, clicks: 1 }]);
      expect(read.last).toEqual({ impression: T + MINUTE, click: T + 2000 });
    });

    it('sums flushes of several replicas; last never moves back', async () => {
      const a = ad();
      await store.flush({ replicaId: 'r2', watermark: 10, ...batchOf([[0, a, T + 5000, 1]]) });
      await store.flush({
        replicaId: 'r3',
        watermark: 1,
        ...batchOf([
          [0, a, T + 1000, 4],
          [1, a, T, 1],
        ]),
      });
      const read = await store.read(a, 'r3', 0, 0);
      expect(read.minutes).toEqual([{ start: T, impressions: 5, clicks: 1 }]);
      expect(read.last).toEqual({ impression: T + 5000, click: T });
      expect(read.watermark).toBe(1);
      expect((await store.read(a, 'nobody', 0, 0)).watermark).toBe(0);
    });

    it('reads only rows from the given floors', async () => {
      const a = ad();
      await store.flush({
        replicaId: 'r4',
        watermark: 1,
        ...batchOf([
          [0, a, T - 2 * HOUR, 1],
          [0, a, T, 1],
        ]),
      });
      const read = await store.read(a, 'r4', T - MINUTE, T - HOUR);
      expect(read.minutes).toEqual([{ start: T, impressions: 1, clicks: 0 }]);
      expect(read.hours).toEqual([{ start: T, impressions: 1, clicks: 0 }]);
      const hours = await store.hours(a, 'r4', T - 3 * HOUR, T + HOUR);
      expect(hours.hours).toEqual([
        { start: T - 2 * HOUR, impressions: 1, clicks: 0 },
        { start: T, impressions: 1, clicks: 0 },
      ]);
      expect(hours.watermark).toBe(1);
      expect((await store.hours(a, 'r4', T - 3 * HOUR, T)).hours).toHaveLength(1);
    });

    it('stores a keyed batch once; a second use of the key answers what the first stored', async () => {
      const a = ad();
      const batch = {
        key: `k-${a}`,
        fingerprint: 'f1',
        answer: '{"accepted":1}',
        at: T,
        ...batchOf([[1, a, T, 3]]),
      };
      expect(await store.recordKeyed(batch)).toBeUndefined();
      expect(await store.recordKeyed({ ...batch, fingerprint: 'f2', answer: 'other' })).toEqual({
        fingerprint: 'f1',
        answer: '{"accepted":1}',
      });
      const read = await store.read(a, 'r', 0, 0);
      expect(read.hours).toEqual([{ start: T, impressions: 0, clicks: 3 }]);
    });

    it('settles concurrent uses of one key: exactly one counts', async () => {
      const a = ad();
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          store.recordKeyed({
            key: `race-${a}`,
            fingerprint: 'f',
            answer: String(i),
            at: T,
            ...batchOf([[0, a, T, 1]]),
          }),
        ),
      );
      expect(answers.filter((x) => x === undefined)).toHaveLength(1);
      expect((await store.read(a, 'r', 0, 0)).hours).toEqual([{ start: T, impressions: 1, clicks: 0 }]);
    });

    it('prunes old minute rows, old hour rows and old keys', async () => {
      const a = ad();
      await store.flush({
        replicaId: 'r5',
        watermark: 1,
        ...batchOf([
          [0, a, T - 2 * HOUR, 1],
          [0, a, T, 1],
        ]),
      });
      await store.recordKeyed({
        key: `old-${a}`,
        fingerprint: 'f',
        answer: 'x',
        at: T - 1000,
        ...batchOf([]),
      });
      await store.prune({ minutesBefore: T - HOUR, hoursBefore: T - HOUR, keysBefore: T });
      const read = await store.read(a, 'r5', 0, 0);
      expect(read.minutes).toEqual([{ start: T, impressions: 1, clicks: 0 }]);
      expect(read.hours).toEqual([{ start: T, impressions: 1, clicks: 0 }]);
      expect(
        await store.recordKeyed({ key: `old-${a}`, fingerprint: 'g', answer: 'y', at: T, ...batchOf([]) }),
      ).toBeUndefined();
    });

    it('flushes large batches (thousands of rows) in one go', async () => {
      const records: EventRecord[] = [];
      for (let i = 0; i < 3000; i++) records.push([0, `bulk-${name}-${i}`, T + (i % 60) * MINUTE, 1]);
      expect(await store.flush({ replicaId: 'r6', watermark: 1, ...batchOf(records) })).toBe(true);
      const read = await store.read(`bulk-${name}-61`, 'r6', 0, 0);
      expect(read.minutes).toEqual([{ start: T + MINUTE, impressions: 1, clicks: 0 }]);
    });

    it('reads rows given as iterables to their end, across statements, and again on a second flush', async () => {
      const d = new Deltas();
      const n = 12_001;
      for (let i = 0; i < n; i++) d.add([i % 2 === 0 ? 0 : 1, `lazy-${name}-${i}`, T + (i % 3) * HOUR, 2]);
      const rows = d.rows(0);
      expect(await store.flush({ replicaId: 'r7', watermark: 1, ...rows })).toBe(true);
      expect(await store.flush({ replicaId: 'r7', watermark: 2, ...rows })).toBe(true);
      for (const i of [0, 4_999, 5_000, 5_001, 10_000, 12_000]) {
        const read = await store.read(`lazy-${name}-${i}`, 'r7', 0, 0);
        const start = T + (i % 3) * HOUR;
        const sums = i % 2 === 0 ? { impressions: 4, clicks: 0 } : { impressions: 0, clicks: 4 };
        expect(read.hours, String(i)).toEqual([{ start, ...sums }]);
        expect(read.minutes, String(i)).toEqual([{ start, ...sums }]);
        expect(read.last, String(i)).toEqual(
          i % 2 === 0 ? { impression: start, click: null } : { impression: null, click: start },
        );
      }
    });
  });
}
