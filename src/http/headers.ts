import type { ErrorDetail } from '../model/errors.js';
import type { IfMatch } from '../statemachine/decide.js';

const IF_MATCH = /^(?:W\/"(\d{1,15})"|"(\d{1,15})"|(\d{1,15}))$/;

/**
 * Parses `If-Match`: `"3"`, `3`, `W/"3"` or `*`. A list of tags is not accepted: an ad has one
 * version. Returns `undefined` for an absent header and `null` for one that cannot be parsed.
 */
export function parseIfMatch(header: string | undefined): IfMatch | undefined | null {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const m = IF_MATCH.exec(value);
  return m ? Number(m[1] ?? m[2] ?? m[3]) : null;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Checks an `Idempotency-Key`: 1..200 characters. Returns the problem, or `undefined`. */
export function idempotencyKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    return `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  return undefined;
}

/** Header checks of a write, as validation details (empty when the headers are fine). */
export function headerDetails(ifMatch: string | undefined, idempotencyKey?: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (parseIfMatch(ifMatch) === null) {
    details.push({ path: 'If-Match', message: 'must be "<version>", <version>, W/"<version>" or *' });
  }
  if (idempotencyKey !== undefined) {
    const problem = idempotencyKeyProblem(idempotencyKey);
    if (problem) details.push({ path: 'Idempotency-Key', message: problem });
  }
  return details;
}
