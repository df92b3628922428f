/**
 * Token guessing, slowed down the same way on every route that asks for a token (the admin
 * token on hono, `EVENTS_TOKEN` on the fast events and decisions routes): each failed
 * authentication is charged to the client's address, and an address past its budget gets
 * `429 rate_limited` with `Retry-After` on every such route, even with the right token, until
 * its window ends.
 *
 * A request with the right token costs no call to the limiter (the events route is a hot path
 * and the limiter is Redis in replicated mode): a process refuses the addresses it has learnt
 * are blocked, from their own failures here. The count itself is the limiter's (cluster-wide in
 * replicated mode), so a blocked address is refused by another replica from its first failure
 * there on.
 */
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { rateLimited } from '../../model/errors.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import { authorizationsOf, denied, type BearerCheck } from './bearer.js';
import type { ClientAddress } from './client-address.js';
import { incomingOf } from './node-request.js';

/** Failed authentications allowed per address and window before it is refused. */
export const AUTH_FAILURES = { points: 20, durationSeconds: 60 } as const;

const TOO_MANY = 'too many failed authentications from this address';
/** Blocked addresses remembered at most; expired ones are dropped first. */
const MAX_REMEMBERED = 10_000;

export interface AuthFailures {
  /** Seconds `address` is still refused for, as far as this process knows (no I/O). */
  blockedFor(address: string): number;
  /**
   * Charges one failure to `address`. Answers the seconds to wait when this failure went over
   * the budget (it is then answered 429), else 0.
   */
  failed(address: string): Promise<number>;
}

export function createAuthFailures(limiter: RateLimiter, now = () => performance.now()): AuthFailures {
  /** address → end of its block, in `now()` milliseconds. */
  const blocked = new Map<string, number>();
  const remember = (address: string, seconds: number) => {
    if (blocked.size >= MAX_REMEMBERED) {
      for (const [a, until] of blocked) if (until <= now()) blocked.delete(a);
      if (blocked.size >= MAX_REMEMBERED) blocked.delete(blocked.keys().next().value!);
    }
    blocked.set(address, now() + seconds * 1000);
  };
  return {
    blockedFor(address) {
      const until = blocked.get(address);
      if (until === undefined) return 0;
      const left = (until - now()) / 1000;
      if (left > 0) return left;
      blocked.delete(address);
      return 0;
    },
    async failed(address) {
      const over = await limiter.consume(address);
      // Over the budget, or exactly at it (the next failure would go over): refused from now on.
      const wait = over || (await limiter.blockedFor(address));
      if (wait > 0) remember(address, wait);
      return over;
    },
  };
}

/** The 429 of an address past its budget of failures. */
export const tooManyFailures = (seconds: number) => rateLimited(seconds, TOO_MANY);

/**
 * The token check of a node:http route: 429 for an address past its budget of failures, else
 * 401 without the token (a failure charged to the address). Without `failures`, only the 401.
 * `beforeToken` runs between the two (the admin routes' readiness check, which a blocked
 * address never reaches and which comes before the 401).
 */
export function createTokenGate(
  check: BearerCheck,
  clientAddress: ClientAddress,
  failures: AuthFailures | undefined,
  beforeToken?: () => void,
): (req: IncomingMessage) => Promise<void> {
  const refusal = denied();
  return async (req) => {
    const address = failures === undefined ? undefined : clientAddress(req);
    if (address !== undefined) {
      const wait = failures!.blockedFor(address);
      if (wait > 0) throw tooManyFailures(wait);
    }
    beforeToken?.();
    if (check(authorizationsOf(req.rawHeaders))) return;
    const over = address === undefined ? 0 : await failures!.failed(address);
    throw over > 0 ? tooManyFailures(over) : refusal;
  };
}

/** The same limit on the hono routes that ask for a token (`asksForToken`): their 401s are charged. */
export function authFailureLimit(
  failures: AuthFailures,
  clientAddress: ClientAddress,
  asksForToken: (method: string, path: string) => boolean,
): MiddlewareHandler {
  return async (c, next) => {
    const incoming = incomingOf(c);
    if (incoming === undefined || !asksForToken(c.req.method, c.req.path)) return next();
    const address = clientAddress(incoming);
    const wait = failures.blockedFor(address);
    if (wait > 0) throw tooManyFailures(wait);
    await next();
    if (c.res.status !== 401) return;
    const over = await failures.failed(address);
    if (over > 0) throw tooManyFailures(over);
  };
}
