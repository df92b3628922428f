import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainDecisionRequest } from './plain-decision-request.js';
import { toDecisionRequest } from './schemas.js';

/** The schema's verdict: the request, or the error it throws. */
const bySchema = (raw: unknown) => {
  try {
    return { request: toDecisionRequest(raw) };
  } catch (err) {
    return { error: err };
  }
};

const text = (max: number) =>
  fc.oneof(
    fc.string({ minLength: 0, maxLength: max + 2 }),
    fc.constantFrom('', 'u-1', 'x'.repeat(max), 'x'.repeat(max + 1), '😀'.repeat(max / 2), 'é'.repeat(max)),
  );
const odd = fc.constantFrom<unknown>(null, true, 0, -0, 1.5, 1e2, '1', [], {}, 'M');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, odd);

const viewer = fc.record(
  {
    age: maybe(fc.integer({ min: -2, max: 102 })),
    gender: maybe(fc.constantFrom('M', 'F', 'm', 'X')),
    country: maybe(fc.constantFrom('TW', 'tw', 'Tw', 'XK', 'ZZ', 'USA', 'U1', ' TW')),
    platform: maybe(fc.constantFrom('android', 'ios', 'web', 'IOS', 'tv')),
    extra: fc.constant(1),
    __proto__: fc.constant({}),
  },
  { requiredKeys: [] },
);
const body = fc.record(
  {
    user: maybe(fc.record({ key: maybe(text(128)), id: fc.constant('x') }, { requiredKeys: [] })),
    viewer: maybe(viewer),
    count: maybe(fc.integer({ min: -1, max: 22 })),
    exclude: maybe(fc.array(maybe(text(128)), { maxLength: 102 })),
    other: fc.constant(true),
  },
  { requiredKeys: [] },
);

describe('plain decision bodies', () => {
  it('give the request the schema gives, and only bodies the schema accepts', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(body, odd), (generated) => {
        // Through JSON, as the route receives bodies (`__proto__` then is an own field).
        const raw: unknown = JSON.parse(JSON.stringify(generated) ?? 'null');
        const plain = plainDecisionRequest(raw);
        const schema = bySchema(raw);
        if (plain === undefined) return;
        taken++;
        expect(schema.error).toBeUndefined();
        expect(plain).toEqual(schema.request);
      }),
      { numRuns: 5_000, seed: 19 },
    );
    // The generator must reach plainly valid bodies, or the comparison proves nothing.
    expect(taken).toBeGreaterThan(100);
  });

  it('take the common bodies without the schema', () => {
    for (const raw of [
      {},
      { user: { key: 'u-1' }, viewer: { age: 24, gender: 'F', country: 'tw', platform: 'ios' }, count: 3 },
      { user: null, viewer: null, count: null, exclude: null },
      { viewer: { age: null }, exclude: ['a', 'b', 'a'] },
    ]) {
      const plain = plainDecisionRequest(raw);
      expect(plain).toBeDefined();
      expect(plain).toEqual(toDecisionRequest(raw));
    }
  });
});
