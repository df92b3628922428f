/**
 * `GET /api/v1/ad/<id>/delivery` (admin auth): the ad's delivery report (see
 * `src/delivery/delivery-report.ts`), described in /openapi.json; other methods are 405.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AD_STATUSES } from '../../model/ad.js';
import { notFound, notReady } from '../../model/errors.js';
import type { DeliveryReport, DeliveryReports } from '../../delivery/delivery-report.js';
import { createAdminAuth } from '../edge/auth.js';
import { ErrorSchema } from '../ads/schemas.js';
import { toIso } from '../input/time.js';

export const DELIVERY_REPORT_PATH = '/api/v1/ad/:id/delivery';

export interface DeliveryReportRouteDeps {
  readonly report: DeliveryReports;
  readonly isReady: () => boolean;
  readonly adminToken?: string | undefined;
}

const count = z.int().min(0);
const totals = z.object({ total: count, today: count });
const goals = z.object({
  impressions: count.nullable(),
  clicks: count.nullable(),
  dailyImpressions: count.nullable(),
  dailyClicks: count.nullable(),
});

export const DeliveryReportSchema = z
  .object({
    id: z.string(),
    asOf: z.iso.datetime(),
    status: z.enum(AD_STATUSES),
    served: totals.openapi({
      description: 'Decisions that included the ad (over its life; in the current UTC day).',
    }),
    impressions: totals.openapi({
      description: 'Counted impressions, as in its stats (tracking URLs and events).',
    }),
    clicks: totals.openapi({ description: 'Counted clicks, as in its stats.' }),
    goals,
    remaining: goals.openapi({
      description:
        'Goal minus what was served (impressions) or counted (clicks), at least 0; `null` without a goal.',
    }),
    pacing: z.object({
      mode: z.enum(['asap', 'even']),
      periodStart: z.iso.datetime(),
      periodEnd: z.iso.datetime(),
      expectedByNow: count.nullable().openapi({
        description:
          '`ceil(goal × (now − periodStart) / (periodEnd − periodStart))` of the paced goal (daily if any, else lifetime); `null` without even pacing.',
      }),
      state: z.enum(['ahead', 'on_track', 'behind', 'done', 'none']).openapi({
        description:
          '`on_track` within 5% of `expectedByNow`; `done` once a goal is met; `none` for `asap` or no goal.',
      }),
    }),
    completedAt: z.iso.datetime().nullable(),
  })
  .openapi('DeliveryReport');

export function renderReport(r: DeliveryReport): z.infer<typeof DeliveryReportSchema> {
  return {
    id: r.id,
    asOf: toIso(r.asOf),
    status: r.status,
    served: r.served,
    impressions: r.impressions,
    clicks: r.clicks,
    goals: r.goals,
    remaining: r.remaining,
    pacing: { ...r.pacing, periodStart: toIso(r.pacing.periodStart), periodEnd: toIso(r.pacing.periodEnd) },
    completedAt: r.completedAt === null ? null : toIso(r.completedAt),
  };
}

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

const described = createRoute({
  method: 'get',
  path: '/api/v1/ad/{id}/delivery',
  tags: ['delivery'],
  summary: 'How one ad is delivering: served, counted, goals, remaining, pacing',
  description:
    'Served counts are stored by every replica each second; this replica adds its own not yet stored ones.',
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'The report.', content: json(DeliveryReportSchema) },
    ...Object.fromEntries(
      Object.entries({
        401: '`unauthorized`.',
        404: '`not_found`: unknown or deleted ad.',
        503: '`not_ready`, or `store_unavailable` (with `Retry-After`) while the database cannot be reached.',
        500: '`internal`.',
      }).map(([status, description]) => [status, { description, content: json(ErrorSchema) }]),
    ),
  },
});

export function registerDeliveryReportRoute(app: OpenAPIHono, deps: DeliveryReportRouteDeps): void {
  const authorize = createAdminAuth(deps.adminToken);
  app.get(DELIVERY_REPORT_PATH, async (c) => {
    if (!deps.isReady()) throw notReady();
    authorize(c);
    const report = await deps.report(c.req.param('id'));
    if (!report) throw notFound('ad');
    return c.json(renderReport(report));
  });
  app.openAPIRegistry.registerPath(described);
}
