/**
 * The order in which a decision considers its candidates: the lowest priority number first;
 * within one priority, a weighted draw without replacement (each next ad drawn with chance
 * weight / sum of the weights still in the draw). Pure: the randomness comes in as a function.
 *
 * The whole order is one draw (Efraimidis–Spirakis: each ad gets the key `-ln(u) / weight` and
 * keys are taken smallest first), produced lazily, one priority at a time, so a decision pays
 * for the ads it looks at. Taking the first `count` ads of this order that pass a filter (caps,
 * budgets) gives the same distribution as drawing among the ads that pass: the induced order of
 * any subset of a Plackett–Luce draw is a Plackett–Luce draw over that subset, same weights.
 */

export interface Weighted {
  readonly priority: number;
  readonly weight: number;
}

/** Returns the next candidate of the order on each call, `undefined` once all were given. */
export type Draw<T> = () => T | undefined;

/** A uniform number in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * Candidates grouped by priority, ascending (stable within a group), with their weights: made
 * once per set of candidates and drawn from many times.
 */
export interface Candidates<T> {
  readonly items: readonly T[];
  readonly weights: Float64Array;
  /** Running sums of the weights within each group: `sums[k]` = weights of its group up to `k`. */
  readonly sums: Float64Array;
  /** Group `g` is `items[starts[g]] … items[starts[g + 1] - 1]`; one more entry than groups. */
  readonly starts: Int32Array;
}

/** Widest span of integer priorities sorted by counting (the contract's are 1..100). */
const COUNTING_SPAN = 1024;

/**
 * Scratch arrays of `groupCandidates`, grown as needed and reused: a decision's candidate set is
 * built on every cache miss, and allocating its working arrays each time cost as much as the
 * work done in them. Safe to share: the function runs to its end without yielding.
 */
let scratchPriorities = new Float64Array(64);
let scratchWeights = new Float64Array(64);
let scratchOrder = new Int32Array(64);
const scratchCounts = new Int32Array(COUNTING_SPAN + 1);

/**
 * Positions `0 … n - 1` ordered by priority, stable, into `scratchOrder`: by counting when the
 * priorities are integers within a small span, else by a comparison sort.
 */
function orderByPriority(priorities: Float64Array, n: number): Int32Array {
  const order = scratchOrder;
  let min = Infinity;
  let max = -Infinity;
  let sorted = true;
  let integers = true;
  for (let i = 0; i < n; i++) {
    const p = priorities[i]!;
    if (p < min) min = p;
    if (p > max) max = p;
    if (i > 0 && p < priorities[i - 1]!) sorted = false;
    if (!Number.isInteger(p)) integers = false;
  }
  if (sorted) {
    for (let i = 0; i < n; i++) order[i] = i;
  } else if (integers && max - min < COUNTING_SPAN) {
    const next = scratchCounts;
    next.fill(0, 0, max - min + 2);
    for (let i = 0; i < n; i++) next[priorities[i]! - min + 1]!++;
    for (let p = 1; p < max - min + 2; p++) next[p]! += next[p - 1]!;
    for (let i = 0; i < n; i++) order[next[priorities[i]! - min]!++] = i;
  } else {
    const all = Array.from({ length: n }, (_, i) => i);
    all.sort((a, b) => priorities[a]! - priorities[b]! || a - b);
    for (let i = 0; i < n; i++) order[i] = all[i]!;
  }
  return order;
}

export function groupCandidates<T>(list: readonly T[], weigh: (item: T) => Weighted): Candidates<T> {
  const n = list.length;
  if (scratchPriorities.length < n) {
    const size = Math.max(n, 2 * scratchPriorities.length);
    scratchPriorities = new Float64Array(size);
    scratchWeights = new Float64Array(size);
    scratchOrder = new Int32Array(size);
  }
  const priorities = scratchPriorities;
  const given = scratchWeights;
  for (let i = 0; i < n; i++) {
    const w = weigh(list[i]!);
    priorities[i] = w.priority;
    given[i] = w.weight;
  }
  const order = orderByPriority(priorities, n);
  const items = new Array<T>(n);
  // The weights and their running sums share one buffer.
  const kept = new Float64Array(2 * n);
  const weights = kept.subarray(0, n);
  const sums = kept.subarray(n);
  const starts: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    items[k] = list[i]!;
    weights[k] = given[i]!;
    const opens = k === 0 || priorities[i] !== priorities[order[k - 1]!];
    if (opens) starts.push(k);
    sums[k] = (opens ? 0 : sums[k - 1]!) + weights[k]!;
  }
  starts.push(n);
  return { items, weights, sums, starts: Int32Array.from(starts) };
}

