import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { notFound, validationFailed } from '../../model/errors.js';
import { createAdminAuth } from '../edge/auth.js';
import { readJsonBody } from '../input/body.js';
import { fingerprint } from '../input/canonical-json.js';
import { parseWriteHeaders } from '../input/headers.js';
import { AD_PATH, ensureReady, ONE_AD_PATH } from './paths.js';
import { etagOf, locationOf, renderAd, renderAdWithStatus } from './render.js';
import { toAdInput } from './schemas.js';
import type { AppDeps } from '../types.js';
import { validateAdBody } from '../input/validation.js';

/**
 * Admin routes. Each runs the contract's checks in order: readiness, auth (401), body size (413),
 * body type (415), JSON and validation (400); the service then answers 404, 412, 422 and 429.
 */
export function registerAdminRoutes(app: OpenAPIHono, deps: AppDeps): void {
  const { service } = deps;
  const authorize = createAdminAuth(deps.adminToken);
  const guard = (c: Context) => {
    ensureReady(service);
    authorize(c);
  };

  // The in-process twin of the node:http create (`fast-create.ts`), reached by `app.request()`
  // only: the served create is `fast-create.ts`, checked over sockets in the same order.
  app.post(AD_PATH, async (c) => {
    guard(c);
    const raw = await readJsonBody(c);
    const key = c.req.header('idempotency-key');
    const body = validateAdBody(raw, parseWriteHeaders(undefined, key).details);
    const stamp = key === undefined ? undefined : { key, fingerprint: fingerprint(raw) };
    const { ad, replayed } = await service.create(toAdInput(body), stamp);
    const headers: Record<string, string> = { Location: locationOf(ad), ETag: etagOf(ad) };
    if (replayed) headers['Idempotent-Replayed'] = 'true';
    return c.json(renderAd(ad), 201, headers);
  });

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
