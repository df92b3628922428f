/**
 * Delivery tracking of one replica, assembled from its ports: the spool, the tracking store,
 * and a way to ask whether an ad exists. `start` replays the spool and starts the flush timer;
 * `stop` flushes once more (best effort: the spool keeps what the store did not get) and closes
 * the spool.
 */
import type { Logger } from 'pino';
import { createAggregator, type AggregatorDeps } from './aggregator.js';
import type { Spool } from './spool.js';
import { createTracker, type RecordAnswer, type TrackedEvent } from './tracker.js';
import type { TrackingStore } from './tracking-store.js';

export interface TrackingDeps {
  readonly store: TrackingStore;
  readonly spool: Spool;
  readonly now: () => number;
  readonly adExists: (id: string) => boolean | Promise<boolean>;
  /** How often deltas are flushed to the store (at most 10,000 ms). */
  readonly flushIntervalMs: number;
  readonly retentionDays: number;
  /** Above this many not-yet-stored bytes, requests are refused with 503 `spool_full`. */
  readonly spoolMaxBytes: number;
  /**
   * At most this many not-yet-stored buckets ((ad, minute) and (ad, hour) sums, fires) in memory:
   * past a quarter of it the deltas are flushed at once, without waiting for the timer; past it,
   * requests are refused with 503 `spool_full` until a flush has stored them.
   */
  readonly maxBuckets: number;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  readonly onRecorded?: (events: readonly TrackedEvent[], answer: RecordAnswer) => void;
  readonly onFlushed?: (info: { seconds: number; rows: number; at: number }) => void;
  readonly onFiresSettled?: AggregatorDeps['onFiresSettled'];
}

/**
 * Fires of tracking URLs held before a flush starts without waiting for the timer. Settling a
 * fire (is it its URL's first?) is part of the store's flush, which in embedded mode holds the
 * event loop: at 20,000 fires/s a 1 s batch held it ~30 ms (every answer waiting behind it), a
 * batch of this size a few ms.
 */
export const FIRES_PER_FLUSH = 4_096;

export function createTracking(deps: TrackingDeps) {
  const early = Math.max(1, Math.floor(deps.maxBuckets / 4));
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  const aggregator = createAggregator({
    store: deps.store,
    spool: deps.spool,
    now: deps.now,
    retentionDays: deps.retentionDays,
    onFlushed: deps.onFlushed,
    onFiresSettled: deps.onFiresSettled,
    // A backlog arriving faster than the timer's flushes, or a stream of fires, is stored in
    // smaller batches instead of held; not while the store fails (the timer retries it).
    onTaken: (buckets, fires) => {
      if ((buckets >= early || fires >= FIRES_PER_FLUSH) && !failing) void flush();
    },
  });
  const tracker = createTracker({
    store: deps.store,
    aggregator,
    now: deps.now,
    adExists: deps.adExists,
    onRecorded: deps.onRecorded,
  });

  async function flush(): Promise<void> {
    try {
      await aggregator.flush();
      if (failing) deps.logger.info('tracking flush recovered');
      failing = false;
    } catch (err) {
      // Logged once per outage; the batch is retried as it was on the next tick.
      if (!failing) deps.logger.warn({ err }, 'tracking flush failed; events stay in the spool');
      failing = true;
    }
  }

  return {
    tracker,
    aggregator,
    spoolFull: () => aggregator.spoolBytes() > deps.spoolMaxBytes || aggregator.buckets() >= deps.maxBuckets,
    /** Seconds a refused client should wait: about one flush. */
    retryAfterSeconds: Math.max(1, Math.ceil(deps.flushIntervalMs / 1000)),
    flush,
    async start(): Promise<void> {
      await aggregator.start();
      timer = setInterval(() => void flush(), deps.flushIntervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await flush();
      deps.spool.close();
    },
  };
}

export type Tracking = ReturnType<typeof createTracking>;
