import { z } from '@hono/zod-openapi';
import { AD_STATUSES, normalizeConditions, type AdInput, type ConditionSetInput } from '../../model/ad.js';
import { ConditionSetOutSchema, ConditionsSchema } from './conditions-schema.js';
import {
  CreativeOutSchema,
  CreativeSchema,
  DeliveryOutSchema,
  DeliverySchema,
  toCreative,
  toDelivery,
} from './delivery-schema.js';
import { parseRfc3339 } from '../input/time.js';

/** Request and response schemas of the ad routes; the same objects validate requests and build /openapi.json. */

export const MAX_TITLE_LENGTH = 256;
const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const requiredString = (iss: { input?: unknown }) =>
  iss.input === undefined ? 'is required' : 'must be a string';

const Title = z
  .string({ error: requiredString })
  .trim()
  .refine((s) => codePoints(s) >= 1, { error: 'must not be empty' })
  .refine((s) => codePoints(s) <= MAX_TITLE_LENGTH, {
    error: `must be at most ${MAX_TITLE_LENGTH} characters`,
  })
  .openapi({
    minLength: 1,
    maxLength: MAX_TITLE_LENGTH,
    description: 'Stored trimmed; 1..256 characters (code points) after trimming.',
    example: 'AD 55',
  });

const DateTime = z
  .string({ error: requiredString })
  .refine((s) => parseRfc3339(s) !== undefined, {
    error: 'must be an RFC 3339 date-time with a zone (Z or ±hh:mm), years 1970-9999',
  })
  .openapi({ format: 'date-time', example: '2026-12-10T03:00:00Z' });

export const AdBodySchema = z
  .object(
    {
      title: Title,
      startAt: DateTime.openapi({ description: 'Start of the active interval (inclusive).' }),
      endAt: DateTime.openapi({
        description: 'End of the active interval (exclusive); strictly after startAt.',
        example: '2026-12-31T16:00:00Z',
      }),
      conditions: ConditionsSchema,
      delivery: DeliverySchema,
      creative: CreativeSchema,
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'request body must be a JSON object' : undefined) },
  )
  .strict()
  .superRefine((body, ctx) => {
    const start = typeof body.startAt === 'string' ? parseRfc3339(body.startAt) : undefined;
    const end = typeof body.endAt === 'string' ? parseRfc3339(body.endAt) : undefined;
    if (start !== undefined && end !== undefined && end <= start) {
      ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'must be strictly after startAt' });
    }
  })
  .openapi('AdInput', { description: 'Create or replace body. Unknown fields are rejected.' });

export type AdBody = z.output<typeof AdBodySchema>;

/** The service's input from a validated body: trimmed title, epoch ms, normalised conditions. */
export function toAdInput(body: AdBody): AdInput {
  const c = body.conditions;
  const sets: readonly ConditionSetInput[] = c == null ? [] : Array.isArray(c) ? c : [c];
  return {
    title: body.title,
    startAt: parseRfc3339(body.startAt)!,
    endAt: parseRfc3339(body.endAt)!,
    conditions: normalizeConditions(sets),
    delivery: toDelivery(body.delivery),
    creative: toCreative(body.creative),
  };
}

const IsoTime = z.string().openapi({ format: 'date-time', example: '2026-12-22T01:00:00.000Z' });

export const AdSchema = z
  .object({
    id: z
      .string()
      .openapi({ description: 'Server-made, opaque.', example: '0193a1c6-7d2e-7b3a-9f00-1c2d3e4f5a6b' }),
    title: z.string(),
    startAt: IsoTime,
    endAt: IsoTime,
    conditions: z.array(ConditionSetOutSchema).openapi({ description: 'Normalised; [] targets everyone.' }),
    delivery: DeliveryOutSchema,
    creative: CreativeOutSchema,
    version: z.int().min(1).openapi({ description: '+1 on every change.' }),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  })
  .openapi('Ad');

export const AdWithStatusSchema = AdSchema.extend({
  status: z.enum(AD_STATUSES).openapi({ description: 'Computed at the time of the read.' }),
}).openapi('AdWithStatus');

export const AdItemSchema = z.object({ id: z.string(), title: z.string(), endAt: IsoTime }).openapi('AdItem');
export const AdPageSchema = z.object({ items: z.array(AdItemSchema) }).openapi('AdPage');

export const IdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Ad id.' }),
});

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.array(
        z.object({
          path: z.string().openapi({ example: 'conditions.0.ageStart' }),
          message: z.string(),
        }),
      ),
    }),
  })
  .openapi('Error');
