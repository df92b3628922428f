import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { notFound, validationFailed } from '../../model/errors.js';
import { createAdminAuth } from '../edge/auth.js';
import { readJsonBody } from '../input/body.js';
import { parseWriteHeaders } from '../input/headers.js';
import { ensureReady, ONE_AD_PATH } from './paths.js';
import { etagOf, renderAd, renderAdWithStatus } from './render.js';
import { toAdInput } from './schemas.js';
import type { AppDeps } from '../types.js';
import { validateAdBody } from '../input/validation.js';

/**
 * Admin routes of one ad (read, replace, delete). Each runs the contract's checks in order:
 * readiness, auth (401), body size (413), body type (415), JSON and validation (400); the service
 * then answers 404, 412, 422 and 429. The create is `fast-create.ts`, on bare node:http.
 */
export function registerAdminRoutes(app: OpenAPIHono, deps: AppDeps): void {
  const { service } = deps;
  const authorize = createAdminAuth(deps.adminToken);
  const guard = (c: Context) => {
    ensureReady(service);
    authorize(c);
  };

  app.get(ONE_AD_PATH, async (c) => {
    guard(c);
    const ad = await service.get(c.req.param('id'));
    if (!ad) throw notFound('ad');
    return c.json(renderAdWithStatus(ad, service.now()), 200, { ETag: etagOf(ad) });
  });

  app.put(ONE_AD_PATH, async (c) => {
    guard(c);
    const raw = await readJsonBody(c);
    const { ifMatch, details } = parseWriteHeaders(c.req.header('if-match'));
    const body = validateAdBody(raw, details);
    const ad = await service.update(c.req.param('id'), toAdInput(body), ifMatch);
    return c.json(renderAd(ad), 200, { ETag: etagOf(ad) });
  });

  app.delete(ONE_AD_PATH, async (c) => {
    guard(c);
    const { ifMatch, details } = parseWriteHeaders(c.req.header('if-match'));
    if (details.length > 0) throw validationFailed('request is invalid', details);
    await service.delete(c.req.param('id'), ifMatch);
    return c.body(null, 204);
  });
}
