/**
 * The common decision body checked by hand: the hot path's answer for a body the schema accepts,
 * at a fraction of the schema's cost. It accepts only what `DecisionRequestSchema` accepts and
 * builds the same request; anything it does not recognise as plainly valid (an error, or a shape
 * it does not handle) is left to the schema, so every refusal keeps the schema's own words.
 * A property test compares the two on generated bodies.
 */
import { GENDERS, PLATFORMS, type AdQuery, type Gender, type Platform } from '../../model/ad.js';
import type { DecisionRequest } from '../../delivery/decider.js';
import { toCountryCode } from '../ads/countries.js';
import { MAX_AD_ID_LENGTH, MAX_DECISION_COUNT, MAX_EXCLUDE, MAX_USER_KEY_LENGTH } from './schemas.js';

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const absent = (x: unknown): x is null | undefined => x === undefined || x === null;
const intIn = (x: unknown, min: number, max: number): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
/** Lengths in UTF-16 code units, as the schema counts them. */
const textOk = (x: unknown, max: number): x is string =>
  typeof x === 'string' && x.length >= 1 && x.length <= max;

const NO_EXCLUDE: ReadonlySet<string> = new Set();

/** The request of a plainly valid body; `undefined` when the schema must judge it. */
export function plainDecisionRequest(raw: unknown): DecisionRequest | undefined {
  if (!isObject(raw)) return undefined;
  let user: unknown;
  let viewer: unknown;
  let count: unknown;
  let exclude: unknown;
  for (const name in raw) {
    if (name === 'user') user = raw.user;
    else if (name === 'viewer') viewer = raw.viewer;
    else if (name === 'count') count = raw.count;
    else if (name === 'exclude') exclude = raw.exclude;
    else return undefined;
  }

  let userKey: string | undefined;
  if (!absent(user)) {
    if (!isObject(user)) return undefined;
    for (const name in user) if (name !== 'key') return undefined;
    const key = user.key;
    if (!absent(key)) {
      if (!textOk(key, MAX_USER_KEY_LENGTH)) return undefined;
      userKey = key;
    }
  }

  const query: { -readonly [K in keyof AdQuery]: AdQuery[K] } = {};
  if (!absent(viewer)) {
    if (!isObject(viewer)) return undefined;
    for (const name in viewer) {
      const value = viewer[name];
      if (absent(value)) {
        if (name !== 'age' && name !== 'gender' && name !== 'country' && name !== 'platform')
          return undefined;
      } else if (name === 'age') {
        if (!intIn(value, 1, 100)) return undefined;
        query.age = value;
      } else if (name === 'gender') {
        if (!GENDERS.includes(value as Gender)) return undefined;
        query.gender = value as Gender;
      } else if (name === 'country') {
        const code = typeof value === 'string' ? toCountryCode(value) : undefined;
        if (code === undefined) return undefined;
        query.country = code;
      } else if (name === 'platform') {
        if (!PLATFORMS.includes(value as Platform)) return undefined;
        query.platform = value as Platform;
      } else return undefined;
    }
  }

  if (!absent(count) && !intIn(count, 1, MAX_DECISION_COUNT)) return undefined;

  let excluded = NO_EXCLUDE;
  if (!absent(exclude)) {
    if (!Array.isArray(exclude) || exclude.length > MAX_EXCLUDE) return undefined;
    for (const id of exclude as unknown[]) if (!textOk(id, MAX_AD_ID_LENGTH)) return undefined;
    excluded = new Set(exclude as string[]);
  }

  return { userKey, viewer: query, count: absent(count) ? 1 : count, exclude: excluded };
}
