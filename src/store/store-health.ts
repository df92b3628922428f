import { AppError } from '../model/errors.js';
import { aroundStore, type Store } from './store.js';

export interface StoreHealth {
  /** False from a `store_unavailable` failure until the store is seen serving again. */
  readonly available: () => boolean;
}

export interface StoreHealthOptions {
  /**
   * A read that succeeds marks the store up only once no call failed for this long (default
   * 5 s); a committed write marks it up at once.
   */
  readonly settleMs?: number;
  /** Milliseconds that never jump (default `performance.now`). */
  readonly monotonic?: () => number;
}

/**
 * `store` watched for outages: the first call failing with `store_unavailable` marks it down;
 * a committed write, or a read while no call failed for `settleMs`, marks it up; each change is
 * reported once to `onChange` (so an outage is logged once, not once per request). The
 * replica's poller reads the store every `POLL_INTERVAL_MS`, so recovery is noticed without a
 * write. The settling keeps an outage that fails writes only (a lock or statement timeout,
 * while reads still work) from being reported down and up again at every poll.
 */
export function trackStoreHealth(
  store: Store,
  onChange: (available: boolean, err?: unknown) => void,
  options: StoreHealthOptions = {},
): Store & StoreHealth {
  const settleMs = options.settleMs ?? 5_000;
  const monotonic = options.monotonic ?? (() => performance.now());
  let available = true;
  let lastFailure = -Infinity;
  /** Runs one call of the store, noting what it says of the store's health. */
  async function watch<R>(isWrite: boolean, call: () => Promise<R>): Promise<R> {
    try {
      const result = await call();
      if (!available && (isWrite || monotonic() - lastFailure >= settleMs)) {
        available = true;
        onChange(true);
      }
      return result;
    } catch (err) {
      if (err instanceof AppError && err.code === 'store_unavailable') {
        lastFailure = monotonic();
        if (available) {
          available = false;
          onChange(false, err.cause ?? err);
        }
      }
      throw err;
    }
  }
  return { ...aroundStore(store, watch), available: () => available };
}
