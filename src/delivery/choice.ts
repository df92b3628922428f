/**
 * The order in which a decision considers its candidates: the lowest priority number first;
 * within one priority, a weighted draw without replacement (each next ad drawn with chance
 * weight / sum of the weights still in the draw). Pure: the randomness comes in as a function.
 *
 * The whole order is one draw (Efraimidis–Spirakis: each ad gets the key `-ln(u) / weight` and
 * keys are taken smallest first), produced lazily so a decision pays for the ads it looks at.
 * Taking the first `count` ads of this order that pass a filter (caps, budgets) gives the same
 * distribution as drawing among the ads that pass: the induced order of any subset of a
 * Plackett–Luce draw is a Plackett–Luce draw over that subset with the same weights.
 */

export interface Weighted {
  readonly priority: number;
  readonly weight: number;
}

/** Returns the next candidate of the order on each call, `undefined` once all were given. */
export type Draw<T> = () => T | undefined;

/** A uniform number in [0, 1), like `Math.random`. */
export type Random = () => number;

export function drawOrder<T>(items: readonly T[], weigh: (item: T) => Weighted, random: Random): Draw<T> {
  const byPriority = new Map<number, T[]>();
  for (const item of items) {
    const p = weigh(item).priority;
    const group = byPriority.get(p);
    if (group) group.push(item);
    else byPriority.set(p, [item]);
  }
  const priorities = [...byPriority.keys()].sort((a, b) => a - b);
  let next = 0;
  let group: WeightedHeap<T> | undefined;
  return () => {
    for (;;) {
      const item = group?.pop();
      if (item !== undefined) return item;
      if (next >= priorities.length) return undefined;
      group = new WeightedHeap(byPriority.get(priorities[next++]!)!, weigh, random);
    }
  };
}

/** A min-heap of one priority's items by their draw key. */
class WeightedHeap<T> {
  private readonly keys: Float64Array;
  private readonly order: Int32Array;
  private size: number;

  constructor(
    private readonly items: readonly T[],
    weigh: (item: T) => Weighted,
    random: Random,
  ) {
    const n = items.length;
    this.keys = new Float64Array(n);
    this.order = new Int32Array(n);
    this.size = n;
    for (let i = 0; i < n; i++) {
      // 1 - random() lies in (0, 1], so the logarithm is finite.
      this.keys[i] = -Math.log(1 - random()) / weigh(items[i]!).weight;
      this.order[i] = i;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  pop(): T | undefined {
    if (this.size === 0) return undefined;
    const top = this.order[0]!;
    this.size--;
    if (this.size > 0) {
      this.order[0] = this.order[this.size]!;
      this.down(0);
    }
    return this.items[top];
  }

  private down(i: number): void {
    const { keys, order, size } = this;
    const at = order[i]!;
    const key = keys[at]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && keys[order[right]!]! < keys[order[child]!]!) child = right;
      if (keys[order[child]!]! >= key) break;
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
