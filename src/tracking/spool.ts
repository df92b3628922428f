import type { EventRecord } from './deltas.js';

/** A stored group of accepted events (one request's) at its spool position. */
export interface SpoolEntry {
  readonly seq: number;
  readonly records: readonly EventRecord[];
  /** Encoded size, as counted against SPOOL_MAX_MB. */
  readonly bytes: number;
}

/**
 * This replica's local, durable queue of accepted events not yet in the store: the point at
 * which an event is acknowledged. One process owns a spool; its `id` is the replica's identity
 * in the store's watermarks and never changes for the life of the file.
 */
export interface Spool {
  readonly id: string;

  /**
   * Appends each group of records in one transaction; resolves with their positions (ascending,
   * never reused, higher than every position ever returned) once they are on disk (synced): a
   * crash or power loss at any later moment loses none of them. Appends resolve in the order
   * they were made. Rejects, storing nothing, when the transaction fails.
   */
  append(groups: readonly (readonly EventRecord[])[]): Promise<SpoolEntry[]>;

  /** Stored entries after position `after`, in order. */
  entriesAfter(after: number): SpoolEntry[];

  /** Forgets entries up to and including `seq` (they are in the store). */
  release(seq: number): void;

  close(): void;
}
