import { AppError } from '../model/errors.js';
import type { Store } from './store.js';

export interface StoreHealth {
  /** False from a `store_unavailable` failure until the next call that succeeds. */
  readonly available: () => boolean;
}

/**
 * `store` watched for outages: the first call failing with `store_unavailable` marks it down and
 * the first call succeeding afterwards marks it up, each reported once to `onChange` (so an
 * outage is logged once, not once per request). The replica's poller reads the store every
 * `POLL_INTERVAL_MS`, so recovery is noticed without a write.
 */
export function trackStoreHealth(
  store: Store,
  onChange: (available: boolean, err?: unknown) => void,
): Store & StoreHealth {
  let available = true;
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') continue;
    const method = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      try {
        const result = await method.apply(store, args);
        if (!available) {
          available = true;
          onChange(true);
        }
        return result;
      } catch (err) {
        if (available && err instanceof AppError && err.code === 'store_unavailable') {
          available = false;
          onChange(false, err.cause ?? err);
        }
        throw err;
      }
    };
  }
  return { ...(wrapped as unknown as Store), available: () => available };
}
