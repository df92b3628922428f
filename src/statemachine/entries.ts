import type { Ad } from '../model/ad.js';

/**
 * Log entries: the only way state changes. `seq` is the position in the one total order
 * (1, 2, 3, …, allocated by the store in the commit transaction); `at` is the commit time in
 * epoch ms, non-decreasing in `seq`. Entries are plain JSON values.
 */
interface EntryBase {
  readonly seq: number;
  readonly at: number;
}

export interface IdempotencyStamp {
  readonly key: string;
  /** Digest of the request body as a JSON value (key order and white space do not matter). */
  readonly fingerprint: string;
}

export interface CreateEntry extends EntryBase {
  readonly type: 'create';
  readonly ad: Ad;
  readonly idempotency?: IdempotencyStamp;
}

export interface UpdateEntry extends EntryBase {
  readonly type: 'update';
  readonly ad: Ad;
}

export interface DeleteEntry extends EntryBase {
  readonly type: 'delete';
  readonly id: string;
}

/** Drops `id` from the live state if it still has `version` (a newer version supersedes it). */
export interface ExpireEntry extends EntryBase {
  readonly type: 'expire';
  readonly id: string;
  readonly version: number;
}

/**
 * Marks `id` completed if it still has `version` and is not completed yet: its lifetime goal was
 * met. It leaves the public query and decisions, and stays readable (status `completed`) until
 * its `expire` entry. A newer version (a PUT) is not completed.
 */
export interface CompleteEntry extends EntryBase {
  readonly type: 'complete';
  readonly id: string;
  readonly version: number;
}

export type Entry = CreateEntry | UpdateEntry | DeleteEntry | ExpireEntry | CompleteEntry;

/** An entry before the store gave it a place in the order. */
export type EntryDraft = Entry extends infer E ? (E extends Entry ? Omit<E, 'seq'> : never) : never;
