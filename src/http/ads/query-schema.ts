import { z } from '@hono/zod-openapi';
import { GENDERS, PLATFORMS } from '../../model/ad.js';
import { toCountryCode } from './countries.js';

/**
 * The public query's parameters as zod sees them (`Record<string, string | string[]>`, a repeated
 * parameter being a list). It documents the route in /openapi.json and is the reference the fast
 * parser in `query.ts` is tested against; the hot path itself does not run it. Unknown
 * parameters are ignored, so this object is not strict.
 */

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 100;

const integer = (min: number, max: number, what: string) =>
  z
    .string({ error: 'must be given once' })
    .regex(/^[0-9]+$/, { error: `must be ${what}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { error: `must be ${what}` })
        .max(max, { error: `must be ${what}` }),
    );

export const PublicQuerySchema = z.object({
  offset: integer(0, Number.MAX_SAFE_INTEGER, 'an integer >= 0')
    .optional()
    .openapi({
      param: { name: 'offset', in: 'query' },
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'How many matches to skip (0-based).',
    }),
  limit: integer(1, MAX_LIMIT, `an integer 1..${MAX_LIMIT}`)
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      type: 'integer',
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
    }),
  age: integer(1, 100, 'an integer 1..100')
    .optional()
    .openapi({ param: { name: 'age', in: 'query' }, type: 'integer', minimum: 1, maximum: 100 }),
  gender: z
    .enum(GENDERS, { error: 'must be M or F' })
    .optional()
    .openapi({ param: { name: 'gender', in: 'query' } }),
  country: z
    .string({ error: 'must be given once' })
    .refine((s) => toCountryCode(s) !== undefined, { error: 'must be an assigned ISO 3166-1 alpha-2 code' })
    .optional()
    .openapi({
      param: { name: 'country', in: 'query' },
      pattern: '^[A-Za-z]{2}$',
      description: 'ISO 3166-1 alpha-2, any letter case.',
    }),
  platform: z
    .enum(PLATFORMS, { error: 'must be android, ios or web' })
    .optional()
    .openapi({ param: { name: 'platform', in: 'query' } }),
});
