import type { Ad } from '../model/ad.js';
import type { Entry } from '../statemachine/entries.js';
import { invariantFailed } from '../model/errors.js';
import { REPLY_TTL_MS } from '../statemachine/state.js';

/**
 * Idempotency-key rows older than this (at the committing entry's time) are pruned by the
 * commit that stores a new key: the state machine forgets the reply at the same age, past the
 * contract's 24 hours.
 */
export const IDEMPOTENCY_KEY_TTL_MS = REPLY_TTL_MS;

/** What `Store.commitBatch` hands to the caller's `prepare`, inside the write transaction. */
export interface BatchContext {
  /** The last committed `seq` (new entries must take `head + 1`, `head + 2`, …). */
  readonly head: number;
  /** Committed entries after the caller's `afterSeq`, up to `head`, in `seq` order. */
  readonly tail: readonly Entry[];
  /** The stored rows of the ads named in the request (also expired ones), by id. */
  readonly stored: ReadonlyMap<string, Ad>;
  /**
   * The store's clock read inside this transaction (epoch ms): the one source of time for every
   * decision, whichever replica writes (Postgres: the server's `clock_timestamp()`).
   */
  readonly now: number;
}

export interface BatchRequest {
  /** The caller's last applied `seq`: the tail starts after it. */
  readonly afterSeq: number;
  /** Ads whose stored rows `prepare` needs. */
  readonly adIds?: readonly string[] | undefined;
}

export interface StoredSnapshot {
  readonly seq: number;
  /** Encoded state (see `src/snapshot/codec.ts`). */
  readonly data: string;
}

/** A snapshot to store: the encoded state whole, or in consecutive parts as they are encoded. */
export interface SnapshotToSave {
  readonly seq: number;
  readonly data: string | AsyncIterable<string>;
}

/**
 * Durable storage: the ads table, the log table (the source of truth for the total order),
 * idempotency keys and snapshots. Implemented by SQLite (embedded) and Postgres (replicated).
 */
export interface Store {
  /**
   * Runs one write transaction, serialised against every other writer of the same store (all
   * replicas). Inside it: reads the head `seq`, the store's clock, the log rows after `afterSeq`
   * and the stored rows of `adIds`; calls `prepare` synchronously with them; the entries it
   * returns must carry `seq = head + 1, head + 2, …` in order, and the store writes their log
   * rows, ads-table changes and idempotency keys in the same transaction and commits them all at
   * once (a group commit: all or nothing). If `prepare` throws, or returns no entry, nothing is
   * written (the error is rethrown). Resolves only after the commit is durable; a rejection means
   * nothing was committed, except when the connection failed during COMMIT, which is then
   * undecidable and the entries may appear in the log.
   */
  commitBatch(
    request: BatchRequest,
    prepare: (ctx: BatchContext) => readonly Entry[],
  ): Promise<readonly Entry[]>;

  /** Committed entries with `seq > afterSeq`, ascending, at most `limit`. */
  readLog(afterSeq: number, limit: number): Promise<Entry[]>;

  /** The last committed `seq` (0 when the log is empty). */
  headSeq(): Promise<number>;

  /** The stored ad (also expired ones; deleted ones are gone), with its expiry flag. */
  getAd(id: string): Promise<{ ad: Ad; expired: boolean } | undefined>;

  /**
   * Expired ads (not deleted), newest first: `createdAt` descending, then `id` descending (by
   * code unit), only those strictly after `after` in that order, at most `limit`. Live ads are
   * read from memory; this is how the admin listing reaches the ones memory has let go.
   */
  expiredAds(
    after: { readonly createdAt: number; readonly id: string } | undefined,
    limit: number,
  ): Promise<Ad[]>;

  /** `seq` and save time (epoch ms) of the newest snapshot, without its data; for monitoring. */
  latestSnapshotInfo(): Promise<{ readonly seq: number; readonly takenAt: number } | undefined>;

  /** The snapshot with the highest `seq`, if any. */
  latestSnapshot(): Promise<StoredSnapshot | undefined>;

  /**
   * Stores a snapshot and keeps only the newest `keep`. Idempotent for an existing `seq`. Parts
   * are written as they arrive, each a small write of its own, so that a large state is never
   * one long write; the snapshot becomes visible, whole, only once its last part is stored, and
   * a rejection or a crash half-way leaves no snapshot at that `seq`.
   */
  saveSnapshot(snapshot: SnapshotToSave, keep: number): Promise<void>;

  /** Releases what the adapter owns (never a borrowed client). */
  close(): Promise<void>;
}

/** Checks that `entries` take the seqs right after `head`, in order. */
export function checkNextSeqs(entries: readonly Entry[], head: number): void {
  entries.forEach((entry, i) => {
    if (entry.seq !== head + 1 + i) {
      throw invariantFailed(`entry seq ${entry.seq} is not the next seq ${head + 1 + i}`);
    }
  });
}

/**
 * `store` with every call of its methods made through `around` (told whether the call is the
 * write): the one list of the port's methods for the wrappers of a store (error mapping, health).
 * A method added to `Store` fails to type-check here until it is listed.
 */
export function aroundStore(
  store: Store,
  around: <R>(isWrite: boolean, call: () => Promise<R>) => Promise<R>,
): Store {
  return {
    commitBatch: (request, prepare) => around(true, () => store.commitBatch(request, prepare)),
    readLog: (afterSeq, limit) => around(false, () => store.readLog(afterSeq, limit)),
    headSeq: () => around(false, () => store.headSeq()),
    getAd: (id) => around(false, () => store.getAd(id)),
    expiredAds: (after, limit) => around(false, () => store.expiredAds(after, limit)),
    latestSnapshotInfo: () => around(false, () => store.latestSnapshotInfo()),
    latestSnapshot: () => around(false, () => store.latestSnapshot()),
    saveSnapshot: (snapshot, keep) => around(false, () => store.saveSnapshot(snapshot, keep)),
    close: () => around(false, () => store.close()),
  };
}
