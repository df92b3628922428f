import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { notReady, validationFailed, type ErrorDetail } from '../../model/errors.js';
import { createAdminAuth } from '../edge/auth.js';
import { ErrorSchema } from '../ads/schemas.js';
import { parseRfc3339, toIso } from '../input/time.js';
import { ctr, MAX_HISTORY_PERIODS, periodCount, WINDOW_NAMES, type Period } from '../../tracking/buckets.js';
import type { AdStats, Tracker } from '../../tracking/tracker.js';
import { EVENTS_PATH, MAX_EVENTS_BODY_BYTES } from './events-route.js';
import {
  EventsAnswerSchema,
  EventsBodySchema,
  HistoryQuerySchema,
  HistorySchema,
  StatsSchema,
} from './schemas.js';

export const STATS_PATH = '/api/v1/ad/:id/stats';
export const HISTORY_PATH = '/api/v1/ad/:id/stats/history';

export interface TrackingRoutesDeps {
  readonly tracker: Tracker;
  readonly isReady: () => boolean;
  readonly adminToken?: string | undefined;
}

function renderStats(s: AdStats) {
  const pick = (k: 'impressions' | 'clicks') =>
    Object.fromEntries(WINDOW_NAMES.map((w) => [w, s.windows[w][k]]));
  return {
    id: s.id,
    asOf: toIso(s.asOf),
    impressions: pick('impressions'),
    clicks: pick('clicks'),
    ctr: Object.fromEntries(WINDOW_NAMES.map((w) => [w, ctr(s.windows[w])])),
    last: {
      impression: s.last.impression === null ? null : toIso(s.last.impression),
      click: s.last.click === null ? null : toIso(s.last.click),
    },
  };
}

/** `from`, `to` (RFC 3339, required, given once) and `by` (`hour` default, or `day`). */
function parseHistoryQuery(c: Context): { from: number; to: number; by: Period } {
  const details: ErrorDetail[] = [];
  const one = (name: string): string | undefined => {
    const values = c.req.queries(name) ?? [];
    if (values.length > 1) details.push({ path: name, message: 'must be given once' });
    return values[0];
  };
  const time = (name: string): number | undefined => {
    const v = one(name);
    if (v === undefined) details.push({ path: name, message: 'is required' });
    const t = v === undefined ? undefined : parseRfc3339(v);
    if (v !== undefined && t === undefined) {
      details.push({ path: name, message: 'must be an RFC 3339 date-time with a zone (Z or ±hh:mm)' });
    }
    return t;
  };
  const from = time('from');
  const to = time('to');
  const byText = one('by') ?? 'hour';
  if (byText !== 'hour' && byText !== 'day') details.push({ path: 'by', message: 'must be hour or day' });
  const by = byText === 'day' ? 'day' : 'hour';
  if (from !== undefined && to !== undefined) {
    if (to < from) details.push({ path: 'to', message: 'must not be before from' });
    else if (periodCount(from, to, by) > MAX_HISTORY_PERIODS) {
      details.push({ path: 'to', message: `at most ${MAX_HISTORY_PERIODS} periods per answer` });
    }
  }
  if (details.length > 0) throw validationFailed('query is invalid', details);
  return { from: from!, to: to!, by };
}

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const errors = (descriptions: Record<number, string>) =>
  Object.fromEntries(
    Object.entries({ ...descriptions, 500: '`internal`.' }).map(([status, description]) => [
      status,
      { description, content: json(ErrorSchema) },
    ]),
  );
const idParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const fireRoute = (method: 'get' | 'post') =>
  createRoute({
    method,
    path: '/api/v1/t/{token}',
    tags: ['tracking'],
    summary: method === 'get' ? 'Fire a tracking URL' : 'Fire a tracking URL (POST, body ignored)',
    description:
      'The `impressionUrl` or `clickUrl` of a decision (open, no auth). The first fire of each URL counts one ' +
      'impression or click for its ad at the time of the fire, once, cluster-wide; every later fire, on any ' +
      "replica, is answered the same way and counts nothing. Answered once the fire is on this replica's disk.",
    request: {
      params: z.object({
        token: z
          .string()
          .min(1)
          .openapi({ param: { name: 'token', in: 'path' }, description: 'The signed token of the URL.' }),
      }),
    },
    responses: {
      204: { description: 'Fired (no body).' },
      302: {
        description: 'A click URL of an ad with a `creative.landingUrl`: fired, and sent there.',
        headers: { Location: { description: 'The landing URL.', schema: { type: 'string' } } },
      },
      ...errors({
        404: "`not_found`: a token this cluster did not sign (altered, or another cluster's); nothing counted.",
        405: '`method_not_allowed`: only GET and POST.',
        410: "`gone`: past the URL's `expiresAt`; nothing counted.",
        503: '`not_ready`, or `spool_full` (with `Retry-After`).',
      }),
    },
  });

