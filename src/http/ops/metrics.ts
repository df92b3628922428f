import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';
import type { AdsService } from '../../service/ads-service.js';

/** Prometheus metrics of one app, in their own registry (never prom-client's global one). */
export interface Metrics {
  readonly registry: Registry;
  /** Counts one answered request; `route` is the matched route pattern, never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  readonly defaultMetrics?: boolean;
  /** What `/readyz` answers (true: 200); defaults to the service's own readiness. */
  readonly ready?: () => boolean;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

type Service = Pick<AdsService, 'stats' | 'now' | 'isReady'>;

function serviceGauges(registry: Registry, service: Service, ready: () => boolean): void {
  // One `stats()` (which counts active ads, O(ads)) per scrape, not one per gauge: a registry
  // collects its metrics in the order they were registered, so the first gauge below takes the
  // figures of this scrape and the others read them.
  let stats = service.stats();
  const gauge = (name: string, help: string, value: (s: typeof stats) => number, first = false) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (first) stats = service.stats();
        this.set(value(stats));
      },
    });
  gauge(
    'adsm_applied_seq',
    'Sequence number of the last log entry applied by this replica.',
    (s) => s.appliedSeq,
    true,
  );
  gauge(
    'adsm_known_head_seq',
    'Highest committed sequence number this replica knows of.',
    (s) => s.knownHeadSeq,
  );
  gauge(
    'adsm_store_up',
    '1 while the store (Postgres or SQLite) answers, 0 from a failure to reach it until it answers again.',
    (s) => (s.storeAvailable ? 1 : 0),
  );
  gauge('adsm_ready', '1 while /readyz answers 200 (recovered, caught up, not draining), else 0.', () =>
    ready() ? 1 : 0,
  );
  gauge('adsm_live_ads', 'Ads held in live state (not deleted, not expired).', (s) => s.liveAds);
  gauge('adsm_active_ads', 'Ads active now.', (s) => s.activeAds);
  gauge(
    'adsm_replication_lag_seconds',
    'Seconds since the last applied entry was committed (0 before any).',
    ({ lastAppliedAt }) => {
      return lastAppliedAt === 0 ? 0 : Math.max(0, service.now() - lastAppliedAt) / 1000;
    },
  );
  gauge(
    'adsm_replication_lag_entries',
    'Committed entries not yet applied by this replica.',
    ({ appliedSeq, knownHeadSeq }) => Math.max(0, knownHeadSeq - appliedSeq),
  );
}

export function createMetrics(service: Service, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  serviceGauges(registry, service, options.ready ?? (() => service.isReady()));
  const requests = new RequestMetrics();
  requests.register(registry);

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.observe(KNOWN_METHODS.has(method) ? method : 'OTHER', route, status, seconds);
    },
  };
}
