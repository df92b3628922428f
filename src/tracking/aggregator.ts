/**
 * One replica's accepted events from the spool to the store. `accept` appends to the spool with
 * group commit (every request waiting at the same moment shares one entry, one transaction and
 * one sync)
 * and, once synced, adds the events to the in-memory deltas. `flush` moves the deltas to the
 * store in one transaction tagged with the last spool position they hold, then releases the
 * spool up to it. A batch whose flush failed is retried as it was (same position), so a COMMIT
 * whose answer was lost can never be added twice; events accepted meanwhile wait in the next
 * batch. `start` replays the spool after the stored watermark.
 *
 * Two `Deltas` take turns (the one filling, the one being flushed), emptied and reused, so a
 * busy replica keeps the same arrays instead of making new ones every interval.
 */
import { pruneFloors, windowFloors, DAY } from './buckets.js';
import { Deltas, type EventRecord } from './deltas.js';
import type { FireRecord } from './fires.js';
import type { Spool } from './spool.js';
import type { TrackingStore } from './tracking-store.js';

export interface AggregatorDeps {
  readonly store: TrackingStore;
  readonly spool: Spool;
  readonly now: () => number;
  readonly retentionDays: number;
  /** Idempotency keys are kept this long (at least 24 hours). */
  readonly keyRetentionMs?: number;
  readonly onFlushed?: (info: { seconds: number; rows: number; at: number }) => void;
  /** Fires of tracking URLs settled by a flush: whether each counted (first fire) or not. */
  readonly onFiresSettled?: (fires: readonly FireRecord[], fresh: readonly boolean[]) => void;
  /** Called after events were added to the deltas (with the buckets and the fires now held). */
  readonly onTaken?: (buckets: number, fires: number) => void;
}

/**
 * First-fire records are kept this long past the expiry of their URLs: a fire accepted just
 * before its URL expired may reach the store this late (a replica cut off from it) and still
 * meet the record of an earlier fire of the same URL.
 */
export const FIRE_RECORD_MARGIN_MS = DAY;

interface Batch {
  readonly deltas: Deltas;
  readonly watermark: number;
}

interface Waiting {
  readonly records: readonly EventRecord[];
  resolve(): void;
  reject(err: unknown): void;
}

