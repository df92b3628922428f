import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonBytes } from '../input/body.js';
import { plainDecisionBytes } from './plain-decision-bytes.js';
import { toDecisionRequest } from './schemas.js';

/** The byte reader on `raw` as a client would send it. */
const plainDecisionRequest = (raw: unknown) => plainDecisionBytes(Buffer.from(JSON.stringify(raw) ?? 'null'));

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

// Bodies as `JSON.stringify` writes them are one of the spellings the property test below reads.
describe('plain decision bodies, as JSON.stringify writes them', () => {
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

/** Ways a body's text may differ from `JSON.stringify`'s while meaning the same, or not. */
const spelling = fc.oneof(
  fc.constant((t: string) => t),
  fc.constant((t: string) => t.replaceAll(',', ' ,\n\t').replaceAll(':', ' : ').replaceAll('{', '{\r\n ')),
  fc.constant((t: string) => `\uFEFF${t}`),
  fc.constant((t: string) => `${t} `),
  fc.constant((t: string) => `${t}x`),
  fc.constant((t: string) => `${t}}`),
  fc.constant((t: string) => t.slice(0, -1)),
  fc.constant((t: string) => t.replace(/:(\d+)/, ':$1.0')),
  fc.constant((t: string) => t.replace(/:(\d+)/, ':$1e0')),
  fc.constant((t: string) => t.replace(/:(\d+)/, ':0$1')),
  fc.constant((t: string) => t.replace(/:(\d+)/, ':-$1')),
  fc.constant((t: string) => t.replace(/"(\w+)":/, '"\\u0061$1":')),
  fc.constant((t: string) => t.replace(/:"([^"]*)"/, ':"\\u0041$1"')),
  fc.constant((t: string) => t.replace(/^\{"(\w+)":([^,}]+)/, '{"$1":$2,"$1":$2')),
  fc.constant((t: string) => t.replace(/"count":\d+/, '"count":1,"count":2')),
);

/** Mostly `good`, now and then `edgy`. */
const mostly = <T>(good: fc.Arbitrary<T>, edgy: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: edgy, weight: 1 });

/** Bodies mostly valid, each field now and then at or past its edges, so that plain ones are common. */
const nearlyPlain = fc.record(
  {
    user: fc.oneof(
      fc.record({
        key: mostly(
          fc.constantFrom('u-1', 'x'.repeat(128), '~', 'u 2'),
          fc.oneof(
            fc.string({ minLength: 0, maxLength: 129 }),
            fc.constantFrom('é', 'x'.repeat(129), 'a"b', 'a\\b', '\u007f', '\u001f'),
          ),
        ),
      }),
      fc.constant({}),
    ),
    viewer: fc.record(
      {
        age: mostly(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0, 101, -1)),
        gender: mostly(fc.constantFrom('M', 'F'), fc.constantFrom('m', 'X')),
        country: mostly(fc.constantFrom('TW', 'tw', 'US', 'gB'), fc.constantFrom('ZZ', 'T', 'USA')),
        platform: mostly(fc.constantFrom('ios', 'web', 'android'), fc.constantFrom('IOS', 'tv')),
      },
      { requiredKeys: [] },
    ),
    count: mostly(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0, 21)),
    exclude: mostly(
      fc.array(fc.constantFrom('a', 'ad-2', 'x'.repeat(128)), { maxLength: 4 }),
      fc.oneof(
        fc.array(fc.constantFrom('a', 'é', '', 'x'.repeat(129)), { maxLength: 4 }),
        fc.array(fc.constant('a'), { minLength: 100, maxLength: 101 }),
      ),
    ),
  },
  { requiredKeys: [] },
);

describe('plain decision bodies read from their bytes', () => {
  it('give the request JSON.parse and the schema give, and only for bodies both accept', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(body, odd, nearlyPlain, nearlyPlain), spelling, (generated, spell) => {
        const text = spell(JSON.stringify(generated) ?? 'null');
        const bytes = Buffer.from(text, 'utf8');
        const plain = plainDecisionBytes(bytes);
        if (plain === undefined) return;
        taken++;
        const schema = bySchema(parseJsonBytes(bytes));
        expect(schema.error).toBeUndefined();
        expect(plain).toEqual(schema.request);
      }),
      { numRuns: 10_000, seed: 19 },
    );
    expect(taken).toBeGreaterThan(500);
  });

  it('take the common bodies, with any JSON whitespace', () => {
    for (const text of [
      '{}',
      '{"user":{"key":"u-1"},"viewer":{"age":24,"gender":"F","country":"tw","platform":"ios"},"count":3}',
      ' {\n "user" : { } ,\t"viewer":{},\r\n"exclude":["a","b","a"],"count":20 } \n',
      '{"exclude":[],"viewer":{"age":100,"country":"US"}}',
      '{"count":null}',
      '{"user":{"key":null},"viewer":{"gender":null,"platform":"web"},"exclude":null}',
    ]) {
      const plain = plainDecisionBytes(Buffer.from(text));
      expect(plain, text).toBeDefined();
      expect(plain).toEqual(toDecisionRequest(JSON.parse(text)));
    }
  });

  it('leave to the schema what is not plainly valid', () => {
    for (const text of [
      '',
      '[]',
      'null',
      '{"count":0}',
      '{"count":21}',
      '{"count":01}',
      '{"count":1.0}',
      '{"count":nul}',
      '{"count":nope}',
      '{"count":1,"count":2}',
      '{"user":{"key":""}}',
      `{"user":{"key":"${'x'.repeat(129)}"}}`,
      '{"user":{"key":"caf\u00e9"}}',
      '{"user":{"key":"café"}}',
      '{"viewer":{"age":101}}',
      '{"viewer":{"gender":"m"}}',
      '{"viewer":{"country":"ZZ"}}',
      '{"viewer":{"platform":"tv"}}',
      '{"viewer":{"extra":1}}',
      `{"exclude":[${Array.from({ length: 101 }, (_, i) => `"a${i}"`).join(',')}]}`,
      '{"other":1}',
      '{} {}',
      '{"count":2',
    ]) {
      expect(plainDecisionBytes(Buffer.from(text)), text).toBeUndefined();
    }
  });
});
