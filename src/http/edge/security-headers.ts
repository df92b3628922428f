import type { MiddlewareHandler } from 'hono';
import { AD_PATH } from '../ads/paths.js';

/**
 * `X-Content-Type-Options: nosniff` on every answer, and `Cache-Control: no-store` on every
 * `/api` answer but the public query's: admin answers (ads, errors, 401s) must not be kept by a
 * browser or a shared cache.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set('X-Content-Type-Options', 'nosniff');
  const path = c.req.path;
  if (
    path.startsWith('/api/') &&
    !(path === AD_PATH && (c.req.method === 'GET' || c.req.method === 'HEAD'))
  ) {
    headers.set('Cache-Control', 'no-store');
  }
};