const described = {
  fire: fireRoute('get'),
  firePost: fireRoute('post'),
  events: createRoute({
    method: 'post',
    path: EVENTS_PATH,
    tags: ['tracking'],
    summary: 'Record impressions and clicks',
    description:
      "One event or an array of 1..1000. Answered 202 only once the accepted events are on this replica's disk " +
      '(or, with `Idempotency-Key`, in the store together with the key). Needs `Authorization: Bearer <EVENTS_TOKEN>` ' +
      'when the server runs with `EVENTS_TOKEN`.',
    request: {
      body: {
        required: true,
        content: json(EventsBodySchema),
        description: `At most ${MAX_EVENTS_BODY_BYTES / 1024} KiB of application/json.`,
      },
      headers: z.object({
        'Idempotency-Key': z.string().min(1).max(200).optional().openapi({
          description:
            'A retry with the same key and body, on any replica within 24 hours, gets the first answer and counts nothing again.',
        }),
      }),
    },
    responses: {
      202: {
        description: 'Accepted events are durable; `rejected` lists the others by position.',
        headers: {
          'Idempotent-Replayed': { description: '`true` on a replay.', schema: { type: 'string' } },
        },
        content: json(EventsAnswerSchema),
      },
      ...errors({
        400: '`validation_failed` (paths like `3.count`, or `count` for one event) or `invalid_json`; nothing counted.',
        401: '`unauthorized`.',
        413: '`payload_too_large`: body over 256 KiB.',
        415: '`unsupported_media_type`.',
        422: '`idempotency_key_reused`.',
        429: '`rate_limited` (with `Retry-After`): more than `EVENTS_RATE_LIMIT` events per second from this address, or too many failed authentications from it.',
        503: '`not_ready`, `spool_full` (with `Retry-After`), or `store_unavailable` for a keyed request while the store is unreachable.',
      }),
    },
  }),
  stats: createRoute({
    method: 'get',
    path: '/api/v1/ad/{id}/stats',
    tags: ['tracking'],
    summary: 'Impressions, clicks and CTR of one ad over 5m, 1h, 1d, 2d, 3d',
    request: { params: idParam },
    responses: {
      200: {
        description: "Stored counts plus this replica's not-yet-stored ones.",
        content: json(StatsSchema),
      },
      ...errors({
        401: '`unauthorized`.',
        404: '`not_found`: unknown ad with no counts.',
        503: '`not_ready`.',
      }),
    },
  }),
  history: createRoute({
    method: 'get',
    path: '/api/v1/ad/{id}/stats/history',
    tags: ['tracking'],
    summary: 'Counts per hour or UTC day starting in [from, to)',
    request: { params: idParam, query: HistoryQuerySchema },
    responses: {
      200: { description: 'Every period, zeros included.', content: json(HistorySchema) },
      ...errors({
        400: `\`validation_failed\`: a missing or bad \`from\`/\`to\`/\`by\`, \`to\` before \`from\`, or more than ${MAX_HISTORY_PERIODS} periods.`,
        401: '`unauthorized`.',
        404: '`not_found`: unknown ad with no counts.',
        503: '`not_ready`.',
      }),
    },
  }),
};

/** Stats and history (admin auth), the events route's 405s, and the three routes' descriptions. */
export function registerTrackingRoutes(app: OpenAPIHono, deps: TrackingRoutesDeps): void {
  const { tracker } = deps;
  const authorize = createAdminAuth(deps.adminToken);
  const guard = (c: Context) => {
    if (!deps.isReady()) throw notReady();
    authorize(c);
  };

  app.get(STATS_PATH, async (c) => {
    guard(c);
    return c.json(renderStats(await tracker.stats(c.req.param('id'))));
  });

  app.get(HISTORY_PATH, async (c) => {
    guard(c);
    const { from, to, by } = parseHistoryQuery(c);
    const h = await tracker.history(c.req.param('id'), from, to, by);
    return c.json({ id: h.id, by: h.by, items: h.items.map((i) => ({ ...i, start: toIso(i.start) })) });
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'eventsAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'Required on POST /api/v1/events when the server runs with EVENTS_TOKEN.',
  });
  for (const route of Object.values(described)) app.openAPIRegistry.registerPath(route);
}
