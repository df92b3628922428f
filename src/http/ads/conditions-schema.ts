import { z } from '@hono/zod-openapi';
import { GENDERS, PLATFORMS } from '../../model/ad.js';
import { toCountryCode } from './countries.js';

/** Request schemas of targeting conditions. `null` fields mean "absent"; unknown fields are errors. */

const age = z
  .int({ error: 'must be an integer' })
  .min(1, { error: 'must be at least 1' })
  .max(100, { error: 'must be at most 100' });

const nonEmptyList = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item, { error: `must be a list of ${what}` })
    .min(1, { error: 'must not be empty (leave the field out instead)' });

export const GenderSchema = z.enum(GENDERS, { error: 'must be "M" or "F"' });
export const PlatformSchema = z.enum(PLATFORMS, { error: 'must be "android", "ios" or "web"' });
export const CountrySchema = z
  .string({ error: 'must be a string' })
  .refine((s) => toCountryCode(s) !== undefined, { error: 'must be an assigned ISO 3166-1 alpha-2 code' })
  .openapi({
    pattern: '^[A-Za-z]{2}$',
    description: 'ISO 3166-1 alpha-2 code, any letter case; stored upper case',
    example: 'TW',
  });

export const ConditionSetSchema = z
  .object(
    {
      ageStart: age.nullish().openapi({ description: 'Lower age bound (inclusive).', example: 20 }),
      ageEnd: age.nullish().openapi({ description: 'Upper age bound (inclusive).', example: 30 }),
      gender: nonEmptyList(GenderSchema, 'genders').nullish(),
      country: nonEmptyList(CountrySchema, 'country codes').nullish(),
      platform: nonEmptyList(PlatformSchema, 'platforms').nullish(),
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be a condition set (an object)' : undefined) },
  )
  .strict()
  .superRefine((set, ctx) => {
    if (typeof set.ageStart === 'number' && typeof set.ageEnd === 'number' && set.ageStart > set.ageEnd) {
      ctx.addIssue({ code: 'custom', path: ['ageEnd'], message: 'must not be less than ageStart' });
    }
  })
  .openapi('ConditionSetInput', {
    description:
      'One condition set. Every field is optional; a missing or null field does not restrict. ' +
      'Duplicates inside a list are removed.',
  });

export const ConditionsSchema = z
  .union([ConditionSetSchema, z.array(ConditionSetSchema)], {
    error: 'must be a condition set, a list of condition sets, or null',
  })
  .nullish()
  .openapi({
    description:
      'Absent, null, {} or [] target everyone. One set, or a list of sets matched with OR; ' +
      'a list containing {} targets everyone.',
  });

/** A normalised condition set as the API answers it. */
export const ConditionSetOutSchema = z
  .object({
    ageStart: z.int().min(1).max(100).optional(),
    ageEnd: z.int().min(1).max(100).optional(),
    gender: z.array(z.enum(GENDERS)).min(1).optional(),
    country: z
      .array(z.string().openapi({ pattern: '^[A-Z]{2}$' }))
      .min(1)
      .optional(),
    platform: z.array(z.enum(PLATFORMS)).min(1).optional(),
  })
  .strict()
  .openapi('ConditionSet');
