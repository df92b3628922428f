import { OpenAPIHono } from '@hono/zod-openapi';
import { registerConsole } from '../console/console-routes.js';
import { registerAdminListRoute } from './ads/admin-list.js';
import { registerAdminRoutes } from './ads/admin-routes.js';
import { createAdminAuth } from './edge/auth.js';
import { AUTH_FAILURES, authFailureLimit, createAuthFailures } from './edge/auth-limit.js';
import { socketAddress } from './edge/client-address.js';
import { COUNTRY_CODES } from './ads/countries.js';
import { createEnvelope } from './edge/envelope.js';
import { createErrorHandler, methodNotAllowedHandler, notFoundHandler } from './edge/errors.js';
import { createMetrics } from './ops/metrics.js';
import { describeRoutes } from './docs/openapi.js';
import { requestContext } from './edge/request-context.js';
import { securityHeaders } from './edge/security-headers.js';
import { registerServiceRoutes } from './ops/service-routes.js';
import { registerTrackingRoutes } from './tracking/stats-routes.js';
import { describeDecisions } from './delivery/describe.js';
import { registerDeliveryReportRoute } from './delivery/report-route.js';
import { asksForToken, methodsByPath, ROUTE_TABLE } from './route-table.js';
import type { AppDeps } from './types.js';
import { createMemoryRateLimiter } from '../ratelimit/rate-limiter.js';

export type { AppDeps } from './types.js';

/**
 * Each operation of `/openapi.json` asks for the token its route table entry names (the bearer
 * schemes `bearerAuth` and `eventsAuth`); describing a route the table does not list is a bug,
 * caught when the app is made.
 */
function secureFromTable(app: OpenAPIHono): void {
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== 'route') continue;
    const method = def.route.method.toUpperCase();
    const path = def.route.path.replace(/\{(\w+)\}/g, ':$1');
    const entry = ROUTE_TABLE.find((e) => e.method === method && e.path === path);
    if (entry === undefined) throw new Error(`${method} ${path} is described but not in the route table`);
    if (entry.auth === 'admin') def.route.security = [{ bearerAuth: [] }];
    else if (entry.auth === 'events') def.route.security = [{ eventsAuth: [] }];
    else delete def.route.security;
  }
}

/** The HTTP app over one replica's service. It never listens: `main.ts` serves it, tests call `app.request()`. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const metrics = deps.metrics ?? createMetrics(deps.service);
  const envelope = createEnvelope(deps.logger, metrics);
  const app = new OpenAPIHono();
  app.use('*', requestContext(envelope));
  app.use('*', securityHeaders);
  if (deps.adminToken !== undefined) {
    const failures = deps.authFailures ?? createAuthFailures(createMemoryRateLimiter(AUTH_FAILURES));
    app.use('*', authFailureLimit(failures, deps.clientAddress ?? socketAddress, asksForToken));
  }
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
  secureFromTable(app);
  // Another method on a path of the route table is a 405 with `Allow`: on the paths hono serves
  // here, and on those of the node:http routes (hono sees only the methods they leave).
  const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => r.path));
  for (const [path, methods] of methodsByPath()) {
    const node = ROUTE_TABLE.some((e) => e.path === path && e.server === 'node');
    if (node || served.has(path)) app.all(path, methodNotAllowedHandler(methods));
  }
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(envelope));
  return app;
}
