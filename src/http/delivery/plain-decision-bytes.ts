/**
 * The common decision body read straight from its bytes, before any `JSON.parse`: parsing the
 * text into objects and then checking them cost more than the rest of a decision's own work.
 * It takes only bodies that are plainly valid JSON and plainly valid requests, in printable
 * ASCII (strings without escapes, integers without sign, fraction or exponent, each field once,
 * `null` for a field left out), and gives the request the schema would give; for anything else
 * it answers `undefined` and the body goes through `JSON.parse` and the schema, so every refusal
 * keeps the schema's words. A property test holds it to `JSON.parse` and the schema.
 */
import { GENDERS, PLATFORMS, type AdQuery, type Gender, type Platform } from '../../model/ad.js';
import type { DecisionRequest } from '../../delivery/decider.js';
import { toCountryCode } from '../ads/countries.js';
import { MAX_AD_ID_LENGTH, MAX_DECISION_COUNT, MAX_EXCLUDE, MAX_USER_KEY_LENGTH } from './schemas.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const ZERO = 0x30;
const NINE = 0x39;
/** The `n` of `null`. */
const NULL_START = 0x6e;

const NO_EXCLUDE: ReadonlySet<string> = new Set();

/** Thrown (and caught below) where the body is not plainly valid: the schema judges it. */
const NOT_PLAIN = new Error('not a plain decision body');

class Reader {
  at = 0;
  constructor(private readonly b: Buffer) {}

  /** Skips JSON whitespace; the next byte, or -1 at the end. */
  peek(): number {
    const { b } = this;
    while (this.at < b.length) {
      const c = b[this.at]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
      this.at++;
    }
    return -1;
  }

  expect(c: number): void {
    if (this.peek() !== c) throw NOT_PLAIN;
    this.at++;
  }

  /** `c` next (consumed), or not (left). */
  take(c: number): boolean {
    if (this.peek() !== c) return false;
    this.at++;
    return true;
  }

  /** `null` next (consumed): the field counts as left out, as the schema has it. */
  takeNull(): boolean {
    if (this.peek() !== NULL_START) return false;
    const { b, at } = this;
    if (b[at + 1] !== 0x75 || b[at + 2] !== 0x6c || b[at + 3] !== 0x6c) throw NOT_PLAIN;
    this.at += 4;
    return true;
  }

  /** A string of printable ASCII without escapes, 1..`max` characters. */
  text(max: number): string {
    this.expect(QUOTE);
    const { b } = this;
    const from = this.at;
    for (;;) {
      if (this.at >= b.length) throw NOT_PLAIN;
      const c = b[this.at]!;
      if (c === QUOTE) break;
      if (c < 0x20 || c > 0x7e || c === BACKSLASH) throw NOT_PLAIN;
      this.at++;
    }
    const length = this.at - from;
    this.at++;
    if (length < 1 || length > max) throw NOT_PLAIN;
    return b.toString('latin1', from, from + length);
  }

  /**
   * An integer min..max written as digits alone (at most 3, no leading zero); what follows must
   * then be `,` `}` or whitespace, so `1.5` and `1e2` are left to the schema.
   */
  int(min: number, max: number): number {
    const { b } = this;
    let c = this.peek();
    // No value in range starts with 0, and `01` is not JSON.
    if (c <= ZERO || c > NINE) throw NOT_PLAIN;
    let value = 0;
    let digits = 0;
    while (c >= ZERO && c <= NINE) {
      if (++digits > 3) throw NOT_PLAIN;
      value = 10 * value + c - ZERO;
      c = ++this.at < b.length ? b[this.at]! : -1;
    }
    if (value < min || value > max) throw NOT_PLAIN;
    return value;
  }

  /** The members of an object, each name handed to `member` with the reader at its value. */
  members(member: (name: string) => void): void {
    this.expect(OPEN);
    if (this.take(CLOSE)) return;
    do {
      const name = this.text(16);
      this.expect(COLON);
      member(name);
    } while (this.take(COMMA));
    this.expect(CLOSE);
  }
}

/** The request of a plainly valid body; `undefined` when `JSON.parse` and the schema must judge it. */
export function plainDecisionBytes(bytes: Buffer): DecisionRequest | undefined {
  try {
    return read(new Reader(bytes));
  } catch (err) {
    if (err === NOT_PLAIN) return undefined;
    throw err;
  }
}

function read(r: Reader): DecisionRequest {
  let seen = 0;
  /** Each field once: JSON lets a later one win, which the schema path handles. */
  const once = (bit: number) => {
    if (seen & bit) throw NOT_PLAIN;
    seen |= bit;
  };
  let userKey: string | undefined;
  const viewer: { -readonly [K in keyof AdQuery]: AdQuery[K] } = {};
  let count = 1;
  let exclude = NO_EXCLUDE;
  r.members((name) => {
    if (name === 'user') {
      once(1);
      if (r.takeNull()) return;
      r.members((field) => {
        if (field !== 'key') throw NOT_PLAIN;
        once(16);
        if (!r.takeNull()) userKey = r.text(MAX_USER_KEY_LENGTH);
      });
    } else if (name === 'viewer') {
      once(2);
      if (r.takeNull()) return;
      r.members((field) => {
        if (field === 'age') once(32);
        else if (field === 'gender') once(64);
        else if (field === 'country') once(128);
        else if (field === 'platform') once(256);
        else throw NOT_PLAIN;
        if (r.takeNull()) return;
        if (field === 'age') viewer.age = r.int(1, 100);
        else if (field === 'gender') {
          const gender = r.text(1);
          if (!GENDERS.includes(gender as Gender)) throw NOT_PLAIN;
          viewer.gender = gender as Gender;
        } else if (field === 'country') {
          const country = toCountryCode(r.text(2));
          if (country === undefined) throw NOT_PLAIN;
          viewer.country = country;
        } else {
          const platform = r.text(7);
          if (!PLATFORMS.includes(platform as Platform)) throw NOT_PLAIN;
          viewer.platform = platform as Platform;
        }
      });
    } else if (name === 'count') {
      once(4);
      if (!r.takeNull()) count = r.int(1, MAX_DECISION_COUNT);
    } else if (name === 'exclude') {
      once(8);
      if (r.takeNull()) return;
      r.expect(OPEN_LIST);
      const ids: string[] = [];
      if (!r.take(CLOSE_LIST)) {
        do {
          if (ids.length === MAX_EXCLUDE) throw NOT_PLAIN;
          ids.push(r.text(MAX_AD_ID_LENGTH));
        } while (r.take(COMMA));
        r.expect(CLOSE_LIST);
      }
      exclude = new Set(ids);
    } else throw NOT_PLAIN;
  });
  if (r.peek() !== -1) throw NOT_PLAIN;
  return { userKey, viewer, count, exclude };
}
