/**
 * Serialises writers so that commits reach the log in `seq` order most of the time. Never needed
 * for correctness: the store decides `seq` inside its transaction, and consumers reorder.
 */
export interface WriteLock {
  /**
   * Runs `fn` while holding the lock. If the lock cannot be had within the adapter's wait time,
   * runs `fn` anyway (order is best-effort; availability wins). The lock is released afterwards
   * even if `fn` throws.
   */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Shutting down: from now on no writer waits for the lock (those waiting and later ones run
   * at once, without it), so a shutdown never waits out another holder's lease. Idempotent.
   */
  close(): Promise<void>;
}
