import type { Ad } from '../model/ad.js';
import type { Entry } from '../statemachine/entries.js';

/** What `Store.commit` hands to the caller's `prepare`, inside the write transaction. */
export interface CommitContext {
  /** The last committed `seq` (the new entry, if any, must take `head + 1`). */
  readonly head: number;
  /** Committed entries after the caller's `afterSeq`, up to `head`, in `seq` order. */
  readonly tail: readonly Entry[];
  /** The stored row of the ad named in the commit request (also expired ones), if any. */
  readonly stored: Ad | undefined;
}

export interface StoredSnapshot {
  readonly seq: number;
  /** Encoded state (see `src/snapshot/codec.ts`). */
  readonly data: string;
}

/**
 * Durable storage: the ads table, the log table (the source of truth for the total order),
 * idempotency keys and snapshots. Implemented by SQLite (embedded) and Postgres (replicated).
 */
export interface Store {
  /**
   * Runs one write transaction, serialised against every other writer of the same store (all
   * replicas). Inside it: reads the head `seq`, the log rows after `afterSeq`, and the stored
   * row of `adId`; calls `prepare` synchronously with them; if `prepare` returns an entry, it
   * must carry `seq = head + 1`, and the store writes the log row, the ads-table change and the
   * idempotency key in the same transaction and commits. If `prepare` throws, or returns
   * `undefined`, nothing is written and the error is rethrown. Resolves only after the commit is
   * durable; a rejection means nothing was committed, except when the connection failed during
   * COMMIT, which is then undecidable and the entry may appear in the log.
   */
  commit(
    request: { readonly afterSeq: number; readonly adId?: string | undefined },
    prepare: (ctx: CommitContext) => Entry | undefined,
  ): Promise<Entry | undefined>;

  /** Committed entries with `seq > afterSeq`, ascending, at most `limit`. */
  readLog(afterSeq: number, limit: number): Promise<Entry[]>;

  /** The last committed `seq` (0 when the log is empty). */
  headSeq(): Promise<number>;

  /** The stored ad (also expired ones; deleted ones are gone), with its expiry flag. */
  getAd(id: string): Promise<{ ad: Ad; expired: boolean } | undefined>;

  /** Ads not yet expired or deleted, for rebuilding expiry jobs and for verification. */
  liveAds(): Promise<Ad[]>;

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

  /** Stores a snapshot and keeps only the newest `keep`. Idempotent for an existing `seq`. */
  saveSnapshot(snapshot: StoredSnapshot, keep: number): Promise<void>;

  /** Releases what the adapter owns (never a borrowed client). */
  close(): Promise<void>;
}
