/**
 * Every route the server answers, once: its method and path, which token it asks for, which
 * server answers it (a bare node:http route ahead of hono, or hono), and what it does. The table
 * drives which node:http route the server hands a request to, the 405 answers with `Allow`, which
 * routes the failed-authentication limit guards, the security of each `/openapi.json` operation
 * (`app.ts`), and the README's route table; tests hold the hono app, `/openapi.json` and the
 * README to it.
 *
 * Adding a route: an entry here, its handler (a hono registration, or a node:http route handed to
 * the server in `wiring/compose-replica.ts`), its description for `/openapi.json` next to the
 * handler, and its row in the README (the test prints the row to paste).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASSET_PATH, CLUSTER_PATH, CONSOLE_PATH } from '../console/console-routes.js';
import { ADMIN_ADS_PATH } from './ads/admin-list.js';
import { AD_PATH, ONE_AD_PATH } from './ads/paths.js';
import { DECISIONS_PATH } from './delivery/decisions-route.js';
import { DELIVERY_REPORT_PATH } from './delivery/report-route.js';
import { DOCS_ASSET_PATH, DOCS_PATH } from './docs/docs.js';
import { EVENTS_PATH } from './tracking/events-route.js';
import { FIRE_ROUTE } from './tracking/fire-route.js';
import { HISTORY_PATH, STATS_PATH } from './tracking/stats-routes.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Which token a route asks for: `ADMIN_TOKEN`, `EVENTS_TOKEN` (when set), or none. */
export type RouteAuth = 'admin' | 'events' | 'open';

export interface RouteEntry {
  readonly method: RouteMethod;
  /** hono's pattern: `:name` is one path segment. */
  readonly path: string;
  readonly auth: RouteAuth;
  /** `node`: answered on bare node:http ahead of hono (the hot paths); `hono`: by the app. */
  readonly server: 'node' | 'hono';
  /** What it does, as the README's route table says it. */
  readonly does: string;
}

const route = (
  method: RouteMethod,
  path: string,
  auth: RouteAuth,
  server: 'node' | 'hono',
  does: string,
): RouteEntry => ({ method, path, auth, server, does });

export const ROUTE_TABLE: readonly RouteEntry[] = [
  route(
    'GET',
    AD_PATH,
    'open',
    'node',
    'public query (`offset`, `limit`, `age`, `gender`, `country`, `platform`): active ads matching the filters, `endAt` then `id` order',
  ),
  route('POST', AD_PATH, 'admin', 'node', 'create (201, `Location`); `Idempotency-Key` makes retries safe'),
  route(
    'GET',
    ONE_AD_PATH,
    'admin',
    'hono',
    'one ad with `status` (`scheduled`/`active`/`completed`/`expired`), `ETag: "<version>"`',
  ),
  route(
    'PUT',
    ONE_AD_PATH,
    'admin',
    'hono',
    'replace; `If-Match: "<version>"` guards against lost updates (412)',
  ),
  route('DELETE', ONE_AD_PATH, 'admin', 'hono', 'delete (204); honours `If-Match`'),
  route(
    'GET',
    ADMIN_ADS_PATH,
    'admin',
    'hono',
    'admin listing (`status`, `q`, `limit`, `cursor`): every ad with its status, newest first; `q` searches titles ignoring case; `nextCursor` pages on without repeating or skipping an ad while others are created or deleted',
  ),
  route(
    'POST',
    EVENTS_PATH,
    'events',
    'node',
    'record impressions/clicks: one event or an array of 1..1000; 202 `{accepted, rejected}` once on disk',
  ),
  route(
    'POST',
    DECISIONS_PATH,
    'events',
    'node',
    'choose up to `count` ads for a viewer by priority and weight, within goals, pacing and frequency caps; each with its tracking URLs (see Delivery control)',
  ),
  route(
    'GET',
    FIRE_ROUTE,
    'open',
    'node',
    "a decision's tracking URL: 204 (a click of an ad with a `landingUrl`: 302 to it); the first fire counts one impression or click, later ones nothing; 404 for a token not signed here, 410 after `expiresAt`",
  ),
  route('POST', FIRE_ROUTE, 'open', 'node', 'the same as `GET` (a body is ignored)'),
  route(
    'GET',
    STATS_PATH,
    'admin',
    'hono',
    'impressions, clicks and CTR over 5m/1h/1d/2d/3d, and the last event time per type',
  ),
  route(
    'GET',
    HISTORY_PATH,
    'admin',
    'hono',
    'counts per hour or UTC day starting in `[from, to)` (`by=hour` or `by=day`), zeros included, at most 2,000 periods',
  ),
  route(
    'GET',
    DELIVERY_REPORT_PATH,
    'admin',
    'hono',
    'delivery report: served (decisions), counted impressions and clicks (total, today), goals, remaining, pacing state against the line, `completedAt` (see [Goals and pacing](#goals-and-pacing))',
  ),
  route('GET', CONSOLE_PATH, 'open', 'hono', 'the admin console (it asks for the token in the browser)'),
  route('GET', ASSET_PATH, 'open', 'hono', "the console's scripts and styles"),
  route('GET', CLUSTER_PATH, 'admin', 'hono', "the console's view of the cluster"),
  route('GET', '/', 'open', 'hono', 'a small JSON pointing to `/docs` and `/openapi.json`'),
  route('GET', '/healthz', 'open', 'hono', 'alive'),
  route('GET', '/readyz', 'open', 'hono', 'recovered and caught up (503 before, and while draining)'),
  route(
    'GET',
    '/metrics',
    'open',
    'hono',
    'Prometheus: requests, latency, applied `seq`, replication lag, active ads, process (on `METRICS_PORT` instead when set)',
  ),
  route('GET', '/openapi.json', 'open', 'hono', 'the OpenAPI 3.1 document'),
  route('GET', DOCS_PATH, 'open', 'hono', 'the browsable API reference (Swagger UI)'),
  route('GET', DOCS_ASSET_PATH, 'open', 'hono', "the reference's scripts and styles"),
];

