import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Aggregator } from './aggregator.js';
import type { RecordAnswer, TrackedEvent } from './tracker.js';

/**
 * Tracking's Prometheus series, registered in the app's registry: events accepted and rejected
 * (by type and code), flush durations and rows, and the time of the last successful flush. The
 * answer holds the hooks `createTracking` takes; `watchSpool` adds the spool's gauges.
 */
export function createTrackingMetrics(registry: Registry) {
  const accepted = new Counter({
    name: 'adsm_events_accepted_total',
    help: 'Events accepted (counted), by type.',
    labelNames: ['type'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'adsm_events_rejected_total',
    help: 'Events of 202 answers that were not counted, by type and code.',
    labelNames: ['type', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'adsm_flush_duration_seconds',
    help: 'Duration of successful flushes to the store.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const rows = new Counter({
    name: 'adsm_flush_rows_total',
    help: 'Minute and hour rows upserted by flushes.',
    registers: [registry],
  });
  const lastFlush = new Gauge({
    name: 'adsm_last_flush_timestamp_seconds',
    help: 'Unix time of the last successful flush (0 before any).',
    registers: [registry],
  });
  const acceptedBy = { impression: accepted.labels('impression'), click: accepted.labels('click') };
  acceptedBy.impression.inc(0);
  acceptedBy.click.inc(0);

  return {
    onRecorded(events: readonly TrackedEvent[], answer: RecordAnswer): void {
      let impressions = 0;
      let clicks = 0;
      for (const e of events) {
        if (e.type === 'impression') impressions++;
        else clicks++;
      }
      for (const r of answer.rejected) {
        const type = events[r.index]!.type;
        rejected.labels(type, r.code).inc();
        if (type === 'impression') impressions--;
        else clicks--;
      }
      if (impressions > 0) acceptedBy.impression.inc(impressions);
      if (clicks > 0) acceptedBy.click.inc(clicks);
    },
    onFlushed(info: { seconds: number; rows: number; at: number }): void {
      duration.observe(info.seconds);
      rows.inc(info.rows);
      lastFlush.set(info.at / 1000);
    },
  };
}

/** The spool's not-yet-stored bytes and the age of its oldest event, read at each scrape. */
export function watchSpool(
  registry: Registry,
  aggregator: Pick<Aggregator, 'spoolBytes' | 'oldestAgeSeconds'>,
): void {
  new Gauge({
    name: 'adsm_spool_bytes',
    help: 'Bytes of accepted events in the spool not yet stored.',
    registers: [registry],
    collect() {
      this.set(aggregator.spoolBytes());
    },
  });
  new Gauge({
    name: 'adsm_spool_oldest_event_age_seconds',
    help: 'Seconds since the oldest not-yet-stored event was accepted (0 when none).',
    registers: [registry],
    collect() {
      this.set(aggregator.oldestAgeSeconds());
    },
  });
}
