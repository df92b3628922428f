/**
 * The store's side of impressions budgets (see `budget.ts`): per ad and period (`life`, or a
 * UTC day `d<n>`), how many serves were granted to replicas, and how many were served (decisions
 * made, as replicas report them). Shared by every replica: Postgres in replicated mode, SQLite
 * in embedded mode.
 */

/** One ad's counts in one period. */
export interface BudgetRow {
  readonly adId: string;
  /** `life` or `d<UTC day number>`. */
  readonly period: string;
  readonly granted: number;
  readonly served: number;
}

export interface ServedDelta {
  readonly adId: string;
  readonly period: string;
  readonly n: number;
}

export interface BudgetStore {
  /**
   * One atomic step, one round trip: takes `got = min(want, allowed[i] − granted[i] for every
   * i)` (never below 0) from each of the ad's `periods` at once, adding it to their `granted`
   * (rows start at 0). Concurrent grants of any replicas are serialised per row, so the sum of
   * all grants of a period never passes the `allowed` of the grant that reached it. Resolves
   * with `got` and each period's `granted` after it (same order as `periods`). A rejection
   * granted nothing, except a connection lost during commit, which may have granted `got`:
   * those serves are then lost to everyone (under-delivery, never over).
   */
  grant(
    adId: string,
    periods: readonly string[],
    allowed: readonly number[],
    want: number,
  ): Promise<{ readonly got: number; readonly granted: readonly number[] }>;

  /**
   * Gives back `n` serves that were granted to the caller and will never be served (a goal
   * changed, a day ended): `granted −= n` in each of `periods`, never below 0. The caller must
   * have dropped them before calling; a failed release only leaves them unused.
   */
  release(adId: string, periods: readonly string[], n: number): Promise<void>;

  /**
   * Adds served counts (one transaction, rows in a fixed order so concurrent calls never
   * deadlock). Resolves with each row's served total after the addition, in `deltas`' order.
   * `deltas` must not name the same (ad, period) twice.
   */
  addServed(deltas: readonly ServedDelta[]): Promise<readonly number[]>;

  /** The rows of `adId` for `periods` (absent rows read as zeros), in `periods`' order. */
  read(adId: string, periods: readonly string[]): Promise<readonly BudgetRow[]>;

  /**
   * Deletes the rows of UTC days before `day` (`d<n>` with `n < day`; lifetime rows stay).
   * Idempotent: any process may run it, at any time. Resolves with the rows deleted.
   */
  pruneDays(day: number): Promise<number>;

  /** Releases what the adapter owns (never a borrowed client). */
  close(): Promise<void>;
}

/**
 * `store` with every call of its methods made through `around`: the one list of the port's
 * methods for its wrappers (the Postgres error mapping). A method added to `BudgetStore` fails
 * to type-check here until it is listed.
 */
export function aroundBudgetStore(
  store: BudgetStore,
  around: <R>(call: () => Promise<R>) => Promise<R>,
): BudgetStore {
  return {
    grant: (adId, periods, allowed, want) => around(() => store.grant(adId, periods, allowed, want)),
    release: (adId, periods, n) => around(() => store.release(adId, periods, n)),
    addServed: (deltas) => around(() => store.addServed(deltas)),
    read: (adId, periods) => around(() => store.read(adId, periods)),
    pruneDays: (day) => around(() => store.pruneDays(day)),
    close: () => around(() => store.close()),
  };
}
