/**
 * Not-yet-stored counts of one replica, by (ad, minute) and (ad, hour), with the greatest `at`
 * per type. Pure data: no I/O, no clock.
 *
 * Laid out for a catalogue-sized flush interval (100,000 ads with several hours each) without an
 * object per bucket: each ad has a slot, each (ad, bucket) a cell in parallel typed arrays
 * (start, two sums, the next cell of the same ad), every ad's minute and hour cells chained
 * newest first from the slot's heads. About 28 bytes a bucket and 40 an ad plus its id, in arrays
 * that grow by doubling and are kept (and shrunk when mostly idle) by `reset` for the next
 * interval. Rows for the store are made one at a time while the store reads them (`rows`).
 */
import { floorTo, HOUR, MINUTE, type BucketCounts, type TypeIndex } from './buckets.js';
import type { FireRecord } from './fires.js';

/**
 * One accepted event as the spool stores it: type, ad, `at` (epoch ms), count; a tracking URL's
 * fire also carries its URL's decision (signer, hour, n) and expiry, and counts only if it is
 * the URL's first fire (settled when flushed, see `fires.ts`).
 */
export type EventRecord =
  | readonly [type: TypeIndex, adId: string, at: number, count: number]
  | readonly [type: TypeIndex, adId: string, at: number, count: 1, fire: FireOf];

/** A fire's URL: decision signer, hour and number, and expiry (epoch ms). */
export type FireOf = readonly [signer: number, hour: number, n: number, expiresAt: number];

/** A row of a flush: the sums of one ad in one bucket. */
export interface CountRow {
  readonly adId: string;
  readonly start: number;
  readonly impressions: number;
  readonly clicks: number;
}

/** Greatest `at` per type of one ad (`null` when none in this batch). */
export interface LastRow {
  readonly adId: string;
  readonly impression: number | null;
  readonly click: number | null;
}

/** Rows in (ad id, start) order, made afresh by each iteration (a retried flush reads them again). */
export interface DeltaRows {
  readonly minutes: Iterable<CountRow>;
  readonly hours: Iterable<CountRow>;
  readonly last: Iterable<LastRow>;
}

const NONE = -1;
const MIN_SLOTS = 256;
const MIN_CELLS = 1024;

const grownInt32 = (a: Int32Array, size: number): Int32Array<ArrayBuffer> => {
  const b = new Int32Array(size);
  b.set(a);
  return b;
};
const grownFloat64 = (a: Float64Array, size: number): Float64Array<ArrayBuffer> => {
  const b = new Float64Array(size);
  b.set(a);
  return b;
};

const iterable = <T>(make: () => Generator<T>): Iterable<T> => ({ [Symbol.iterator]: make });

export class Deltas {
  private slots = new Map<string, number>();
  private ids: string[] = [];
  /** Per slot: first (newest) minute and hour cell, and the greatest `at` of each type (-1: none). */
  private minuteHead = new Int32Array(MIN_SLOTS);
  private hourHead = new Int32Array(MIN_SLOTS);
  private lastAt = new Float64Array(2 * MIN_SLOTS);
  /** Per cell: bucket start, impressions and clicks (at 2c and 2c + 1), the ad's next older cell. */
  private start = new Float64Array(MIN_CELLS);
  private sums = new Float64Array(2 * MIN_CELLS);
  private next = new Int32Array(MIN_CELLS);
  private used = 0;
  /** Slots in ad id order, made when rows are first asked for and dropped when an ad is added. */
  private order: Int32Array | undefined;
  /** Fires of tracking URLs, counted only once settled by the store. */
  readonly fires: FireRecord[] = [];
  /** Events added (sum of counts). */
  events = 0;

  get isEmpty(): boolean {
    return this.ids.length === 0 && this.fires.length === 0;
  }

  /** Buckets held (minute and hour cells, and fires): what the replica's bound counts. */
  get buckets(): number {
    return this.used + this.fires.length;
  }

  /**
   * Adds one event. Its minute bucket is kept only from `minutesFrom` on (older minutes are in
   * no window and the store keeps none); its hour bucket always.
   */
  add(record: EventRecord, minutesFrom = -Infinity): void {
    const [type, adId, at, count, fire] = record;
    if (fire) {
      this.fires.push({ type, adId, at, signer: fire[0], hour: fire[1], n: fire[2], expiresAt: fire[3] });
      return;
    }
    const slot = this.slotOf(adId);
    const minute = floorTo(at, MINUTE);
    if (minute >= minutesFrom) this.minuteHead[slot] = this.bump(this.minuteHead[slot]!, minute, type, count);
    this.hourHead[slot] = this.bump(this.hourHead[slot]!, floorTo(at, HOUR), type, count);
    if (at > this.lastAt[2 * slot + type]!) this.lastAt[2 * slot + type] = at;
    this.events += count;
  }

  /** This ad's minute and hour buckets (oldest first) and greatest `at` per type. */
  of(
    adId: string,
  ): { minutes: BucketCounts[]; hours: BucketCounts[]; last: readonly [number, number] } | undefined {
    const slot = this.slots.get(adId);
    if (slot === undefined) return undefined;
    const list = (head: number) => {
      const out: BucketCounts[] = [];
      for (let c = head; c !== NONE; c = this.next[c]!)
        out.push({ start: this.start[c]!, impressions: this.sums[2 * c]!, clicks: this.sums[2 * c + 1]! });
      return out.reverse();
    };
    return {
      minutes: list(this.minuteHead[slot]!),
      hours: list(this.hourHead[slot]!),
      last: [this.lastAt[2 * slot]!, this.lastAt[2 * slot + 1]!],
    };
  }

