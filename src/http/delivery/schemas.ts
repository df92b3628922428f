import { z } from '@hono/zod-openapi';
import type { AdQuery } from '../../model/ad.js';
import { validationFailed } from '../../model/errors.js';
import type { DecisionRequest } from '../../delivery/decider.js';
import { CountrySchema, GenderSchema, PlatformSchema } from '../ads/conditions-schema.js';
import { toCountryCode } from '../ads/countries.js';
import { CreativeOutSchema } from '../ads/delivery-schema.js';
import { issueDetails } from '../input/validation.js';

/** Request and answer schemas of `POST /api/v1/decisions`; the same objects validate and describe. */

export const MAX_DECISION_COUNT = 20;
export const MAX_EXCLUDE = 100;
export const MAX_USER_KEY_LENGTH = 128;
export const MAX_AD_ID_LENGTH = 128;

const objectOrNull = (what: string) => (iss: { code: string }) =>
  iss.code === 'invalid_type' ? `must be ${what} (an object) or null` : undefined;

const UserSchema = z
  .object(
    {
      key: z
        .string({ error: 'must be a string' })
        .min(1, { error: 'must not be empty' })
        .max(MAX_USER_KEY_LENGTH, { error: `must be at most ${MAX_USER_KEY_LENGTH} characters` })
        .nullish()
        .openapi({
          description:
            'Who is viewing (the platform’s user or device id), 1..128 characters. Frequency caps are kept per key.',
          example: 'u-8f2c',
        }),
    },
    { error: objectOrNull('a user') },
  )
  .strict()
  .nullish()
  .openapi('DecisionUser');

const ViewerSchema = z
  .object(
    {
      age: z
        .int({ error: 'must be an integer' })
        .min(1, { error: 'must be at least 1' })
        .max(100, { error: 'must be at most 100' })
        .nullish()
        .openapi({ example: 24 }),
      gender: GenderSchema.nullish(),
      country: CountrySchema.nullish(),
      platform: PlatformSchema.nullish(),
    },
    { error: objectOrNull('a viewer') },
  )
  .strict()
  .nullish()
  .openapi('DecisionViewer', {
    description:
      'Who the ads are for; each field optional, with the public query’s rules (country in any case).',
  });

export const DecisionRequestSchema = z
  .object(
    {
      user: UserSchema,
      viewer: ViewerSchema,
      count: z
        .int({ error: 'must be an integer' })
        .min(1, { error: 'must be at least 1' })
        .max(MAX_DECISION_COUNT, { error: `must be at most ${MAX_DECISION_COUNT}` })
        .nullish()
        .openapi({ description: 'How many distinct ads are wanted, 1..20; default 1.', example: 3 }),
      exclude: z
        .array(
          z
            .string({ error: 'must be a string' })
            .min(1, { error: 'must not be empty' })
            .max(MAX_AD_ID_LENGTH, { error: `must be at most ${MAX_AD_ID_LENGTH} characters` }),
          { error: 'must be a list of ad ids' },
        )
        .max(MAX_EXCLUDE, { error: `must hold at most ${MAX_EXCLUDE} ad ids` })
        .nullish()
        .openapi({ description: 'Ad ids that must not be chosen (at most 100).' }),
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'request body must be a JSON object' : undefined) },
  )
  .strict()
  .openapi('DecisionRequest', { description: 'Unknown fields are rejected.' });

export const DecisionSchema = z
  .object({
    adId: z.string(),
    title: z.string(),
    creative: CreativeOutSchema,
    decisionId: z.string().openapi({ description: 'Unique in the cluster.' }),
    impressionUrl: z
      .string()
      .openapi({ description: 'A path (`/api/v1/t/…`): fire it when the ad is shown.' }),
    clickUrl: z.string().openapi({ description: 'A path (`/api/v1/t/…`): send the click through it.' }),
    expiresAt: z.string().openapi({ format: 'date-time', description: 'After it the URLs answer 410.' }),
  })
  .openapi('Decision');

export const DecisionAnswerSchema = z
  .object({ decisions: z.array(DecisionSchema) })
  .openapi('DecisionAnswer', {
    description: 'At most `count` ads, in the order chosen; `[]` when none is eligible.',
  });

/** Validates a parsed decision body into the decider's request. */
export function toDecisionRequest(raw: unknown): DecisionRequest {
  const result = DecisionRequestSchema.safeParse(raw);
  if (!result.success) throw validationFailed('request is invalid', issueDetails(result.error.issues));
  const { user, viewer, count, exclude } = result.data;
  const query: { -readonly [K in keyof AdQuery]: AdQuery[K] } = {};
  if (viewer?.age != null) query.age = viewer.age;
  if (viewer?.gender != null) query.gender = viewer.gender;
  if (viewer?.country != null) query.country = toCountryCode(viewer.country);
  if (viewer?.platform != null) query.platform = viewer.platform;
  return {
    userKey: user?.key ?? undefined,
    viewer: query,
    count: count ?? 1,
    exclude: new Set(exclude ?? []),
  };
}