/** A path pattern as a test of request paths (`:name` is one non-empty segment). */
function matcher(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

const MATCHERS = ROUTE_TABLE.map((entry) => ({ entry, test: matcher(entry.path) }));

/** The table's entries for a request path (every method), static paths before patterns as hono matches them. */
export function entriesOf(path: string): RouteEntry[] {
  return MATCHERS.filter((m) => m.test.test(path)).map((m) => m.entry);
}

/** Whether a request asks for a token: its route's `auth` (a `HEAD` is its `GET`); unknown routes ask for none. */
export function asksForToken(method: string, path: string): boolean {
  const asked = method === 'HEAD' ? 'GET' : method;
  return entriesOf(path).some((e) => e.method === asked && e.auth !== 'open');
}

/** Each path of the table with the methods it serves, in table order (for the 405 answers). */
export function methodsByPath(): Map<string, RouteMethod[]> {
  const byPath = new Map<string, RouteMethod[]>();
  for (const { path, method } of ROUTE_TABLE) byPath.set(path, [...(byPath.get(path) ?? []), method]);
  return byPath;
}

/** The README's row of an entry. */
export const readmeRow = (e: RouteEntry): string => `| \`${e.method} ${e.path}\` | ${e.auth} | ${e.does} |`;

/** A bare node:http route: answers the request and returns true, or returns false to leave it to hono. */
export type NodeRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The server's fast path: the request goes to the node:http handler of its path's `node`
 * entries (one handler per path, whatever its methods), else to hono; the handler may still
 * leave it to hono (a method it does not serve). Throws at start-up unless
 * `handlers` holds exactly the table's `node` paths.
 */
export function nodeDispatch(handlers: Readonly<Record<string, NodeRoute>>): NodeRoute {
  const paths = [...new Set(ROUTE_TABLE.filter((e) => e.server === 'node').map((e) => e.path))];
  const given = Object.keys(handlers);
  if (given.length !== paths.length || !paths.every((p) => given.includes(p))) {
    throw new Error(`node:http handlers for ${given.join(', ')}; the route table has ${paths.join(', ')}`);
  }
  const exact = new Map<string, NodeRoute>();
  // A pattern's route owns every path under its static part (`/api/v1/t/`): the handler tells a
  // malformed token from a wrong one itself, and counts both.
  const prefixes: { prefix: string; handler: NodeRoute }[] = [];
  for (const path of paths) {
    const param = path.indexOf('/:');
    if (param < 0) exact.set(path, handlers[path]!);
    else prefixes.push({ prefix: path.slice(0, param + 1), handler: handlers[path]! });
  }
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const handler = exact.get(path) ?? prefixes.find((p) => path.startsWith(p.prefix))?.handler;
    return handler !== undefined && handler(req, res);
  };
}
