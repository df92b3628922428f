import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CapCandidate, FrequencyCapStore } from './frequency-caps.js';

/** What an adapter's test gives each test: a store on fresh, empty storage. */
export interface CapsHarness {
  readonly caps: FrequencyCapStore;
  /** Opens the same storage again after `caps.close()`; given by durable adapters. */
  readonly reopen?: () => Promise<FrequencyCapStore>;
  readonly cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2026, 11, 10, 3);
const MIN = 60_000;
const HOUR = 3_600_000;

const capped = (adId: string, ...caps: [number, number][]): CapCandidate => ({
  adId,
  caps: caps.map(([impressions, seconds]) => ({ impressions, seconds })),
});
const free = (adId: string): CapCandidate => ({ adId, caps: [] });

/** The behaviour every `FrequencyCapStore` adapter must show (see its TSDoc). */
export function frequencyCapsContract(name: string, make: () => Promise<CapsHarness>): void {
  describe(`FrequencyCapStore contract: ${name}`, () => {
    let h: CapsHarness;
    let caps: FrequencyCapStore;
    beforeEach(async () => {
      h = await make();
      caps = h.caps;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('takes candidates in order until count, ads without caps always', async () => {
      const list = [free('a'), capped('b', [5, 60]), free('c'), free('d')];
      expect(await caps.take('u', list, 3, T0)).toEqual([0, 1, 2]);
      expect(await caps.take('u', list, 10, T0)).toEqual([0, 1, 2, 3]);
      expect(await caps.take('u', [], 3, T0)).toEqual([]);
    });

    it('a cap of n per window: n takes, then none until the oldest leaves the window (sliding)', async () => {
      const ad = [capped('a', [2, 60])];
      expect(await caps.take('u', ad, 1, T0)).toEqual([0]);
      expect(await caps.take('u', ad, 1, T0 + 10_000)).toEqual([0]);
      expect(await caps.take('u', ad, 1, T0 + 20_000)).toEqual([]);
      expect(await caps.take('u', ad, 1, T0 + MIN - 1)).toEqual([]);
      // T0 is out of (now - 60 s, now] at T0 + 60 s; T0 + 10 s is still in.
      expect(await caps.take('u', ad, 1, T0 + MIN)).toEqual([0]);
      expect(await caps.take('u', ad, 1, T0 + MIN + 5_000)).toEqual([]);
      expect(await caps.take('u', ad, 1, T0 + MIN + 10_000)).toEqual([0]);
    });

    it('every cap of an ad must have room', async () => {
      const ad = [capped('a', [1, 60], [3, 3600])];
      expect(await caps.take('u', ad, 1, T0)).toEqual([0]);
      expect(await caps.take('u', ad, 1, T0 + 30_000)).toEqual([]);
      expect(await caps.take('u', ad, 1, T0 + MIN)).toEqual([0]);
      expect(await caps.take('u', ad, 1, T0 + 2 * MIN)).toEqual([0]);
      expect(await caps.take('u', ad, 1, T0 + 10 * MIN)).toEqual([]);
      expect(await caps.take('u', ad, 1, T0 + HOUR)).toEqual([0]);
    });

    it('a full ad is passed over for the next candidates; only taken ads are recorded', async () => {
      const list = [capped('a', [1, 60]), capped('b', [1, 60]), capped('c', [1, 60])];
      expect(await caps.take('u', list, 1, T0)).toEqual([0]);
      expect(await caps.take('u', list, 1, T0 + 1)).toEqual([1]);
      // `c` was never taken, so it still has room; `a` and `b` are full.
      expect(await caps.take('u', list, 3, T0 + 2)).toEqual([2]);
      expect(await caps.take('u', list, 3, T0 + 3)).toEqual([]);
    });

    it('keeps each user key apart', async () => {
      const ad = [capped('a', [1, 3600])];
      expect(await caps.take('u1', ad, 1, T0)).toEqual([0]);
      expect(await caps.take('u2', ad, 1, T0)).toEqual([0]);
      expect(await caps.take('u1', ad, 1, T0 + 1)).toEqual([]);
      expect(await caps.take('u:1', ad, 1, T0 + 1)).toEqual([0]);
    });

    it('a cap changed later is checked against the times already recorded', async () => {
      expect(await caps.take('u', [capped('a', [5, 3600])], 1, T0)).toEqual([0]);
      expect(await caps.take('u', [capped('a', [5, 3600])], 1, T0 + 1)).toEqual([0]);
      expect(await caps.take('u', [capped('a', [2, 3600])], 1, T0 + 2)).toEqual([]);
      expect(await caps.take('u', [capped('a', [3, 3600])], 1, T0 + 3)).toEqual([0]);
    });

    it('concurrent takes for one user never pass a cap', async () => {
      const list = [capped('a', [3, 3600]), capped('b', [2, 60])];
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => caps.take('busy', list, 2, T0 + (i % 5))),
      );
      const all = answers.flat();
      expect(all.filter((p) => p === 0)).toHaveLength(3);
      expect(all.filter((p) => p === 1)).toHaveLength(2);
    });

    it('works for user keys of any characters, up to 128', async () => {
      const key = `ü ${'x'.repeat(120)}:*{}`;
      expect(await caps.take(key, [capped('a', [1, 60])], 1, T0)).toEqual([0]);
      expect(await caps.take(key, [capped('a', [1, 60])], 1, T0)).toEqual([]);
    });

    it('recorded times survive closing and reopening the storage', async ({ skip }) => {
      if (!h.reopen) return skip('not a durable adapter');
      expect(await caps.take('u', [capped('a', [1, 3600])], 1, T0)).toEqual([0]);
      await caps.close();
      caps = await h.reopen();
      expect(await caps.take('u', [capped('a', [1, 3600])], 1, T0 + MIN)).toEqual([]);
      expect(await caps.take('u', [capped('a', [1, 3600])], 1, T0 + HOUR)).toEqual([0]);
    });
  });
}
