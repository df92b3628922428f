import { OpenAPIHono } from '@hono/zod-openapi';
import { ASSET_PATH, CLUSTER_PATH, CONSOLE_PATH, registerConsole } from '../console/console-routes.js';
import { ADMIN_ADS_PATH, registerAdminListRoute } from './ads/admin-list.js';
import { registerAdminRoutes } from './ads/admin-routes.js';
import { createAdminAuth } from './edge/auth.js';
import { DOCS_ASSET_PATH } from './docs/docs.js';
import { AUTH_FAILURES, authFailureLimit, createAuthFailures } from './edge/auth-limit.js';
import { socketAddress } from './edge/client-address.js';
import { COUNTRY_CODES } from './ads/countries.js';
import { createEnvelope } from './edge/envelope.js';
import { createErrorHandler, methodNotAllowedHandler, notFoundHandler } from './edge/errors.js';
import { createMetrics } from './ops/metrics.js';
import { describeRoutes } from './docs/openapi.js';
import { AD_PATH, ONE_AD_PATH } from './ads/paths.js';
import { registerPublicRoute } from './ads/public-route.js';
import { requestContext } from './edge/request-context.js';
import { securityHeaders } from './edge/security-headers.js';
import { registerServiceRoutes } from './ops/service-routes.js';
import { registerTrackingRoutes } from './tracking/stats-routes.js';
import { describeDecisions } from './delivery/describe.js';
import { registerDeliveryReportRoute } from './delivery/report-route.js';
import type { AppDeps } from './types.js';
import { createMemoryRateLimiter } from '../ratelimit/rate-limiter.js';

export type { AppDeps } from './types.js';

/** Every path the app serves and its methods; any other method on these paths is a 405. */
const ROUTES: ReadonlyArray<readonly [string, readonly string[]]> = [
  [AD_PATH, ['GET', 'POST']],
  [ONE_AD_PATH, ['GET', 'PUT', 'DELETE']],
  [ADMIN_ADS_PATH, ['GET']],
  [CONSOLE_PATH, ['GET']],
  [ASSET_PATH, ['GET']],
  [CLUSTER_PATH, ['GET']],
  ['/healthz', ['GET']],
  ['/readyz', ['GET']],
  ['/metrics', ['GET']],
  ['/openapi.json', ['GET']],
  ['/docs', ['GET']],
  [DOCS_ASSET_PATH, ['GET']],
  ['/', ['GET']],
];

/** The HTTP app over one replica's service. It never listens: `main.ts` serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const metrics = deps.metrics ?? createMetrics(deps.service);
  const envelope = createEnvelope(deps.logger, metrics);
  const app = new OpenAPIHono();
  app.use('*', requestContext(envelope));
  app.use('*', securityHeaders);
  if (deps.adminToken !== undefined) {
    const failures = deps.authFailures ?? createAuthFailures(createMemoryRateLimiter(AUTH_FAILURES));
    app.use('*', authFailureLimit(failures, deps.clientAddress ?? socketAddress));
  }
  registerPublicRoute(app, deps);
  registerAdminRoutes(app, deps);
  registerAdminListRoute(app, deps);
  registerConsole(app, {
    service: deps.service,
    authorize: createAdminAuth(deps.adminToken),
    authRequired: deps.adminToken !== undefined,
    countryCodes: COUNTRY_CODES,
  });
  if (deps.tracking) registerTrackingRoutes(app, deps.tracking);
  describeDecisions(app);
  if (deps.deliveryReport) registerDeliveryReportRoute(app, deps.deliveryReport);
  registerServiceRoutes(app, deps, metrics);
  describeRoutes(app);
  for (const [path, methods] of ROUTES) {
    if (path === '/metrics' && deps.publicMetrics === false) continue; // a 404, as if never there
    app.all(path, methodNotAllowedHandler(methods));
  }
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(envelope));
  return app;
}
