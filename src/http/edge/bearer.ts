import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../../model/errors.js';

/**
 * The one check of `Authorization: Bearer <token>`, for every route that asks for a token (the
 * admin routes on hono, events and decisions on node:http). A request passes with exactly one
 * `Authorization` header naming the token: two headers are refused whatever they hold, as
 * hono's joined `a, b` would be. Both sides are hashed first, so the comparison takes the same
 * time whatever the guess and does not reveal the token's length.
 */

const BEARER = /^Bearer +(\S+) *$/i;
const AUTHORIZATION = 'authorization';
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The 401 of a failed check, telling the client which scheme to use. */
export const denied = () => unauthorized().withHeaders({ 'WWW-Authenticate': 'Bearer' });

/** The `Authorization` values of a request, from Node's raw header list. */
export function authorizationsOf(raw: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === AUTHORIZATION.length && name.toLowerCase() === AUTHORIZATION)
      values.push(raw[i + 1]!);
  }
  return values;
}

/** Whether the request's `Authorization` values (all of them) present `token`. */
export type BearerCheck = (authorizations: readonly string[]) => boolean;

export function createBearerCheck(token: string): BearerCheck {
  const expected = digest(token);
  return (authorizations) => {
    if (authorizations.length !== 1) return false;
    const m = BEARER.exec(authorizations[0]!);
    return m !== null && timingSafeEqual(digest(m[1]!), expected);
  };
}
