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

/** Assigned country codes by their two upper-case letters' char codes (`first * 128 + second`). */
const COUNTRY_BY_CODES: readonly (string | undefined)[] = (() => {
  const table: (string | undefined)[] = new Array<string | undefined>(128 * 128).fill(undefined);
  for (const code of COUNTRY_CODES) table[code.charCodeAt(0) * 128 + code.charCodeAt(1)] = code;
  return table;
})();

/** An ASCII letter's upper-case char code, or -1 for anything else. */
const upperLetter = (c: number): number => (c >= 65 && c <= 90 ? c : c >= 97 && c <= 122 ? c - 32 : -1);

/**
 * The usual query (known parameters, each once, with valid plain values, nothing to decode)
 * parsed without slicing the URL; `undefined` for anything else, which the general parser
 * below then answers (errors, percent-encoding, unknown or repeated parameters, defaults).
 */
function parsePlain(url: string, q: number): PublicQuery | undefined {
  const end = url.length;
  let seen = 0;
  let offset = 0;
  let limit = DEFAULT_LIMIT;
  let age = -1;
  let gender: Gender | undefined;
  let country: string | undefined;
  let platform: Platform | undefined;
  let i = q + 1;
  while (i < end) {
    // The key: one of the six names, followed by '='.
    let bit: number;
    let from: number;
    switch (url.charCodeAt(i)) {
      case 111: // o
        bit = OFFSET;
        from = i + 7;
        if (!url.startsWith('offset=', i)) return undefined;
        break;
      case 108: // l
        bit = LIMIT;
        from = i + 6;
        if (!url.startsWith('limit=', i)) return undefined;
        break;
      case 97: // a
        bit = AGE;
        from = i + 4;
        if (!url.startsWith('age=', i)) return undefined;
        break;
      case 103: // g
        bit = GENDER;
        from = i + 7;
        if (!url.startsWith('gender=', i)) return undefined;
        break;
      case 99: // c
        bit = COUNTRY;
        from = i + 8;
        if (!url.startsWith('country=', i)) return undefined;
        break;
      case 112: // p
        bit = PLATFORM;
        from = i + 9;
        if (!url.startsWith('platform=', i)) return undefined;
        break;
      default:
        return undefined;
    }
    if (seen & bit) return undefined;
    seen |= bit;
    let to = url.indexOf('&', from);
    if (to === -1) to = end;
    const length = to - from;
    if (bit & (OFFSET | LIMIT | AGE)) {
      // 1 to 15 decimal digits: below 2^53, as the general parser's `digits` reads them.
      if (length < 1 || length > 15) return undefined;
      let v = 0;
      for (let k = from; k < to; k++) {
        const d = url.charCodeAt(k) - 48;
        if (d < 0 || d > 9) return undefined;
        v = v * 10 + d;
      }
      if (bit === OFFSET) offset = v;
      else if (bit === LIMIT) {
        if (v < 1 || v > MAX_LIMIT) return undefined;
        limit = v;
      } else {
        if (v < 1 || v > 100) return undefined;
        age = v;
      }
    } else if (bit === GENDER) {
      if (length !== 1) return undefined;
      const c = url.charCodeAt(from);
      if (c === 77) gender = 'M';
      else if (c === 70) gender = 'F';
      else return undefined;
    } else if (bit === COUNTRY) {
      if (length !== 2) return undefined;
      const a = upperLetter(url.charCodeAt(from));
      const b = upperLetter(url.charCodeAt(from + 1));
      country = a < 0 || b < 0 ? undefined : COUNTRY_BY_CODES[a * 128 + b];
      if (country === undefined) return undefined;
    } else {
      if (length === 3 && url.startsWith('ios', from)) platform = 'ios';
      else if (length === 3 && url.startsWith('web', from)) platform = 'web';
      else if (length === 7 && url.startsWith('android', from)) platform = 'android';
      else return undefined;
    }
    i = to + 1;
    // A trailing '&' or an empty segment: the general parser's business.
    if (i === end && to < end) return undefined;
  }
  if (seen === 0) return undefined;
  const query: { -readonly [K in keyof AdQuery]: AdQuery[K] } = {};
  if (age !== -1) query.age = age;
  if (gender !== undefined) query.gender = gender;
  if (country !== undefined) query.country = country;
  if (platform !== undefined) query.platform = platform;
  return { offset, limit, query };
}

/** Parses the public query of `url`; throws `validation_failed` listing every broken parameter. */
export function parsePublicQuery(url: string): PublicQuery {
  const q = url.indexOf('?');
  if (q === -1) return DEFAULTS;
  return parsePlain(url, q) ?? parseGeneral(url, q);
}

/** Any query: decoding, unknown and repeated parameters, and every error listed. */
function parseGeneral(url: string, q: number): PublicQuery {
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
