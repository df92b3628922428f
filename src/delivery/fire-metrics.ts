import { Counter, type Registry } from 'prom-client';
import type { FireRecord } from '../tracking/fires.js';
import type { RefusedFire } from './fire.js';
import type { FireKind } from './tracking-urls.js';

/**
 * `adsm_tracking_fires_total{kind, outcome}`: fires of tracking URLs by what became of them.
 * `invalid` (404, kind `unknown`: an unsigned token says nothing) and `expired` (410) are
 * counted when answered; `counted` (a URL's first fire) and `duplicate` (any later one, on any
 * replica) when the flush that stores them settles them.
 */
export function createFireMetrics(registry: Registry) {
  const fires = new Counter({
    name: 'adsm_tracking_fires_total',
    help: 'Fires of tracking URLs by kind and outcome (counted, duplicate, expired, invalid).',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const kinds = ['impression', 'click'] as const;
  const settled = kinds.map((k) => ({
    counted: fires.labels(k, 'counted'),
    duplicate: fires.labels(k, 'duplicate'),
  }));
  // Every series is shown from the start, at 0: a replica that never saw a duplicate says so.
  for (const k of kinds)
    for (const o of ['counted', 'duplicate', 'expired'] as const) fires.inc({ kind: k, outcome: o }, 0);
  fires.inc({ kind: 'unknown', outcome: 'invalid' }, 0);
  return {
    onRefused: (kind: FireKind | 'unknown', outcome: RefusedFire): void => {
      fires.labels(kind, outcome).inc();
    },
    onFiresSettled: (records: readonly FireRecord[], fresh: readonly boolean[]): void => {
      records.forEach((f, i) => settled[f.type]![fresh[i] ? 'counted' : 'duplicate'].inc());
    },
  };
}
