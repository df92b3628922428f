/**
 * Delivery tracking of one replica: records events (spool, then deltas; or straight into the
 * store when the request carries an Idempotency-Key) and answers stats and history as the
 * store's sums plus this replica's not-yet-stored deltas.
 */
import { idempotencyKeyReused, notFound } from '../model/errors.js';
import {
  ctr,
  floorTo,
  HOUR,
  periodStarts,
  sumIntoPeriods,
  timeProblem,
  windowFloors,
  windowTotals,
  EVENT_TYPES,
  type BucketCounts,
  type EventType,
  type Period,
  type Rejection,
  type WindowTotals,
} from './buckets.js';
import { Deltas, type EventRecord } from './deltas.js';
import type { Aggregator } from './aggregator.js';
import type { TrackingStore } from './tracking-store.js';

/** A validated event: `at` is absent when the client left it to the server. */
export interface TrackedEvent {
  readonly type: EventType;
  readonly adId: string;
  readonly at?: number | undefined;
  readonly count: number;
}

export interface RecordAnswer {
  readonly accepted: number;
  readonly rejected: readonly { readonly index: number; readonly code: Rejection }[];
}

export interface TrackerDeps {
  readonly store: TrackingStore;
  readonly aggregator: Aggregator;
  readonly now: () => number;
  /** Whether an ad with this id exists now (scheduled, active or expired; not deleted). */
  readonly adExists: (id: string) => boolean | Promise<boolean>;
  readonly onRecorded?: (events: readonly TrackedEvent[], answer: RecordAnswer) => void;
}

export interface AdStats {
  readonly id: string;
  readonly asOf: number;
  readonly windows: WindowTotals;
  readonly last: { readonly impression: number | null; readonly click: number | null };
}

const typeIndex = (type: EventType) => (type === 'impression' ? 0 : 1);

export function createTracker(deps: TrackerDeps) {
  const { store, aggregator } = deps;

  async function classify(events: readonly TrackedEvent[], now: number) {
    const records: EventRecord[] = [];
    const rejected: { index: number; code: Rejection }[] = [];
    const known = new Map<string, boolean>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const at = e.at ?? now;
      let code: Rejection | undefined = timeProblem(at, now);
      if (code === undefined) {
        let exists = known.get(e.adId);
        if (exists === undefined) {
          exists = await deps.adExists(e.adId);
          known.set(e.adId, exists);
        }
        if (!exists) code = 'unknown_ad';
      }
      if (code === undefined) records.push([typeIndex(e.type), e.adId, at, e.count]);
      else rejected.push({ index: i, code });
    }
    return { records, answer: { accepted: records.length, rejected } satisfies RecordAnswer };
  }

  const mustExist = async (adId: string): Promise<void> => {
    if (!(await deps.adExists(adId))) throw notFound('ad');
  };

  const tracker = {
    /**
     * Counts the acceptable events. Resolves once they are durable: in this replica's spool, or
     * with `idempotency`, in the store together with the key. A replayed key answers the first
     * answer (`replayed`); a key stored with another fingerprint is a 422.
     */
    async record(
      events: readonly TrackedEvent[],
      idempotency?: { key: string; fingerprint: string },
    ): Promise<{ answer: RecordAnswer; replayed: boolean }> {
      const now = deps.now();
      const { records, answer } = await classify(events, now);
      if (idempotency) {
        const deltas = new Deltas();
        for (const r of records) deltas.add(r);
        const stored = await store.recordKeyed({
          ...idempotency,
          answer: JSON.stringify(answer),
          at: now,
          ...deltas.toRows(windowFloors(now).minuteFrom),
        });
        if (stored) {
          if (stored.fingerprint !== idempotency.fingerprint) throw idempotencyKeyReused();
          return { answer: JSON.parse(stored.answer) as RecordAnswer, replayed: true };
        }
      } else if (records.length > 0) {
        await aggregator.accept(records);
      }
      deps.onRecorded?.(events, answer);
      return { answer, replayed: false };
    },

    /** Windowed counts of one ad at the current time; 404 when the ad is unknown and has no counts. */
    async stats(adId: string): Promise<AdStats> {
      const asOf = deps.now();
      const { minuteFrom, hourFrom } = windowFloors(asOf);
      const [stored, unflushed] = await aggregator.withUnflushed(
        () => store.read(adId, aggregator.replicaId, minuteFrom, hourFrom),
        (d) => d.of(adId),
      );
      const minutes: BucketCounts[] = [...stored.minutes];
      const hours: BucketCounts[] = [...stored.hours];
      let [lastImpression, lastClick] = [stored.last.impression ?? -1, stored.last.click ?? -1];
      for (const mine of unflushed) {
        if (!mine) continue;
        minutes.push(...mine.minutes);
        hours.push(...mine.hours);
        lastImpression = Math.max(lastImpression, mine.last[0]);
        lastClick = Math.max(lastClick, mine.last[1]);
      }
      const last = {
        impression: lastImpression < 0 ? null : lastImpression,
        click: lastClick < 0 ? null : lastClick,
      };
      if (last.impression === null && last.click === null) await mustExist(adId);
      return { id: adId, asOf, windows: windowTotals(asOf, minutes, hours), last };
    },

    /** Sums per hour or UTC day starting in `[from, to)`, zeros included; 404 as for `stats`. */
    async history(adId: string, from: number, to: number, by: Period) {
      const starts = periodStarts(from, to, by);
      const end =
        starts.length === 0 ? from : starts[starts.length - 1]! + (by === 'hour' ? HOUR : 24 * HOUR);
      if (!(await deps.adExists(adId))) {
        const { last } = await tracker.stats(adId);
        if (last.impression === null && last.click === null) throw notFound('ad');
      }
      const [stored, unflushed] = await aggregator.withUnflushed(
        () => store.hours(adId, aggregator.replicaId, floorTo(from, HOUR), end),
        (d) => d.of(adId)?.hours ?? [],
      );
      const hours: BucketCounts[] = [...stored.hours];
      for (const mine of unflushed) hours.push(...mine);
      return { id: adId, by, items: sumIntoPeriods(starts, by, hours) };
    },
  };
  return tracker;
}

export { ctr, EVENT_TYPES };
export type Tracker = ReturnType<typeof createTracker>;
