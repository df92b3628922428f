import type { Entry } from '../statemachine/entries.js';

/**
 * The replicated log transport. It is a fast path, not the source of truth: the store's log
 * table is. Delivery may duplicate, skip or (rarely) reorder entries; consumers apply `seq` only
 * after `seq - 1`, ignore duplicates and fill gaps from the store.
 */
export interface Log {
  /**
   * Publishes committed entries, in the order given, to every subscriber (all replicas), as one
   * transport operation (Redis: one pipeline of `XADD`s, one write to the socket). Resolves once
   * the transport accepted them; a rejection loses nothing, since the entries are already in the
   * store.
   */
  publish(entries: readonly Entry[]): Promise<void>;

  /**
   * Delivers entries published after this call (and possibly some published just before it) to
   * `onEntries`, in transport order, until the subscription is closed. Older entries are the
   * store's job: a consumer reads its log table up to the head first. `onReset` is called when
   * the transport lost history (for example an emptied Redis), so the consumer should re-read
   * the store.
   */
  subscribe(handlers: LogHandlers): Subscription;

  /** Stops the transport; borrowed clients stay open. */
  close(): Promise<void>;
}

export interface LogHandlers {
  onEntries(entries: readonly Entry[]): void;
  onReset?(): void;
}

export interface Subscription {
  close(): Promise<void>;
}
