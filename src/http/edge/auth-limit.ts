import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../../model/errors.js';
import type { RateLimiter } from '../../ratelimit/rate-limiter.js';
import { incomingOf } from './node-request.js';
import { AD_PATH } from '../ads/paths.js';

/** Failed admin authentications allowed per address and window before it is refused. */
export const AUTH_FAILURES = { points: 20, durationSeconds: 60 } as const;

/** Routes that never ask for the admin token: nothing to guess there. */
const OPEN_PATHS = new Set(['/', '/healthz', '/readyz', '/metrics', '/openapi.json']);

function needsAdmin(c: Context): boolean {
  const { path, method } = c.req;
  if (OPEN_PATHS.has(path) || path === '/docs' || path.startsWith('/docs/')) return false;
  return !(path === AD_PATH && (method === 'GET' || method === 'HEAD'));
}

/**
 * The client's address as the server saw it (behind a proxy: the proxy's); undefined for a
 * request that came through no socket (`app.request()` in process).
 */
function clientAddress(c: Context): string | undefined {
  return incomingOf(c)?.socket.remoteAddress;
}

export const rateLimited = (seconds: number) =>
  new AppError({
    code: 'rate_limited',
    status: 429,
    message: 'too many failed authentications from this address',
    headers: {
      'Retry-After': String(seconds),
    },
  });

/**
 * Slows down token guessing: every 401 is charged to the client's address, and an address over
 * its budget gets `429 rate_limited` with `Retry-After` on every route that needs the admin
 * token (even with the right token) until its window ends.
 */
export function authFailureLimit(limiter: RateLimiter): MiddlewareHandler {
  return async (c, next) => {
    const address = clientAddress(c);
    if (address === undefined || !needsAdmin(c)) return next();
    const wait = await limiter.blockedFor(address);
    if (wait > 0) throw rateLimited(wait);
    await next();
    if (c.res.status === 401) await limiter.consume(address);
  };
}
