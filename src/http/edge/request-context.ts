import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { requestIdOf, type Envelope } from './envelope.js';

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
export function requestContext(envelope: Envelope): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdOf(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    await next();
    c.res.headers.set('X-Request-Id', requestId);
    envelope.answered(requestId, c.req.method, c.req.path, routeLabel(c), c.res.status, started);
  };
}
