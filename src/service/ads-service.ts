import type { Ad, AdInput, AdQuery } from '../model/ad.js';
import type { IdempotencyStamp } from '../statemachine/entries.js';
import type { IfMatch } from '../statemachine/decide.js';
import type { ListOptions, ListPage } from './ad-listing.js';

/**
 * What the HTTP layer (and any other feature) asks of the ads: one replica answers reads from
 * its memory and takes writes through its write path. Writes resolve only after the write is
 * committed and this replica applied it (read-your-writes). Failures are `AppError`s.
 *
 * The verbs are the log's: `create`, `update`, `delete`, `complete` (and `expire`, which only
 * the expiry scheduler issues). Implemented by `src/replica/replica-service.ts`; add a question here rather
 * than reading a replica's state.
 */
export interface AdsService {
  /** Creates an ad; with `idempotency`, a retry of the same body answers the first ad again. */
  create(input: AdInput, idempotency?: IdempotencyStamp): Promise<{ ad: Ad; replayed: boolean }>;
  /** Replaces title/startAt/endAt/conditions; `version` +1. */
  update(id: string, input: AdInput, ifMatch?: IfMatch): Promise<Ad>;
  delete(id: string, ifMatch?: IfMatch): Promise<void>;
  /**
   * Appends `complete(id, version)` (a lifetime goal of that version was met): resolves once
   * applied here; changes nothing when the ad has another version, is completed already, or
   * has ended. Issued by delivery control, never by a client.
   */
  complete(id: string, version: number): Promise<void>;
  /** One ad, also expired ones; `undefined` when unknown or deleted. */
  get(id: string): Promise<Ad | undefined>;
  /** Whether an ad with this id exists: scheduled, active or expired (not deleted, not unknown). */
  exists(id: string): Promise<boolean>;
  /** One page of the public query at `at` (default: now). Synchronous: answered from memory. */
  query(query: AdQuery, offset: number, limit: number, at?: number): readonly Ad[];
  /**
   * Which answers `query` gives at `at`: two calls return the same number only if every `query`
   * answer is the same at both times, i.e. no write was applied and no ad started or ended
   * between them. What keeps answers (the public query's answer cache) drops them when it changes.
   */
  answersEpoch(at: number): number;
  /**
   * One page of the ads this replica holds, newest first (`createdAt` then `id`, descending),
   * filtered by status at the current time and by title. Answered from memory.
   */
  list(options: ListOptions): Promise<ListPage>;
  /** `seq` and save time of the newest snapshot in the store, if any. */
  latestSnapshotInfo(): Promise<{ readonly seq: number; readonly takenAt: number } | undefined>;
  /** Current time for status computation. */
  now(): number;
  /** True once recovered and caught up with the log. */
  isReady(): boolean;
  /** Figures for /metrics and the logs. */
  stats(): ServiceStats;
}

export interface ServiceStats {
  readonly appliedSeq: number;
  readonly liveAds: number;
  readonly activeAds: number;
  /** Commit time of the last applied entry (epoch ms, 0 if none). */
  readonly lastAppliedAt: number;
  /** Highest `seq` known to be committed (from the log or the store). */
  readonly knownHeadSeq: number;
  /** False while the store cannot be reached (writes answer 503 `store_unavailable`). */
  readonly storeAvailable: boolean;
  /** False while this replica could not check its clock against the store's for long. */
  readonly clockSynced: boolean;
}
