/** One ad version's expiry: `onDue(id, version)` at or after `at`. */
export interface ExpiryJob {
  readonly id: string;
  readonly version: number;
  readonly at: number;
}

/** Fires one expiry; resolves with the milliseconds still to wait if it was early, else nothing. */
export type OnDue = (id: string, version: number) => Promise<number | undefined | void>;

/**
 * Fires an expiry request for each ad version at its `endAt`. Firing is at-least-once and may be
 * late; the expire command re-checks the ad, so a stale or duplicate firing does nothing.
 */
export interface Scheduler {
  /**
   * Ensures `onDue(id, version)` runs at or after `at`. Scheduling the same `(id, version)` again
   * is a no-op. Within one scheduler instance a newer version of the same id supersedes older
   * ones that have not started; across replicas (or after Redis lost its data) an older version
   * may still fire, which the expire command's version check turns into nothing.
   */
  schedule(id: string, version: number, at: number): Promise<void>;

  /**
   * `schedule` for many jobs at once (every live ad at start-up, or after Redis lost its data):
   * the same guarantees per job, at a fraction of the cost. A job that already exists (scheduled
   * earlier by this or another replica, or done and still remembered) is left as it is, so a
   * replica that restarts over existing jobs adds nothing. Superseded versions that other
   * replicas left behind are not looked for: they fire into the expire command's version check.
   */
  scheduleMany(jobs: Iterable<ExpiryJob>): Promise<void>;

  /** Forgets every job of `id` (deleted ad). */
  cancel(id: string): Promise<void>;

  /**
   * Begins firing due jobs into `onDue`. Errors thrown by `onDue` are retried later. When `onDue`
   * resolves with a number, the job was not due yet by the clock that decides (the store's: this
   * process's clock may run ahead): it fires again after that many milliseconds.
   */
  start(onDue: OnDue): void;

  close(): Promise<void>;
}
