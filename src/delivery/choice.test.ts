import { describe, expect, it } from 'vitest';
import { drawOrder, groupCandidates, seededRandom, type Weighted } from './choice.js';

interface Item extends Weighted {
  readonly id: string;
}
const item = (id: string, priority: number, weight: number): Item => ({ id, priority, weight });
const all = <T>(draw: () => T | undefined): T[] => {
  const out: T[] = [];
  for (let x = draw(); x !== undefined; x = draw()) out.push(x);
  return out;
};
const self = (x: Item): Weighted => x;

/** Pearson's chi-square statistic of observed counts against expected proportions. */
function chiSquare(observed: readonly number[], proportions: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((sum, o, i) => {
    const e = n * proportions[i]!;
    return sum + ((o - e) * (o - e)) / e;
  }, 0);
}
/** Upper 0.1% points of the chi-square distribution by degrees of freedom. */
const CHI2_999 = [NaN, 10.83, 13.82, 16.27, 18.47, 20.52];

describe('draw order', () => {
  it('gives every item once: lower priority numbers first, whatever the weights', () => {
    const random = seededRandom(1);
    const items = [
      item('p50a', 50, 1000),
      item('p1', 1, 1),
      item('p50b', 50, 1),
      item('p100', 100, 1000),
      item('p2', 2, 5),
      item('p1b', 1, 3),
    ];
    for (let run = 0; run < 500; run++) {
      const order = all(drawOrder(items, self, random));
      expect(order).toHaveLength(items.length);
      expect(new Set(order.map((x) => x.id)).size).toBe(items.length);
      const priorities = order.map((x) => x.priority);
      expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
    }
  });

  it('an empty list gives nothing', () => {
    expect(drawOrder([], self, Math.random)()).toBeUndefined();
  });

  it('the first pick within a priority follows the weights (chi-square, p = 0.001)', () => {
    const random = seededRandom(20261210);
    const items = [item('a', 5, 1), item('b', 5, 2), item('c', 5, 7), item('d', 5, 40)];
    const total = 50;
    const counts = [0, 0, 0, 0];
    const runs = 40_000;
    for (let i = 0; i < runs; i++) counts[items.indexOf(drawOrder(items, self, random)()!)]!++;
    const stat = chiSquare(counts, [1 / total, 2 / total, 7 / total, 40 / total]);
    expect(stat).toBeLessThan(CHI2_999[3]!);
  });

  it('a weighted draw without replacement: the second pick has the successive-draw chances', () => {
    const random = seededRandom(7);
    const items = [item('a', 1, 1), item('b', 1, 3), item('c', 1, 6)];
    const w = [1, 3, 6];
    // P(second = j) = sum over i != j of p_i · w_j / (10 - w_i)
    const expected = w.map((wj, j) =>
      w.reduce((sum, wi, i) => (i === j ? sum : sum + (wi / 10) * (wj / (10 - wi))), 0),
    );
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) {
      const draw = drawOrder(items, self, random);
      draw();
      counts[items.indexOf(draw()!)]!++;
    }
    expect(chiSquare(counts, expected)).toBeLessThan(CHI2_999[2]!);
  });

  it('taking the first items that pass a filter is a weighted draw among those that pass', () => {
    const random = seededRandom(99);
    const items = [item('x', 3, 100), item('a', 3, 1), item('b', 3, 4), item('y', 3, 50)];
    const passes = (x: Item) => x.id === 'a' || x.id === 'b';
    const counts = [0, 0];
    for (let i = 0; i < 20_000; i++) {
      const draw = drawOrder(items, self, random);
      let x = draw();
      while (x && !passes(x)) x = draw();
      counts[x!.id === 'a' ? 0 : 1]!++;
    }
    expect(chiSquare(counts, [0.2, 0.8])).toBeLessThan(CHI2_999[1]!);
  });

  it('the test above can fail: a draw ignoring weights is far outside the bound', () => {
    const counts = [10_000, 10_000, 10_000, 10_000];
    expect(chiSquare(counts, [1 / 50, 2 / 50, 7 / 50, 40 / 50])).toBeGreaterThan(CHI2_999[3]! * 100);
  });
});

describe('candidates grouped by priority', () => {
  it('are ordered by priority and stable within one, integers or not, sorted or not', () => {
    const random = seededRandom(3);
    for (const span of [1, 3, 100, 5000, 0.5]) {
      for (let run = 0; run < 50; run++) {
        const items = Array.from({ length: 1 + Math.floor(random() * 200) }, (_, i) =>
          item(
            String(i),
            span === 0.5 ? Math.floor(random() * 6) / 2 : 1 + Math.floor(random() * span),
            1 + i,
          ),
        );
        const expected = [...items].sort((a, b) => a.priority - b.priority || Number(a.id) - Number(b.id));
        const c = groupCandidates(items, self);
        expect(c.items.map((x) => x.id)).toEqual(expected.map((x) => x.id));
        expect(Array.from(c.weights)).toEqual(expected.map((x) => x.weight));
        const starts = expected.flatMap((x, k) =>
          k === 0 || x.priority !== expected[k - 1]!.priority ? [k] : [],
        );
        expect(Array.from(c.starts)).toEqual([...starts, items.length]);
      }
    }
  });
});
