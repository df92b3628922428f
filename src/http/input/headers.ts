import type { IncomingMessage } from 'node:http';
import type { ErrorDetail } from '../../model/errors.js';
import type { IfMatch } from '../../statemachine/decide.js';

const IF_MATCH = /^(?:W\/"(\d{1,15})"|"(\d{1,15})"|(\d{1,15}))$/;

/**
 * Parses an `If-Match` value: `"3"`, `3`, `W/"3"` or `*`. A list of tags is not accepted: an ad
 * has one version. Returns `undefined` when the value is not one of these.
 */
export function parseIfMatch(header: string): IfMatch | undefined {
  const value = header.trim();
  if (value === '*') return '*';
  const m = IF_MATCH.exec(value);
  return m ? Number(m[1] ?? m[2] ?? m[3]) : undefined;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Checks an `Idempotency-Key`: 1..200 characters. Returns the problem, or `undefined`. */
export function idempotencyKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    return `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  return undefined;
}

/** The headers of a write, parsed once: the condition to act on and what was wrong with them. */
export interface WriteHeaders {
  /** The `If-Match` condition; `undefined` when the header is absent (or invalid: see `details`). */
  readonly ifMatch: IfMatch | undefined;
  /** Problems as validation details, empty when the headers are fine. */
  readonly details: ErrorDetail[];
}

/** Parses the `If-Match` and `Idempotency-Key` headers of a write (either may be absent). */
export function parseWriteHeaders(ifMatchHeader: string | undefined, idempotencyKey?: string): WriteHeaders {
  const details: ErrorDetail[] = [];
  const ifMatch = ifMatchHeader === undefined ? undefined : parseIfMatch(ifMatchHeader);
  if (ifMatchHeader !== undefined && ifMatch === undefined) {
    details.push({ path: 'If-Match', message: 'must be "<version>", <version>, W/"<version>" or *' });
  }
  if (idempotencyKey !== undefined) {
    const problem = idempotencyKeyProblem(idempotencyKey);
    if (problem) details.push({ path: 'Idempotency-Key', message: problem });
  }
  return { ifMatch, details };
}

/** The `Idempotency-Key` of a request on bare node:http (the first, should Node keep a list). */
export function idempotencyKeyOf(req: IncomingMessage): string | undefined {
  const key = req.headers['idempotency-key'];
  return Array.isArray(key) ? key[0] : key;
}
