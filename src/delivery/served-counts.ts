/**
 * Served decisions of this process, per ad and period (`life`, the UTC day), not yet added to
 * the budget store: `flush` adds them in one call (calls never overlap; a failed one keeps its
 * counts for the next) and hands the stored totals to `onTotals`. What a `kill -9` catches
 * here is missing from the stored counts (and the delivery report), never from the goals: those
 * serves were granted before they were made.
 */
import type { BudgetStore, ServedDelta } from './budget-store.js';

export interface ServedCountsDeps {
  readonly store: Pick<BudgetStore, 'addServed'>;
  /** The totals after a flush, in `deltas`' order. */
  readonly onTotals?: ((deltas: readonly ServedDelta[], totals: readonly number[]) => void) | undefined;
  readonly onError?: ((err: unknown) => void) | undefined;
  readonly storeCall?: (() => void) | undefined;
}

export function createServedCounts(deps: ServedCountsDeps) {
  /** adId → period → served not yet stored. */
  let pending = new Map<string, Map<string, number>>();
  let flushing: Promise<void> | undefined;

  const count = (adId: string, period: string, n: number): void => {
    let byPeriod = pending.get(adId);
    if (!byPeriod) pending.set(adId, (byPeriod = new Map<string, number>()));
    byPeriod.set(period, (byPeriod.get(period) ?? 0) + n);
  };

  async function flushOnce(): Promise<void> {
    if (pending.size === 0) return;
    const taken = pending;
    pending = new Map();
    const deltas: ServedDelta[] = [];
    for (const [adId, byPeriod] of taken) {
      for (const [period, n] of byPeriod) if (n !== 0) deltas.push({ adId, period, n });
    }
    if (deltas.length === 0) return;
    try {
      deps.storeCall?.();
      deps.onTotals?.(deltas, await deps.store.addServed(deltas));
    } catch (err) {
      for (const d of deltas) count(d.adId, d.period, d.n);
      deps.onError?.(err);
    }
  }

  return {
    count,
    unflushed: (adId: string, period: string): number => pending.get(adId)?.get(period) ?? 0,
    /** Adds the counts to the store; resolves once this flush (after any running one) is done. */
    flush: (): Promise<void> => {
      const run = (flushing ?? Promise.resolve()).then(flushOnce);
      flushing = run.finally(() => {
        if (flushing === run) flushing = undefined;
      });
      return run;
    },
  };
}
