import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReservationHooks } from './reservations.js';

/**
 * Impressions budgets' Prometheus series: grants asked of the store (by result) and the serves
 * they got, serves given back, store calls by kind, and the serves this process holds reserved
 * and unspent (what a crash right now would leave unused).
 */
export function createReservationMetrics(registry: Registry, held: () => number): ReservationHooks {
  const grants = new Counter({
    name: 'adsm_reservation_grants_total',
    help: 'Blocks asked of the budget store, by result: granted (some serves), empty (none: goal, day or pacing line reached), failed (store unreachable).',
    labelNames: ['result'],
    registers: [registry],
  });
  const granted = new Counter({
    name: 'adsm_reservation_granted_serves_total',
    help: 'Serves granted to this process by the budget store.',
    registers: [registry],
  });
  const released = new Counter({
    name: 'adsm_reservation_released_serves_total',
    help: 'Unspent serves given back to the budget store (a goal changed, a UTC day ended, shutdown).',
    registers: [registry],
  });
  const calls = new Counter({
    name: 'adsm_budget_store_calls_total',
    help: 'Round trips to the budget store, by kind (grant, release, served, prune).',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'adsm_reservation_unspent_serves',
    help: 'Serves this process holds reserved and not yet served, all ads together (a kill -9 now would leave them unused).',
    registers: [registry],
    collect() {
      this.set(held());
    },
  });
  for (const r of ['granted', 'empty', 'failed']) grants.labels(r).inc(0);
  return {
    granted(_want, got) {
      grants.inc({ result: got > 0 ? 'granted' : 'empty' });
      granted.inc(got);
    },
    grantFailed() {
      grants.inc({ result: 'failed' });
    },
    released(n) {
      released.inc(n);
    },
    storeCall(kind) {
      calls.inc({ kind });
    },
  };
}
