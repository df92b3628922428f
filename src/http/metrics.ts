import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';
import type { AdsService } from '../service/ads-service.js';

/** Prometheus metrics of one app, in their own registry (never prom-client's global one). */
export interface Metrics {
  readonly registry: Registry;
  /** Counts one answered request; `route` is the matched route pattern, never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  readonly defaultMetrics?: boolean;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

type Service = Pick<AdsService, 'stats' | 'now'>;

/** One `stats()` (which counts active ads, O(ads)) per scrape, not one per gauge. */
function statsPerScrape(service: Service): () => ReturnType<Service['stats']> {
  let at = -Infinity;
  let cached = service.stats();
  return () => {
    const now = performance.now();
    if (now - at > 20) {
      cached = service.stats();
      at = now;
    }
    return cached;
  };
}

function serviceGauges(registry: Registry, service: Service): void {
  const stats = statsPerScrape(service);
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  gauge(
    'adsm_applied_seq',
    'Sequence number of the last log entry applied by this replica.',
    () => stats().appliedSeq,
  );
  gauge(
    'adsm_known_head_seq',
    'Highest committed sequence number this replica knows of.',
    () => stats().knownHeadSeq,
  );
  gauge(
    'adsm_store_up',
    '1 while the store (Postgres or SQLite) answers, 0 from a failure to reach it until it answers again.',
    () => (stats().storeAvailable ? 1 : 0),
  );
  gauge('adsm_live_ads', 'Ads held in live state (not deleted, not expired).', () => stats().liveAds);
  gauge('adsm_active_ads', 'Ads active now.', () => stats().activeAds);
  gauge(
    'adsm_replication_lag_seconds',
    'Seconds since the last applied entry was committed (0 before any).',
    () => {
      const { lastAppliedAt } = stats();
      return lastAppliedAt === 0 ? 0 : Math.max(0, service.now() - lastAppliedAt) / 1000;
    },
  );
  gauge('adsm_replication_lag_entries', 'Committed entries not yet applied by this replica.', () => {
    const { appliedSeq, knownHeadSeq } = stats();
    return Math.max(0, knownHeadSeq - appliedSeq);
  });
}

export function createMetrics(service: Service, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  serviceGauges(registry, service);
  const requests = new RequestMetrics();
  requests.register(registry);

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.observe(KNOWN_METHODS.has(method) ? method : 'OTHER', route, status, seconds);
    },
  };
}
