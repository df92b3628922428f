import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../model/errors.js';
import { parsePublicQuery, type PublicQuery } from './query.js';
import { PublicQuerySchema } from './query-schema.js';
import { propertyRuns } from '../../../test/support/property-runs.js';

const BASE = 'http://localhost/api/v1/ad';

function fast(search: string): PublicQuery | AppError {
  try {
    return parsePublicQuery(new URL(`${BASE}?${search}`).href);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

/** The reference: URLSearchParams decoding, a repeated parameter as a list, then the zod schema. */
function reference(search: string): PublicQuery | undefined {
  const record: Record<string, string | string[]> = {};
  for (const [k, v] of new URL(`${BASE}?${search}`).searchParams) {
    const prev = record[k];
    record[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const r = PublicQuerySchema.safeParse(record);
  if (!r.success) return undefined;
  const { offset = 0, limit = 10, age, gender, country, platform } = r.data;
  const query = {
    ...(age !== undefined && { age }),
    ...(gender !== undefined && { gender }),
    ...(country !== undefined && { country: country.toUpperCase() }),
    ...(platform !== undefined && { platform }),
  };
  return { offset, limit, query };
}

describe('parsePublicQuery', () => {
  it('defaults to offset 0, limit 10, no filters', () => {
    expect(parsePublicQuery(BASE)).toEqual({ offset: 0, limit: 10, query: {} });
    expect(parsePublicQuery(`${BASE}?`)).toEqual({ offset: 0, limit: 10, query: {} });
  });

  it('parses every parameter and upper-cases the country', () => {
    expect(parsePublicQuery(`${BASE}?offset=3&limit=100&age=24&gender=F&country=tw&platform=ios`)).toEqual({
      offset: 3,
      limit: 100,
      query: { age: 24, gender: 'F', country: 'TW', platform: 'ios' },
    });
  });

  it('ignores unknown parameters, even repeated ones, and decodes percent-encoding', () => {
    expect(parsePublicQuery(`${BASE}?x=1&x=2&ag%65=3%30&utm=%zz`)).toEqual({
      offset: 0,
      limit: 10,
      query: { age: 30 },
    });
  });

  it.each([
    'limit=0',
    'limit=101',
    'offset=-1',
    'offset=1.0',
    'age=2.5',
    'age=abc',
    'age=1e2',
    'age=+1',
    'age=%201',
    'age=',
    'age',
    'age=0',
    'age=101',
    'gender=X',
    'gender=m',
    'country=ZZ',
    'country=XK',
    'country=TWN',
    'country=%C4%B1t',
    'platform=pc',
    'platform=IOS',
    'age=1&age=1',
    'gender=M&gender=F',
    'limit=5&limit=5',
    'offset=9007199254740992',
  ])('rejects %s with a 400 naming the parameter', (search) => {
    const r = fast(search);
    expect(r).toBeInstanceOf(AppError);
    const err = r as AppError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_failed');
    expect(err.details[0]?.path).toBe(search.split('=')[0]!.replace('%C4%B1t', ''));
  });

  it('lists every broken parameter', () => {
    const err = fast('limit=0&age=x&platform=pc') as AppError;
    expect(err.details.map((d) => d.path)).toEqual(['limit', 'age', 'platform']);
  });
});

describe('fast parser and PublicQuerySchema agree', () => {
  const keys = [
    'offset',
    'limit',
    'age',
    'gender',
    'country',
    'platform',
    'ag%65',
    'Age',
    'x',
    '',
    'country+',
  ];
  const values = [
    '',
    '0',
    '1',
    '007',
    '10',
    '100',
    '101',
    '-1',
    '+1',
    '1.0',
    '2.5',
    '1e2',
    'abc',
    ' 1',
    '1 ',
    '%31',
    '1%',
    '9007199254740991',
    '9007199254740992',
    'M',
    'F',
    'm',
    'MF',
    '%4D',
    'M+',
    'X',
    'tw',
    'TW',
    'tW',
    'ZZ',
    'XK',
    'xk',
    'ıt',
    'ſe',
    '%C4%B1t',
    'TWN',
    'android',
    'ios',
    'web',
    'Web',
    'IOS',
    'pc',
    '%',
    '%zz',
    '%C3',
    'a=b',
  ];
  const text = (maxLength: number) =>
    fc.oneof(
      fc.string({ maxLength }),
      fc.string({ maxLength, unit: 'binary' }),
      fc.string({ maxLength, unit: 'grapheme' }),
    );
  const pair = fc.tuple(
    fc.oneof(fc.constantFrom(...keys), text(4)),
    fc.option(fc.oneof(fc.constantFrom(...values), text(5)), { nil: undefined }),
  );
  const search = fc
    .array(pair, { maxLength: 5 })
    .map((pairs) => pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&'));

  it('accepts and rejects the same query strings, with the same values', () => {
    fc.assert(
      fc.property(search, (s) => {
        const a = fast(s);
        const b = reference(s);
        if (b === undefined) expect(a, s).toBeInstanceOf(AppError);
        else expect(a, s).toEqual(b);
      }),
      { numRuns: propertyRuns(20_000) },
    );
  });

  it.each(values.flatMap((v) => keys.slice(0, 6).map((k) => `${k}=${v}`)))('agrees on %s', (s) => {
    const b = reference(s);
    const a = fast(s);
    if (b === undefined) expect(a).toBeInstanceOf(AppError);
    else expect(a).toEqual(b);
  });
});

describe('the plain path (known parameters, plain values) and the reference agree', () => {
  const valid: Record<string, readonly string[]> = {
    offset: ['0', '9', '007', '123456789012345', '1234567890123456'],
    limit: ['1', '5', '100', '101', '0'],
    age: ['1', '64', '100', '0', '101'],
    gender: ['M', 'F', 'X', 'MM'],
    country: ['TW', 'tw', 'uS', 'ZZ', 'XK', 'T'],
    platform: ['android', 'ios', 'web', 'andro', 'webs'],
  };
  const pair = fc
    .constantFrom(...Object.keys(valid))
    .chain((k) => fc.constantFrom(...valid[k]!).map((v) => `${k}=${v}`));
  const search = fc
    .tuple(fc.array(pair, { minLength: 1, maxLength: 7 }), fc.constantFrom('', '&', '&&', '#x'))
    .map(([pairs, tail]) => pairs.join('&') + tail);

  it('on every order, repeat, bound and trailing separator', () => {
    fc.assert(
      fc.property(search, (s) => {
        const a = fast(s);
        const b = reference(s);
        if (b === undefined) expect(a, s).toBeInstanceOf(AppError);
        else expect(a, s).toEqual(b);
      }),
      { numRuns: propertyRuns(20_000) },
    );
  });
});