export function createAggregator(deps: AggregatorDeps) {
  const { store, spool } = deps;
  let current = new Deltas();
  let inflight: Batch | undefined;
  /** The deltas of the last stored batch, emptied, to fill next. */
  let spare: Deltas | undefined;
  /** Flushes completed so far: a reader that saw it change during its read reads again. */
  let flushes = 0;
  let lastSeq = 0;
  /** Unreleased group commits: [last seq, bytes, appended at (ms)], oldest first. */
  const unreleased: [number, number, number][] = [];
  let unreleasedBytes = 0;
  let waiting: Waiting[] = [];
  let scheduled = false;
  let flushing: Promise<void> | undefined;
  let lastPrune = 0;

  const take = (
    entries: readonly { seq: number; records: readonly EventRecord[]; bytes: number }[],
    at: number,
  ) => {
    if (entries.length === 0) return;
    let bytes = 0;
    // Minutes older than every window are never stored: not kept either.
    const minutesFrom = windowFloors(deps.now()).minuteFrom;
    for (const e of entries) {
      for (const r of e.records) current.add(r, minutesFrom);
      bytes += e.bytes;
    }
    lastSeq = entries[entries.length - 1]!.seq;
    // One entry per group commit: release() walks few of them.
    unreleased.push([lastSeq, bytes, at]);
    unreleasedBytes += bytes;
    deps.onTaken?.(buckets(), current.fires.length);
  };

  const buckets = (): number => current.buckets + (inflight?.deltas.buckets ?? 0);

  /** The take of the last group appended: each group is taken after the one before it. */
  let taken: Promise<void> = Promise.resolve();

  /**
   * Group commit: everything waiting goes to the spool as one entry, written at once in one
   * transaction, and is acknowledged once a sync started after it has ended. A group does not
   * wait for the appends before it to be synced: its own sync may start while theirs run (the
   * spool's `append`), and a later sync covers the earlier groups too, so a busy replica writes
   * one spool row and one WAL commit per group and keeps its event loop free while syncs run.
   * Groups are taken into the deltas in spool order.
   */
  const commit = (): void => {
    scheduled = false;
    const group = waiting;
    waiting = [];
    const records = group.length === 1 ? group[0]!.records : group.flatMap((w) => w.records);
    const appended = spool.append([records]);
    taken = taken
      .then(() => appended)
      .then(
        (entries) => {
          take(entries, Date.now());
          for (const w of group) w.resolve();
        },
        (err: unknown) => {
          for (const w of group) w.reject(err);
        },
      );
  };

  const release = (watermark: number): void => {
    spool.release(watermark);
    let n = 0;
    while (n < unreleased.length && unreleased[n]![0] <= watermark) unreleasedBytes -= unreleased[n++]![1];
    unreleased.splice(0, n);
  };

  const flushOnce = async (): Promise<void> => {
    const now = deps.now();
    if (!inflight) {
      if (current.isEmpty) return;
      inflight = { deltas: current, watermark: lastSeq };
      current = spare ?? new Deltas();
      spare = undefined;
    }
    const batch = inflight;
    const started = performance.now();
    const minutesFrom = windowFloors(now).minuteFrom;
    const rows = batch.deltas.rows(minutesFrom);
    const stored = batch.deltas.buckets;
    const fires = batch.deltas.fires;
    await store.flush({
      replicaId: spool.id,
      watermark: batch.watermark,
      ...rows,
      ...(fires.length > 0 && {
        fires,
        minutesFrom,
        settled: (fresh: readonly boolean[]) => deps.onFiresSettled?.(fires, fresh),
      }),
    });
    inflight = undefined;
    flushes++;
    release(batch.watermark);
    batch.deltas.reset();
    spare = batch.deltas;
    deps.onFlushed?.({ seconds: (performance.now() - started) / 1000, rows: stored, at: Date.now() });
  };

  const prune = async (): Promise<void> => {
    const now = deps.now();
    if (now - lastPrune < 60_000) return;
    lastPrune = now;
    await store.prune({
      ...pruneFloors(now, deps.retentionDays),
      keysBefore: now - (deps.keyRetentionMs ?? 2 * DAY),
      firesBefore: now - FIRE_RECORD_MARGIN_MS,
    });
  };

  return {
    /** Resolves once `records` are on disk and counted in this replica's deltas. */
    accept(records: readonly EventRecord[]): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ records, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(commit);
        }
      });
    },

    /** Replays the spool after the stored watermark into the deltas. */
    async start(): Promise<void> {
      const stored = await store.watermark(spool.id);
      spool.release(stored);
      const entries = spool.entriesAfter(stored);
      take(entries, Date.now());
      if (entries.length === 0) lastSeq = Math.max(lastSeq, stored);
    },

    /** Moves what is due to the store (one flush at a time); rejects when the store fails. */
    flush(): Promise<void> {
      flushing ??= (async () => {
        try {
          await flushOnce();
          // Events accepted during a slow or failed flush are flushed right after it.
          if (!current.isEmpty) await flushOnce();
          await prune();
        } finally {
          flushing = undefined;
        }
      })();
      return flushing;
    },

    /**
     * Reads the store with `read` and adds what it lacks: `pick` of the current deltas and of the
     * batch in flight when its flush is not in that read's snapshot (picked at once: deltas are
     * reused once stored). A flush that completed while `read` ran drops its batch from memory,
     * so the read is done again.
     */
    async withUnflushed<T extends { watermark: number }, R>(
      read: () => Promise<T>,
      pick: (deltas: Deltas) => R,
    ): Promise<[T, R[]]> {
      for (;;) {
        const before = flushes;
        const stored = await read();
        if (flushes !== before) continue;
        const out = [pick(current)];
        if (inflight && inflight.watermark > stored.watermark) out.push(pick(inflight.deltas));
        return [stored, out];
      }
    },

    /** Buckets held in memory, not yet stored (the batch in flight included). */
    buckets,

    spoolBytes: () => unreleasedBytes,
    /** Seconds since the oldest not-yet-stored event was accepted (0 when none). */
    oldestAgeSeconds: () => (unreleased.length === 0 ? 0 : (Date.now() - unreleased[0]![2]) / 1000),
    get replicaId() {
      return spool.id;
    },
  };
}

export type Aggregator = ReturnType<typeof createAggregator>;
