import { z } from '@hono/zod-openapi';
import {
  DEFAULT_DELIVERY,
  DELIVERY_LIMITS as L,
  NO_GOALS,
  PACINGS,
  type Creative,
  type DeliverySettings,
} from '../../model/delivery.js';

/** Request and answer schemas of an ad's `delivery` and `creative`. Unknown fields are errors. */

const objectError = (what: string) => (iss: { code: string }) =>
  iss.code === 'invalid_type' ? `must be ${what} (an object) or null` : undefined;

const intIn = (min: number, max: number) =>
  z
    .int({ error: 'must be an integer' })
    .min(min, { error: `must be at least ${min.toLocaleString('en-US')}` })
    .max(max, { error: `must be at most ${max.toLocaleString('en-US')}` });

const goal = intIn(L.goal.min, L.goal.max)
  .nullish()
  .openapi({ description: `1..10^12, or null for no goal (the default).`, example: 100000 });

export const GoalsSchema = z
  .object(
    {
      impressions: goal.openapi({ description: 'Served decisions over the ad’s life (null: no goal).' }),
      clicks: goal.openapi({ description: 'Counted clicks over the ad’s life (null: no goal).' }),
      dailyImpressions: goal.openapi({ description: 'Served decisions per UTC day (null: no goal).' }),
      dailyClicks: goal.openapi({ description: 'Counted clicks per UTC day (null: no goal).' }),
    },
    { error: objectError('a set of goals') },
  )
  .strict()
  .openapi('GoalsInput');

export const FrequencyCapSchema = z
  .object(
    {
      impressions: intIn(L.capImpressions.min, L.capImpressions.max).openapi({ example: 3 }),
      seconds: intIn(L.capSeconds.min, L.capSeconds.max).openapi({
        description: 'Sliding window, 60 s .. 90 days.',
        example: 3600,
      }),
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be a cap (an object)' : undefined) },
  )
  .strict()
  .openapi('FrequencyCap', {
    description: 'At most `impressions` decisions of the ad for one user key in any window of `seconds`.',
  });

export const DeliverySchema = z
  .object(
    {
      priority: intIn(L.priority.min, L.priority.max).nullish().openapi({
        description: '1..100, default 50. Lower numbers are chosen first.',
        example: 10,
      }),
      weight: intIn(L.weight.min, L.weight.max).nullish().openapi({
        description: '1..1000, default 1. The chance within one priority is weight / sum of weights.',
        example: 3,
      }),
      goals: GoalsSchema.nullish(),
      pacing: z
        .enum(PACINGS, { error: 'must be "asap" or "even"' })
        .nullish()
        .openapi({ description: '`asap` (default) or `even` (needs an impressions goal).' }),
      frequencyCaps: z
        .array(FrequencyCapSchema, { error: 'must be a list of caps' })
        .max(L.caps.max, { error: `must hold at most ${L.caps.max} caps` })
        .nullish()
        .openapi({ description: '0..4 caps per user key.' }),
    },
    { error: objectError('delivery settings') },
  )
  .strict()
  .superRefine((d, ctx) => {
    if (d.pacing === 'even' && d.goals?.impressions == null && d.goals?.dailyImpressions == null) {
      ctx.addIssue({
        code: 'custom',
        path: ['pacing'],
        message: '"even" needs an impressions goal (goals.impressions or goals.dailyImpressions)',
      });
    }
  })
  .nullish()
  .openapi('DeliveryInput', {
    description: 'Absent or null: the defaults. Every missing or null field takes its default.',
  });

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function isHttpUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const CreativeSchema = z
  .object(
    {
      landingUrl: z
        .string({ error: 'must be a string or null' })
        .max(L.landingUrlChars, { error: `must be at most ${L.landingUrlChars} characters` })
        .refine(isHttpUrl, { error: 'must be an absolute http or https URL' })
        .nullish()
        .openapi({ format: 'uri', example: 'https://shop.example/spring' }),
      data: z
        .record(z.string(), z.unknown(), { error: 'must be a JSON object or null' })
        .refine((d) => utf8Bytes(JSON.stringify(d)) <= L.dataBytes, {
          error: `must be at most ${L.dataBytes} bytes as JSON`,
        })
        .nullish()
        .openapi({ description: 'Any JSON object up to 4 KiB serialised.', example: { image: '/a.png' } }),
    },
    { error: objectError('a creative') },
  )
  .strict()
  .nullish()
  .openapi('CreativeInput', {
    description: 'What a platform renders and where a click leads. Shown as sent.',
  });

export type DeliveryBody = z.output<typeof DeliverySchema>;
export type CreativeBody = z.output<typeof CreativeSchema>;

/** Settings from a validated body, every default filled in. */
export function toDelivery(body: DeliveryBody): DeliverySettings {
  if (body == null) return DEFAULT_DELIVERY;
  const g = body.goals;
  return {
    priority: body.priority ?? DEFAULT_DELIVERY.priority,
    weight: body.weight ?? DEFAULT_DELIVERY.weight,
    goals:
      g == null
        ? NO_GOALS
        : {
            impressions: g.impressions ?? null,
            clicks: g.clicks ?? null,
            dailyImpressions: g.dailyImpressions ?? null,
            dailyClicks: g.dailyClicks ?? null,
          },
    pacing: body.pacing ?? DEFAULT_DELIVERY.pacing,
    frequencyCaps: (body.frequencyCaps ?? []).map((c) => ({
      impressions: c.impressions,
      seconds: c.seconds,
    })),
  };
}

export function toCreative(body: CreativeBody): Creative | null {
  if (body == null) return null;
  return { landingUrl: body.landingUrl ?? null, data: body.data ?? null };
}

const goalOut = z.int().min(1).max(L.goal.max).nullable();

/** The settings as every answer shows them: whole, defaults filled in. */
export const DeliveryOutSchema = z
  .object({
    priority: z.int().min(1).max(100),
    weight: z.int().min(1).max(1000),
    goals: z
      .object({ impressions: goalOut, clicks: goalOut, dailyImpressions: goalOut, dailyClicks: goalOut })
      .openapi('Goals'),
    pacing: z.enum(PACINGS),
    frequencyCaps: z.array(
      z.object({ impressions: z.int().min(1).max(1000), seconds: z.int().min(60).max(7_776_000) }),
    ),
  })
  .openapi('Delivery');

export const CreativeOutSchema = z
  .object({
    landingUrl: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .nullable()
  .openapi('Creative');
