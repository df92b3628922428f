import { describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { apply } from '../statemachine/apply.js';
import { emptyState, type State } from '../statemachine/state.js';
import { createMemoryStore } from '../store/memory-store.js';
import { makeAd, T0 } from '../../test/support/ads.js';
import { createSnapshotPolicy, snapshotInterval } from './snapshot-policy.js';

describe('snapshotInterval', () => {
  it('is `every` while the state is no larger', () => {
    expect(snapshotInterval(1000, 0)).toBe(1000);
    expect(snapshotInterval(1000, 1000)).toBe(1000);
  });

  it('doubles until it covers the state, so encoding stays O(1) per entry', () => {
    expect(snapshotInterval(1000, 1001)).toBe(2000);
    expect(snapshotInterval(1000, 100_000)).toBe(128_000);
    expect(snapshotInterval(3, 10)).toBe(12);
  });
});

/** A state of `n` live ads, at `seq`. */
function stateWith(n: number, seq: number): State {
  const s = emptyState(createTargetingIndex());
  for (let i = 1; i <= n; i++) apply(s, { seq: i, at: T0 + i, type: 'create', ad: makeAd() });
  s.seq = seq;
  return s;
}

describe('snapshot policy', () => {
  async function snapshotsTaken(every: number, ads: number, seqs: readonly number[]): Promise<number[]> {
    const store = createMemoryStore();
    const policy = createSnapshotPolicy({ store, every, keep: 100 });
    const taken: number[] = [];
    for (const seq of seqs) {
      const state = stateWith(ads, seq);
      policy.afterApplied(seq, () => state);
      // Let the background snapshot finish before the next entry.
      await policy.take(() => emptyState(createTargetingIndex()));
      const latest = await store.latestSnapshotInfo();
      if (latest && !taken.includes(latest.seq)) taken.push(latest.seq);
    }
    return taken;
  }

  it('takes one every `every` entries while the state is small', async () => {
    expect(await snapshotsTaken(10, 5, [5, 10, 15, 20, 30])).toEqual([10, 20, 30]);
  });

  it('takes one every `snapshotInterval` entries once the state outgrows `every`', async () => {
    // 25 ads, every 10: the interval is 40.
    expect(await snapshotsTaken(10, 25, [10, 20, 30, 40, 50, 60, 70, 80])).toEqual([40, 80]);
  });

  it('takes none with every = 0', async () => {
    expect(await snapshotsTaken(0, 5, [10, 20])).toEqual([]);
  });
});
