import type { BucketCounts } from './buckets.js';
import type { CountRow, LastRow } from './deltas.js';
import type { FireRecord } from './fires.js';

/**
 * Sums to add: minute and hour rows and greatest `at` per type, each sorted by key. Iterables
 * (read once per attempt, again when a flush is retried): a flush's rows are made while the store
 * reads them, never held as one list.
 */
export interface CountBatch {
  readonly minutes: Iterable<CountRow>;
  readonly hours: Iterable<CountRow>;
  readonly last: Iterable<LastRow>;
}

/** One replica's deltas up to its spool position `watermark`. */
export interface FlushBatch extends CountBatch {
  /** The replica's stable identity (its spool's id). */
  readonly replicaId: string;
  /** The last spool position whose events are in this batch; higher than any previous flush's. */
  readonly watermark: number;
  /**
   * Fires of tracking URLs: each counts one (at its `at`, as an impression or click) only when
   * no fire of the same URL was ever stored before (by any replica) nor earlier in this list.
   */
  readonly fires?: readonly FireRecord[];
  /** Minute rows of fires before this are not stored (as for the batch's own minute rows). */
  readonly minutesFrom?: number;
  /** Called once the flush committed, with whether each fire counted (`fires`' order). */
  readonly settled?: (fresh: readonly boolean[]) => void;
}

/** A request's counts stored directly, together with its idempotency key and answer. */
export interface KeyedBatch extends CountBatch {
  readonly key: string;
  readonly fingerprint: string;
  /** The answer body to replay to retries. */
  readonly answer: string;
  readonly at: number;
}

/** What the store holds for one ad, read in one consistent snapshot. */
export interface StoredCounts {
  readonly minutes: readonly BucketCounts[];
  readonly hours: readonly BucketCounts[];
  /** Greatest `at` ever stored per type, `null` when none. */
  readonly last: { readonly impression: number | null; readonly click: number | null };
  /** The asking replica's stored watermark (0 when it never flushed). */
  readonly watermark: number;
}

/**
 * Durable per-(ad, minute) and per-(ad, hour) sums shared by every replica, the greatest `at`
 * per ad and type, each replica's spool watermark, and the idempotency keys of event requests.
 * Implemented by SQLite (embedded) and Postgres (replicated). Sums only ever grow by commuting
 * additions, so replicas never coordinate.
 */
export interface TrackingStore {
  /** The spool watermark stored for `replicaId`; 0 when it never flushed. */
  watermark(replicaId: string): Promise<number>;

  /**
   * One transaction: adds the batch's sums and its fresh fires (recording them as fired), raises
   * `last` (never lowers it), and records
   * `watermark` for the replica. When the stored watermark is already `>= batch.watermark` (a
   * flush replayed after a crash or after a lost COMMIT answer), adds nothing and resolves false.
   * Rows are written in the batch's order, so concurrent flushes never deadlock. A rejection
   * means nothing was stored, except a connection lost during COMMIT: retrying the same batch
   * is then safe either way.
   */
  flush(batch: FlushBatch): Promise<boolean>;

  /**
   * One transaction: stores `key` with its fingerprint and answer and adds the batch's sums.
   * When `key` is already stored (by any replica, committed first), adds nothing and resolves
   * the stored fingerprint and answer instead.
   */
  recordKeyed(batch: KeyedBatch): Promise<{ fingerprint: string; answer: string } | undefined>;

  /**
   * One ad's minute rows starting at or after `minuteFrom`, hour rows at or after `hourFrom`,
   * its `last`, and `replicaId`'s watermark, all from one snapshot: a flush is either wholly in
   * the answer (and the watermark says so) or not at all.
   */
  read(adId: string, replicaId: string, minuteFrom: number, hourFrom: number): Promise<StoredCounts>;

  /** One ad's hour rows with `from <= start < to`, ascending, and `replicaId`'s watermark, from one snapshot. */
  hours(
    adId: string,
    replicaId: string,
    from: number,
    to: number,
  ): Promise<{ hours: BucketCounts[]; watermark: number }>;

  /**
   * Deletes minute rows before `minutesBefore`, hour rows before `hoursBefore`, keys older than
   * `keysBefore`, and first-fire records whose URLs all expired before `firesBefore`.
   */
  prune(floors: {
    minutesBefore: number;
    hoursBefore: number;
    keysBefore: number;
    firesBefore?: number;
  }): Promise<void>;

  /** Releases what the adapter owns (never a borrowed client). */
  close(): Promise<void>;
}

/**
 * `store` with every call of its methods made through `around`: the one list of the port's
 * methods for its wrappers (the Postgres error mapping). A method added to `TrackingStore` fails
 * to type-check here until it is listed.
 */
export function aroundTrackingStore(
  store: TrackingStore,
  around: <R>(call: () => Promise<R>) => Promise<R>,
): TrackingStore {
  return {
    watermark: (replicaId) => around(() => store.watermark(replicaId)),
    flush: (batch) => around(() => store.flush(batch)),
    recordKeyed: (batch) => around(() => store.recordKeyed(batch)),
    read: (adId, replicaId, minuteFrom, hourFrom) =>
      around(() => store.read(adId, replicaId, minuteFrom, hourFrom)),
    hours: (adId, replicaId, from, to) => around(() => store.hours(adId, replicaId, from, to)),
    prune: (floors) => around(() => store.prune(floors)),
    close: () => around(() => store.close()),
  };
}
