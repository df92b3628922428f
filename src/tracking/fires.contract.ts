import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from './buckets.js';
import { CHUNK_BITS, type FireRecord } from './fires.js';
import type { TrackingStore } from './tracking-store.js';

const T = Date.UTC(2026, 11, 1, 12);
const HOUR_OF_T = T / HOUR;
const empty = { minutes: [], hours: [], last: [] };

/** First-fire settlement every TrackingStore adapter must do. `make` gives a fresh, empty store. */
export function firesContract(
  name: string,
  make: () => Promise<{ store: TrackingStore; done(): Promise<void> }>,
) {
  describe(`TrackingStore fires contract: ${name}`, () => {
    let store: TrackingStore;
    let teardown: { store: TrackingStore; done(): Promise<void> };
    let ads = 0;
    let signers = 100;
    let marks = 0;
    const ad = () => `fired-${name}-${++ads}`;
    const fire = (adId: string, signer: number, n: number, over: Partial<FireRecord> = {}): FireRecord => ({
      type: 0,
      adId,
      at: T + 1000,
      signer,
      hour: HOUR_OF_T,
      n,
      expiresAt: T + 24 * HOUR,
      ...over,
    });
    /** Flushes `fires` as replica `replicaId`'s next batch; what `settled` said, or undefined. */
    const flush = async (replicaId: string, fires: FireRecord[]) => {
      let said: readonly boolean[] | undefined;
      const stored = await store.flush({
        replicaId,
        watermark: ++marks,
        ...empty,
        fires,
        minutesFrom: 0,
        settled: (fresh) => (said = fresh),
      });
      return { stored, said };
    };
    const counts = async (adId: string) => {
      const read = await store.read(adId, 'nobody', 0, 0);
      const sum = (rows: readonly { impressions: number; clicks: number }[]) =>
        rows.reduce((a, r) => [a[0]! + r.impressions, a[1]! + r.clicks], [0, 0]);
      return { minutes: sum(read.minutes), hours: sum(read.hours), last: read.last };
    };

    beforeAll(async () => {
      teardown = await make();
      store = teardown.store;
    });
    afterAll(async () => {
      await store.close();
      await teardown.done();
    });

    it('counts the first fire of a URL at its time, and no later one from any replica', async () => {
      const a = ad();
      const s = ++signers;
      expect(await flush('fa', [fire(a, s, 5)])).toEqual({ stored: true, said: [true] });
      expect(await flush('fb', [fire(a, s, 5, { at: T + 2 * MINUTE })])).toEqual({
        stored: true,
        said: [false],
      });
      expect(await flush('fa', [fire(a, s, 5)])).toEqual({ stored: true, said: [false] });
      expect(await counts(a)).toEqual({
        minutes: [1, 0],
        hours: [1, 0],
        last: { impression: T + 1000, click: null },
      });
    });

    it('counts a URL once within one batch, and the impression and click of a decision apart', async () => {
      const a = ad();
      const s = ++signers;
      const click = fire(a, s, 9, { type: 1, at: T + 3000 });
      const { said } = await flush('fa', [fire(a, s, 9), fire(a, s, 9), click, click, fire(a, s, 10)]);
      expect(said).toEqual([true, false, true, false, true]);
      expect(await counts(a)).toEqual({
        minutes: [2, 1],
        hours: [2, 1],
        last: { impression: T + 1000, click: T + 3000 },
      });
    });

    it('keeps decisions of other signers, hours and chunks apart, at the chunk edges too', async () => {
      const a = ad();
      const s = ++signers;
      const fires = [
        fire(a, s, 0),
        fire(a, s, CHUNK_BITS - 1),
        fire(a, s, CHUNK_BITS),
        fire(a, s, 3 * CHUNK_BITS + 7),
        fire(a, s + 1, 0),
        fire(a, s, 0, { hour: HOUR_OF_T - 1 }),
      ];
      expect((await flush('fa', fires)).said).toEqual(fires.map(() => true));
      expect((await flush('fb', fires)).said).toEqual(fires.map(() => false));
      expect((await flush('fb', [fire(a, s, 1), fire(a, s, CHUNK_BITS + 1)])).said).toEqual([true, true]);
      expect((await counts(a)).hours).toEqual([8, 0]);
    });

    it('adds nothing for a replayed flush (same watermark) and reports nothing settled', async () => {
      const a = ad();
      const s = ++signers;
      const batch = { replicaId: 'fc', watermark: ++marks, ...empty, fires: [fire(a, s, 1)], minutesFrom: 0 };
      expect(await store.flush(batch)).toBe(true);
      let said: readonly boolean[] | undefined;
      expect(await store.flush({ ...batch, settled: (f) => (said = f) })).toBe(false);
      expect(said).toBeUndefined();
      expect((await counts(a)).hours).toEqual([1, 0]);
    });

    it('settles concurrent flushes of several replicas with the same fires: each URL counts once', async () => {
      const a = ad();
      const s = ++signers;
      const fires = Array.from({ length: 300 }, (_, n) => fire(a, s, n * 37));
      const replicas = ['fd', 'fe', 'ff', 'fg'];
      const results = await Promise.all(
        replicas.map((r, i) => flush(r, i % 2 === 0 ? fires : [...fires].reverse())),
      );
      const counted = results.reduce((sum, r) => sum + (r.said ?? []).filter(Boolean).length, 0);
      expect(counted).toBe(300);
      expect((await counts(a)).hours).toEqual([300, 0]);
    });

    it('forgets records whose URLs all expired before the floor, and only those', async () => {
      const a = ad();
      const s = ++signers;
      await flush('fa', [
        fire(a, s, 1, { expiresAt: T + HOUR }),
        fire(a, s, CHUNK_BITS, { expiresAt: T + 3 * HOUR }),
      ]);
      await store.prune({ minutesBefore: 0, hoursBefore: 0, keysBefore: 0, firesBefore: T + 2 * HOUR });
      expect((await flush('fb', [fire(a, s, CHUNK_BITS, { expiresAt: T + 3 * HOUR })])).said).toEqual([
        false,
      ]);
      expect((await flush('fb', [fire(a, s, 1, { expiresAt: T + HOUR })])).said).toEqual([true]);
    });
  });
}
