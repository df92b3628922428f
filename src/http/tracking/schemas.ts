import { z } from '@hono/zod-openapi';
import { validationFailed, type ErrorDetail } from '../../model/errors.js';
import { parseRfc3339 } from '../input/time.js';
import { issueDetails } from '../input/validation.js';
import { EVENT_TYPES, MAX_HISTORY_PERIODS, WINDOW_NAMES } from '../../tracking/buckets.js';
import type { TrackedEvent } from '../../tracking/tracker.js';

/** Request and response schemas of the tracking routes; the same objects validate and describe. */

export const MAX_EVENTS_PER_REQUEST = 1000;
export const MAX_EVENT_COUNT = 10_000;
export const MAX_AD_ID_LENGTH = 128;

const DateTime = z
  .string()
  .refine((s) => parseRfc3339(s) !== undefined, {
    error: 'must be an RFC 3339 date-time with a zone (Z or ±hh:mm), years 1970-9999',
  })
  .openapi({ format: 'date-time', example: '2026-12-10T03:00:12.345Z' });

export const EventSchema = z
  .object(
    {
      type: z
        .enum(EVENT_TYPES, { error: 'must be "impression" or "click"' })
        .openapi({ description: '`impression` or `click`, exactly.' }),
      adId: z
        .string()
        .min(1)
        .max(MAX_AD_ID_LENGTH)
        .openapi({ example: '0193a1c6-7d2e-7b3a-9f00-1c2d3e4f5a6b' }),
      at: DateTime.optional().openapi({
        description:
          'When it happened; default: when the server received the request. More than 72 hours before ' +
          'the server time is rejected as `too_old`, more than 5 minutes after it as `in_future`.',
      }),
      count: z
        .int({ error: 'must be an integer' })
        .min(1, { error: 'must be at least 1' })
        .max(MAX_EVENT_COUNT, { error: `must be at most ${MAX_EVENT_COUNT.toLocaleString('en-US')}` })
        .optional()
        .openapi({ description: 'Pre-aggregated count, 1..10000; default 1.' }),
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be an event (an object)' : undefined) },
  )
  .strict()
  .openapi('Event', { description: 'One impression or click. Unknown fields are rejected.' });

export const EventBatchSchema = z
  .array(EventSchema)
  .min(1, { error: 'must hold at least 1 event' })
  .max(MAX_EVENTS_PER_REQUEST, {
    error: `must hold at most ${MAX_EVENTS_PER_REQUEST.toLocaleString('en-US')} events`,
  });

export const EventsBodySchema = z
  .union([EventSchema, EventBatchSchema])
  .openapi('EventsBody', { description: 'One event, or an array of 1..1000 events; at most 256 KiB.' });

export const EventsAnswerSchema = z
  .object({
    accepted: z.int().min(0).openapi({ description: 'Events accepted (counted).' }),
    rejected: z.array(
      z.object({
        index: z.int().min(0).openapi({ description: 'Position in the request (0 for a single event).' }),
        code: z.enum(['unknown_ad', 'too_old', 'in_future']),
      }),
    ),
  })
  .openapi('EventsAnswer');

type EventInput = z.output<typeof EventSchema>;

const toTracked = (e: EventInput): TrackedEvent => ({
  type: e.type,
  adId: e.adId,
  at: e.at === undefined ? undefined : parseRfc3339(e.at),
  count: e.count ?? 1,
});

/**
 * Validates a parsed events body: one event (paths like `count`) or an array of 1..1000
 * (paths like `3.count`). `headerProblems` join the same 400.
 */
export function validateEvents(raw: unknown, headerProblems: readonly ErrorDetail[] = []): TrackedEvent[] {
  const schema = Array.isArray(raw) ? EventBatchSchema : EventSchema;
  const result = schema.safeParse(raw);
  if (result.success && headerProblems.length === 0) {
    const data = result.data;
    return Array.isArray(data) ? data.map(toTracked) : [toTracked(data)];
  }
  const details = [...headerProblems];
  if (!result.success) {
    if (raw === null || typeof raw !== 'object') {
      details.push({ path: '', message: 'must be an event object or an array of 1..1000 events' });
    } else {
      details.push(...issueDetails(result.error.issues));
    }
  }
  throw validationFailed('request is invalid', details);
}

const Counts = z.object(Object.fromEntries(WINDOW_NAMES.map((w) => [w, z.int().min(0)]))).openapi({
  description:
    '`5m`, `1h`: minute buckets (the current minute and the 4 or 59 before); `1d`, `2d`, `3d`: hour buckets.',
});
const Ratios = z.object(Object.fromEntries(WINDOW_NAMES.map((w) => [w, z.number().nullable()])));
const IsoOrNull = z.string().nullable().openapi({ format: 'date-time' });

export const StatsSchema = z
  .object({
    id: z.string(),
    asOf: z.string().openapi({ format: 'date-time' }),
    impressions: Counts,
    clicks: Counts,
    ctr: Ratios.openapi({ description: 'clicks / impressions per window, `null` without impressions.' }),
    last: z
      .object({ impression: IsoOrNull, click: IsoOrNull })
      .openapi({ description: 'Greatest `at` ever counted per type; a late event never moves it back.' }),
  })
  .openapi('AdStats');

export const HistoryQuerySchema = z.object({
  from: DateTime.openapi({ description: 'Periods starting at or after this instant.' }),
  to: DateTime.openapi({ description: 'Periods starting before this instant.' }),
  by: z.enum(['hour', 'day']).default('hour').openapi({ description: 'Hours, or UTC days; default `hour`.' }),
});

export const HistorySchema = z
  .object({
    id: z.string(),
    by: z.enum(['hour', 'day']),
    items: z
      .array(
        z.object({
          start: z.string().openapi({ format: 'date-time' }),
          impressions: z.int().min(0),
          clicks: z.int().min(0),
        }),
      )
      .openapi({
        description: `Every period, oldest first, zeros included; at most ${MAX_HISTORY_PERIODS}.`,
      }),
  })
  .openapi('AdHistory');
