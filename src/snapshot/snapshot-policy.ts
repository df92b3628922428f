import type { AdIndex } from '../index/ad-index.js';
import type { State } from '../statemachine/state.js';
import type { Store } from '../store/store.js';
import { decodeState, encodeStateParts } from './codec.js';

/**
 * Decides which replica takes the snapshot due at `seq`: resolves true for exactly one of the
 * replicas asking (see `redis-snapshot-claim.ts`). Without one, every replica takes its own.
 */
export type SnapshotClaim = (seq: number) => Promise<boolean>;

export interface SnapshotPolicyDeps {
  readonly store: Pick<Store, 'latestSnapshot' | 'latestSnapshotInfo' | 'saveSnapshot'>;
  /** A snapshot is due after at least this many entries (0 = only on shutdown); see `snapshotInterval`. */
  readonly every: number;
  /** Snapshots kept in the store. */
  readonly keep: number;
  readonly claim?: SnapshotClaim | undefined;
  readonly onError?: (err: unknown) => void;
}

/**
 * Entries between two snapshots: `every` doubled until it is at least `size` (the ads and
 * remembered replies a snapshot holds). Encoding a snapshot costs O(size), so a fixed interval
 * would make each write cost O(size) too; growing the interval with the state keeps it O(1) per
 * write, while a restart still replays fewer entries than the snapshot holds (at most twice).
 * Derived from the state at `seq` alone, so every replica agrees on which `seq`s are due.
 */
export function snapshotInterval(every: number, size: number): number {
  let interval = every;
  while (interval < size) interval *= 2;
  return interval;
}

/**
 * When and who snapshots, in one place: recovery starts from the newest snapshot; a snapshot is
 * due every `snapshotInterval` entries and taken by the replica that wins the claim for that `seq`; a
 * replica that stops takes one of its own state. Taking is single-flight, and a snapshot at or
 * below the newest stored one is not written again.
 */
export function createSnapshotPolicy(deps: SnapshotPolicyDeps) {
  let taking: Promise<void> | undefined;
  const report = (err: unknown) => deps.onError?.(err);

  const take = (state: () => State): Promise<void> => {
    taking ??= (async () => {
      const seq = state().seq;
      if (seq === 0) return;
      const latest = await deps.store.latestSnapshotInfo();
      if (latest && latest.seq >= seq) return;
      // Encoded and written in parts, a turn of the event loop apart: requests keep being served.
      await deps.store.saveSnapshot({ seq, data: encodeStateParts(state()) }, deps.keep);
    })()
      .catch(report)
      .finally(() => {
        taking = undefined;
      });
    return taking;
  };

  return {
    /** The newest stored snapshot decoded into a state over `index`, if any. */
    async load(index: AdIndex): Promise<State | undefined> {
      const snapshot = await deps.store.latestSnapshot();
      return snapshot && decodeState(snapshot.data, index);
    },
    /** Called after each applied entry: starts the snapshot due at `seq`, if any, in the background. */
    afterApplied(seq: number, state: () => State): void {
      if (deps.every <= 0 || seq % deps.every !== 0) return;
      const { ads, replies } = state();
      if (seq % snapshotInterval(deps.every, ads.size + replies.size) !== 0) return;
      void (async () => {
        if (!deps.claim || (await deps.claim(seq))) await take(state);
      })().catch(report);
    },
    /** Takes a snapshot of the state now (on shutdown); never rejects. */
    take,
  };
}

export type SnapshotPolicy = ReturnType<typeof createSnapshotPolicy>;
