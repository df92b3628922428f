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

  /** Forgets every job of `id` (deleted ad). */
  cancel(id: string): Promise<void>;

  /** Begins firing due jobs into `onDue`. Errors thrown by `onDue` are retried later. */
  start(onDue: (id: string, version: number) => Promise<void>): void;

  close(): Promise<void>;
}
