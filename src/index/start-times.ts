import type { Ad } from '../model/ad.js';

/**
 * The start times of the ads an index holds, to answer "when does the next one start?" in
 * O(log n): a min-heap on `startAt` with lazy removal. A replaced or removed ad stays in the heap
 * until it reaches the top, where `isHeld` tells it apart; an ad whose start has passed is dropped
 * there too. Should time go back before a start already dropped, the heap is rebuilt from the ads
 * held, so the answer is right for any sequence of times.
 */
export class StartTimes {
  private heap: Ad[] = [];
  /** The latest time asked about: entries starting at or before it may have been dropped. */
  private asked = -Infinity;

  constructor(
    /** Whether `ad` is (still) the version the index holds under its id. */
    private readonly isHeld: (ad: Ad) => boolean,
    /** Every ad the index holds. */
    private readonly held: () => Iterable<Ad>,
    private readonly size: () => number,
  ) {}

  /** Called once `ad` is held. */
  add(ad: Ad): void {
    if (ad.startAt <= this.asked) return;
    if (this.heap.length >= 2 * this.size() + 64) return this.rebuild(this.asked);
    this.heap.push(ad);
    this.up(this.heap.length - 1);
  }

  /** The earliest `startAt` after `now` of the ads held; `Infinity` when none starts later. */
  nextAfter(now: number): number {
    // The first ask (or one back in time) keeps only what starts later: cheaper than popping
    // every past start of a freshly loaded index one by one.
    if (now < this.asked || this.asked === -Infinity) this.rebuild(now);
    this.asked = now;
    const { heap } = this;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (top.startAt > now && this.isHeld(top)) return top.startAt;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        this.down(0);
      }
    }
    return Infinity;
  }

  /** The ads held that start after `from`, as a fresh heap. */
  private rebuild(from: number): void {
    this.heap = [];
    for (const ad of this.held()) if (ad.startAt > from) this.heap.push(ad);
    for (let i = (this.heap.length >>> 1) - 1; i >= 0; i--) this.down(i);
    this.asked = from;
  }

  private up(i: number): void {
    const { heap } = this;
    const ad = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (heap[parent]!.startAt <= ad.startAt) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = ad;
  }

  private down(i: number): void {
    const { heap } = this;
    const n = heap.length;
    const ad = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.startAt < heap[child]!.startAt) child++;
      if (heap[child]!.startAt >= ad.startAt) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = ad;
  }
}
