import type { OpenAPIHono } from '@hono/zod-openapi';
import { notReady } from '../../model/errors.js';
import type { Metrics } from './metrics.js';
import { openApiDocument } from '../docs/openapi.js';
import { registerDocs } from '../docs/docs.js';
import type { AppDeps } from '../types.js';

/** Probes, metrics, the OpenAPI document, its browsable reference and `/` pointing at them. None needs auth. */
export function registerServiceRoutes(app: OpenAPIHono, deps: AppDeps, metrics: Metrics): void {
  const { service } = deps;
  const ready = deps.ready ?? (() => service.isReady());
  const publicMetrics = deps.publicMetrics ?? true;
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', (c) => {
    if (!ready()) throw notReady();
    // Reads go on from memory while the store is down (and on the last clock offset while the
    // store's clock cannot be read): still ready, with the trouble shown.
    const { storeAvailable, clockSynced } = service.stats();
    return c.json({
      status: 'ready',
      ...(storeAvailable ? {} : { store: 'unavailable' }),
      ...(clockSynced ? {} : { clock: 'unsynced' }),
    });
  });

  if (publicMetrics) {
    app.get('/metrics', async (c) =>
      c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
    );
  }

  const document = openApiDocument(app);
  app.get('/openapi.json', (c) => c.body(document(), 200, { 'Content-Type': 'application/json' }));
  registerDocs(app);
  app.get('/', (c) =>
    c.json({
      name: 'adsm',
      docs: '/docs',
      openapi: '/openapi.json',
      health: '/healthz',
      ready: '/readyz',
      ...(publicMetrics ? { metrics: '/metrics' } : {}),
    }),
  );
}
