import type { OpenAPIHono } from '@hono/zod-openapi';
import { AD_PATH, ensureReady } from './paths.js';
import { parsePublicQuery } from './query.js';
import { renderPage } from './render.js';
import type { AppDeps } from '../types.js';

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

/**
 * `GET /api/v1/ad`, the hot path: one pass over the query string, a synchronous in-memory page,
 * and a hand-built JSON answer.
 */
export function registerPublicRoute(app: OpenAPIHono, { service }: AppDeps): void {
  app.get(AD_PATH, (c) => {
    ensureReady(service);
    const { offset, limit, query } = parsePublicQuery(c.req.url);
    return c.body(renderPage(service.query(query, offset, limit)), 200, JSON_HEADERS);
  });
}