  /**
   * Rows for the store, each list in (ad id, start) order so that concurrent flushes lock rows in
   * one order, made one at a time as they are read. Minute buckets before `minutesFrom` are left
   * out: the store keeps none. The deltas must not change while the rows are read.
   */
  rows(minutesFrom: number): DeltaRows {
    return {
      minutes: iterable(() => this.cellRows(this.minuteHead, minutesFrom)),
      hours: iterable(() => this.cellRows(this.hourHead, -Infinity)),
      last: iterable(() => this.lastRows()),
    };
  }

  /** `rows` as arrays (a request's keyed batch, tests). */
  toRows(minutesFrom: number): { minutes: CountRow[]; hours: CountRow[]; last: LastRow[] } {
    const rows = this.rows(minutesFrom);
    return { minutes: [...rows.minutes], hours: [...rows.hours], last: [...rows.last] };
  }

  /** Empties the deltas for another interval, keeping their arrays (shrunk when mostly unused). */
  reset(): void {
    const ads = this.ids.length;
    const cells = this.used;
    this.slots = new Map();
    this.ids = [];
    this.order = undefined;
    this.used = 0;
    this.fires.length = 0;
    this.events = 0;
    if (this.minuteHead.length > Math.max(MIN_SLOTS, 4 * ads)) {
      const size = Math.max(MIN_SLOTS, 2 * ads);
      this.minuteHead = new Int32Array(size);
      this.hourHead = new Int32Array(size);
      this.lastAt = new Float64Array(2 * size);
    }
    if (this.start.length > Math.max(MIN_CELLS, 4 * cells)) {
      const size = Math.max(MIN_CELLS, 2 * cells);
      this.start = new Float64Array(size);
      this.sums = new Float64Array(2 * size);
      this.next = new Int32Array(size);
    }
  }

  private slotOf(adId: string): number {
    let slot = this.slots.get(adId);
    if (slot !== undefined) return slot;
    slot = this.ids.length;
    if (slot === this.minuteHead.length) {
      this.minuteHead = grownInt32(this.minuteHead, 2 * slot);
      this.hourHead = grownInt32(this.hourHead, 2 * slot);
      this.lastAt = grownFloat64(this.lastAt, 4 * slot);
    }
    this.slots.set(adId, slot);
    this.ids.push(adId);
    this.minuteHead[slot] = NONE;
    this.hourHead[slot] = NONE;
    this.lastAt[2 * slot] = -1;
    this.lastAt[2 * slot + 1] = -1;
    this.order = undefined;
    return slot;
  }

  /** Adds to the bucket `start` of the chain at `head` (newest first), making it if new; the new head. */
  private bump(head: number, start: number, type: TypeIndex, count: number): number {
    let prev = NONE;
    let c = head;
    while (c !== NONE && this.start[c]! > start) {
      prev = c;
      c = this.next[c]!;
    }
    if (c !== NONE && this.start[c] === start) {
      this.sums[2 * c + type] = this.sums[2 * c + type]! + count;
      return head;
    }
    const cell = this.newCell(start);
    this.sums[2 * cell + type] = count;
    this.next[cell] = c;
    if (prev === NONE) return cell;
    this.next[prev] = cell;
    return head;
  }

  private newCell(start: number): number {
    const cell = this.used++;
    if (cell === this.start.length) {
      this.start = grownFloat64(this.start, 2 * cell);
      this.sums = grownFloat64(this.sums, 4 * cell);
      this.next = grownInt32(this.next, 2 * cell);
    }
    this.start[cell] = start;
    this.sums[2 * cell] = 0;
    this.sums[2 * cell + 1] = 0;
    return cell;
  }

  private sortedSlots(): Int32Array {
    if (!this.order) {
      const ids = this.ids;
      const order = Int32Array.from(ids.keys());
      // A typed array sorts numbers; the comparator orders the slots by their ads' ids.
      order.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
      this.order = order;
    }
    return this.order;
  }

  private *cellRows(heads: Int32Array, from: number): Generator<CountRow> {
    const chain: number[] = [];
    for (const slot of this.sortedSlots()) {
      const adId = this.ids[slot]!;
      chain.length = 0;
      for (let c = heads[slot]!; c !== NONE && this.start[c]! >= from; c = this.next[c]!) chain.push(c);
      for (let i = chain.length - 1; i >= 0; i--) {
        const c = chain[i]!;
        yield { adId, start: this.start[c]!, impressions: this.sums[2 * c]!, clicks: this.sums[2 * c + 1]! };
      }
    }
  }

  private *lastRows(): Generator<LastRow> {
    for (const slot of this.sortedSlots()) {
      const [impression, click] = [this.lastAt[2 * slot]!, this.lastAt[2 * slot + 1]!];
      yield {
        adId: this.ids[slot]!,
        impression: impression < 0 ? null : impression,
        click: click < 0 ? null : click,
      };
    }
  }
}