export function drawFrom<T>(c: Candidates<T>, random: Random): Draw<T> {
  let group = 0;
  let current: GroupDraw | undefined;
  return () => {
    for (;;) {
      const i = current?.next();
      if (i !== undefined) return c.items[i];
      if (group >= c.starts.length - 1) return undefined;
      current = new GroupDraw(c, c.starts[group]!, c.starts[group + 1]!, random);
      group++;
    }
  };
}

/**
 * The draw within one priority group. While less than half of the group's weight is taken, a
 * draw picks a position by its weight (a binary search of the running sums) and draws again if
 * it was taken already: conditioned on not being taken, each position's chance is its weight
 * over the weight left, as a draw without replacement asks, at O(log n) per draw. Past half,
 * the rest is ordered by keys in a heap.
 */
class GroupDraw {
  private readonly taken: number[] = [];
  private takenWeight = 0;
  private heap: WeightedHeap | undefined;
  private readonly total: number;

  constructor(
    private readonly c: Candidates<unknown>,
    private readonly from: number,
    private readonly to: number,
    private readonly random: Random,
  ) {
    this.total = c.sums[to - 1]!;
  }

  next(): number | undefined {
    if (this.heap) return this.heap.pop();
    const { c, from, to, taken } = this;
    if (taken.length === to - from) return undefined;
    if (this.takenWeight * 2 > this.total) {
      this.heap = new WeightedHeap(c.weights, from, to, this.random, new Set(taken));
      return this.heap.pop();
    }
    for (;;) {
      const r = this.random() * this.total;
      let lo = from;
      let hi = to - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (c.sums[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      if (taken.includes(lo)) continue;
      taken.push(lo);
      this.takenWeight += c.weights[lo]!;
      return lo;
    }
  }
}

/** `drawFrom(groupCandidates(items, weigh), random)`. */
export function drawOrder<T>(items: readonly T[], weigh: (item: T) => Weighted, random: Random): Draw<T> {
  return drawFrom(groupCandidates(items, weigh), random);
}

/** A min-heap of the positions `from … to - 1` (but `skip`) by their draw keys. */
class WeightedHeap {
  private readonly keys: Float64Array;
  private readonly order: Int32Array;
  private size = 0;

  constructor(weights: Float64Array, from: number, to: number, random: Random, skip: ReadonlySet<number>) {
    const n = to - from;
    this.keys = new Float64Array(n);
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (skip.has(from + i)) continue;
      // 1 - random() lies in (0, 1], so the logarithm is finite.
      this.keys[i] = -Math.log(1 - random()) / weights[from + i]!;
      this.order[this.size++] = from + i;
    }
    this.from = from;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private readonly from: number;

  /** The next position, or `undefined` when the group is drawn out. */
  pop(): number | undefined {
    if (this.size === 0) return undefined;
    const top = this.order[0]!;
    this.size--;
    if (this.size > 0) {
      this.order[0] = this.order[this.size]!;
      this.down(0);
    }
    return top;
  }

  private key(position: number): number {
    return this.keys[position - this.from]!;
  }

  private down(i: number): void {
    const { order, size } = this;
    const at = order[i]!;
    const key = this.key(at);
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && this.key(order[right]!) < this.key(order[child]!)) child = right;
      if (this.key(order[child]!) >= key) break;
      order[i] = order[child]!;
      i = child;
    }
    order[i] = at;
  }
}

/** A small seeded generator (mulberry32) for reproducible draws in tests and benchmarks. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
