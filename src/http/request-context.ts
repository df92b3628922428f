import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

/** A client's `X-Request-Id` is kept when it is 1..128 visible ASCII characters. */
const SANE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The route pattern that answered, for metric labels; `unmatched` when only middleware ran. */
function routeLabel(c: Parameters<MiddlewareHandler>[0]): string {
  const routes = matchedRoutes(c);
  const last = routes[routes.length - 1];
  return last === undefined || last.path === '*' || last.path === '/*' ? 'unmatched' : last.path;
}

/**
 * The one middleware every request passes: request id (taken or made, echoed in
 * `X-Request-Id`), the request's debug log line, and its metrics.
 */
export function requestContext(logger: Logger, metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    await next();
    c.res.headers.set('X-Request-Id', requestId);
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    const route = routeLabel(c);
    metrics.observeRequest(c.req.method, route, status, seconds);
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        { requestId, method: c.req.method, path: c.req.path, route, status, ms: seconds * 1000 },
        'request',
      );
    }
  };
}
