import { Counter, Histogram, type Registry } from 'prom-client';
import type { DeciderHooks } from './decider.js';

/**
 * Delivery control's Prometheus series, registered in the app's registry: decisions answered,
 * ads chosen per decision, capped ads left out (by why) and failed cap checks.
 */
export function createDeliveryMetrics(registry: Registry): DeciderHooks {
  const decisions = new Counter({
    name: 'adsm_decisions_total',
    help: 'Decisions answered.',
    registers: [registry],
  });
  const chosen = new Histogram({
    name: 'adsm_decision_ads_chosen',
    help: 'Ads chosen per decision.',
    buckets: [0, 1, 2, 3, 5, 10, 20],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'adsm_decision_cap_refusals_total',
    help:
      'Ads a decision would have chosen but for a frequency cap: full for the user (full), asked ' +
      'without a user key (no_user_key), or the caps could not be checked (unavailable).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const capsErrors = new Counter({
    name: 'adsm_decision_caps_errors_total',
    help: 'Cap checks that failed (store unreachable or too slow): capped ads were not chosen.',
    registers: [registry],
  });
  const budget = new Counter({
    name: 'adsm_decision_budget_refusals_total',
    help: 'Ads a decision left out because an impressions goal, daily goal or pacing allowed no more now, or this process held no reserved serve of it.',
    registers: [registry],
  });
  // Counted in plain numbers, read at scrape time: a labelled child's `inc` cost a decision more
  // than a microsecond.
  let hits = 0;
  let misses = 0;
  new Counter({
    name: 'adsm_decision_candidates_total',
    help: 'Decisions by whether the viewer’s candidates were kept from an earlier one (hit) or looked up (miss).',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      this.labels('hit').inc(hits);
      this.labels('miss').inc(misses);
    },
  });
  return {
    candidates(hit) {
      if (hit) hits++;
      else misses++;
    },
    decided(n) {
      decisions.inc();
      chosen.observe(n);
    },
    capRefused(reason, n) {
      refused.inc({ reason }, n);
    },
    capsFailed() {
      capsErrors.inc();
    },
    budgetRefused(n) {
      budget.inc(n);
    },
  };
}
