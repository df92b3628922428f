import type { Registry } from 'prom-client';

/** Histogram buckets of request latency, in seconds. */
export const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
  sum: number;
  /** Non-cumulative count per bucket; the last slot is +Inf. */
  readonly buckets: Float64Array;
}

/**
 * `http_requests_total` and `http_request_duration_seconds`, kept as plain numbers per
 * (method, route, status) and rendered at scrape time. prom-client's own observe validates and
 * hashes the labels on every call, a cost the hot path does not need to pay per request.
 */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();
  /** route → method → status → series: lookups of constant strings, no key built per request. */
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();

  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map<string, Map<number, Series>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, Series>()));
    let s = byStatus.get(status);
    if (!s) {
      s = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(BUCKETS.length + 1),
      };
      byStatus.set(status, s);
      this.series.set(`${method} ${route} ${status}`, s);
    }
    s.count++;
    s.sum += seconds;
    let b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]!) b++;
    s.buckets[b]!++;
  }

  /** Registers both metrics in `registry` (prom-client's custom-metric shape: name, help, type, get). */
  register(registry: Registry): void {
    const counter = {
      name: 'http_requests_total',
      help: 'HTTP requests answered.',
      type: 'counter',
      aggregator: 'sum',
      get: () =>
        Promise.resolve({
          name: counter.name,
          help: counter.help,
          type: counter.type,
          aggregator: counter.aggregator,
          values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.count })),
        }),
      reset: () => this.clear(),
    };
    const histogram = {
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      type: 'histogram',
      aggregator: 'sum',
      get: () => Promise.resolve({ ...histogram, values: this.histogramValues() }),
      reset: () => this.clear(),
    };
    registry.registerMetric(counter as never);
    registry.registerMetric(histogram as never);
  }

  private clear(): void {
    this.series.clear();
    this.byRoute.clear();
  }

  private histogramValues() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({
          labels: { ...s.labels, le },
          value: cumulative,
          metricName: 'http_request_duration_seconds_bucket',
        });
      });
      values.push({
        labels: { ...s.labels, le: '+Inf' },
        value: s.count,
        metricName: 'http_request_duration_seconds_bucket',
      });
      values.push({ labels: s.labels, value: s.sum, metricName: 'http_request_duration_seconds_sum' });
      values.push({ labels: s.labels, value: s.count, metricName: 'http_request_duration_seconds_count' });
    }
    return values;
  }
}
