import { validationFailed, type ErrorDetail } from '../../model/errors.js';
import type { AdQuery, Gender, Platform } from '../../model/ad.js';
import { COUNTRY_CODES } from './countries.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './query-schema.js';

/**
 * The public query parsed in one pass over the URL, without zod: this route is the hot path.
 * It accepts and rejects exactly what `PublicQuerySchema` does (a unit test holds them together).
 */
export interface PublicQuery {
  readonly offset: number;
  readonly limit: number;
  readonly query: AdQuery;
}

const OFFSET = 1;
const LIMIT = 2;
const AGE = 4;
const GENDER = 8;
const COUNTRY = 16;
const PLATFORM = 32;

const bitOf = (key: string): number => {
  switch (key) {
    case 'offset':
      return OFFSET;
    case 'limit':
      return LIMIT;
    case 'age':
      return AGE;
    case 'gender':
      return GENDER;
    case 'country':
      return COUNTRY;
    case 'platform':
      return PLATFORM;
    default:
      return 0;
  }
};

/** Form-urlencoded decoding (`+` is a space); `undefined` when the percent-encoding is broken. */
function decode(raw: string): string | undefined {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw;
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** A non-negative integer written with decimal digits only, or -1. */
function digits(s: string): number {
  const n = s.length;
  if (n === 0) return -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  const v = Number(s);
  return v <= Number.MAX_SAFE_INTEGER ? v : -1;
}

const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Upper-case code of an assigned alpha-2 country in any ASCII letter case. */
function upperCountry(s: string): string | undefined {
  if (s.length !== 2 || !isAsciiLetter(s.charCodeAt(0)) || !isAsciiLetter(s.charCodeAt(1))) return undefined;
  const code = s.toUpperCase();
  return COUNTRY_CODES.has(code) ? code : undefined;
}

const DEFAULTS: PublicQuery = { offset: 0, limit: DEFAULT_LIMIT, query: {} };

/** Parses the public query of `url`; throws `validation_failed` listing every broken parameter. */
export function parsePublicQuery(url: string): PublicQuery {
  const q = url.indexOf('?');
  if (q === -1) return DEFAULTS;
  let end = url.indexOf('#', q);
  if (end === -1) end = url.length;

  let seen = 0;
  let offset = 0;
  let limit = DEFAULT_LIMIT;
  let age: number | undefined;
  let gender: Gender | undefined;
  let country: string | undefined;
  let platform: Platform | undefined;
  let details: ErrorDetail[] | undefined;
  const fail = (path: string, message: string) => (details ??= []).push({ path, message });

  let start = q + 1;
  while (start < end) {
    let amp = url.indexOf('&', start);
    if (amp === -1 || amp > end) amp = end;
    if (amp > start) {
      let eq = url.indexOf('=', start);
      if (eq === -1 || eq > amp) eq = amp;
      const key = decode(url.slice(start, eq));
      const bit = key === undefined ? 0 : bitOf(key);
      if (bit !== 0) {
        const name = key!;
        if (seen & bit) {
          fail(name, 'must be given once');
          start = amp + 1;
          continue;
        }
        seen |= bit;
        const value = eq < amp ? decode(url.slice(eq + 1, amp)) : '';
        switch (bit) {
          case OFFSET: {
            const v = value === undefined ? -1 : digits(value);
            if (v < 0) fail(name, 'must be an integer >= 0');
            else offset = v;
            break;
          }
          case LIMIT: {
            const v = value === undefined ? -1 : digits(value);
            if (v < 1 || v > MAX_LIMIT) fail(name, `must be an integer 1..${MAX_LIMIT}`);
            else limit = v;
            break;
          }
          case AGE: {
            const v = value === undefined ? -1 : digits(value);
            if (v < 1 || v > 100) fail(name, 'must be an integer 1..100');
            else age = v;
            break;
          }
          case GENDER:
            if (value === 'M' || value === 'F') gender = value;
            else fail(name, 'must be M or F');
            break;
          case COUNTRY: {
            const code = value === undefined ? undefined : upperCountry(value);
            if (code !== undefined) country = code;
            else fail(name, 'must be an assigned ISO 3166-1 alpha-2 code');
            break;
          }
          case PLATFORM:
            if (value === 'android' || value === 'ios' || value === 'web') platform = value;
            else fail(name, 'must be android, ios or web');
            break;
        }
      }
    }
    start = amp + 1;
  }

  if (details) throw validationFailed('invalid query parameters', details);
  if (seen === 0) return DEFAULTS;
  const query: { -readonly [K in keyof AdQuery]: AdQuery[K] } = {};
  if (age !== undefined) query.age = age;
  if (gender !== undefined) query.gender = gender;
  if (country !== undefined) query.country = country;
  if (platform !== undefined) query.platform = platform;
  return { offset, limit, query };
}
