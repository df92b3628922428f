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
  /** Group `g` is `items[starts[g]] … items[starts[g + 1] - 1]`; one more entry than groups. */
  readonly starts: Int32Array;
}

export function groupCandidates<T>(list: readonly T[], weigh: (item: T) => Weighted): Candidates<T> {
  const n = list.length;
  const priorities = new Int32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    priorities[i] = weigh(list[i]!).priority;
    if (i > 0 && priorities[i]! < priorities[i - 1]!) sorted = false;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  if (!sorted) order.sort((a, b) => priorities[a]! - priorities[b]! || a - b);
  const items = order.map((i) => list[i]!);
  const weights = new Float64Array(n);
  const starts: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    weights[k] = weigh(list[i]!).weight;
    if (k === 0 || priorities[i] !== priorities[order[k - 1]!]) starts.push(k);
  }
  starts.push(n);
  return { items, weights, starts: Int32Array.from(starts) };
}

export function drawFrom<T>(c: Candidates<T>, random: Random): Draw<T> {
  let group = 0;
  let heap: WeightedHeap | undefined;
  return () => {
    for (;;) {
      const i = heap?.pop();
      if (i !== undefined) return c.items[i];
      if (group >= c.starts.length - 1) return undefined;
      heap = new WeightedHeap(c.weights, c.starts[group]!, c.starts[group + 1]!, random);
      group++;
    }
  };
}

/** `drawFrom(groupCandidates(items, weigh), random)`. */
export function drawOrder<T>(items: readonly T[], weigh: (item: T) => Weighted, random: Random): Draw<T> {
  return drawFrom(groupCandidates(items, weigh), random);
}

/** A min-heap of the positions `from … to - 1` by their draw keys. */
class WeightedHeap {
  private readonly keys: Float64Array;
  private readonly order: Int32Array;
  private size: number;

  constructor(weights: Float64Array, from: number, to: number, random: Random) {
    const n = to - from;
    this.keys = new Float64Array(n);
    this.order = new Int32Array(n);
    this.size = n;
    for (let i = 0; i < n; i++) {
      // 1 - random() lies in (0, 1], so the logarithm is finite.
      this.keys[i] = -Math.log(1 - random()) / weights[from + i]!;
      this.order[i] = from + i;
    }
    this.from = from;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
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
