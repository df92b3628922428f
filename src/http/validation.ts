import type { z } from '@hono/zod-openapi';
import { validationFailed, type ErrorDetail } from '../errors.js';
import { AdBodySchema, type AdBody } from './schemas.js';

/** zod issues as the contract's details: dotted paths (`conditions.0.ageStart`), one per unknown field. */
export function issueDetails(issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ path: [...issue.path, key].join('.'), message: 'unknown field' });
    } else {
      details.push({ path: issue.path.join('.'), message: issue.message });
    }
  }
  return details;
}

/**
 * Validates a parsed create/replace body; `headerProblems` (from `headerDetails`) join the same
 * 400 so a client sees every problem at once.
 */
export function validateAdBody(raw: unknown, headerProblems: readonly ErrorDetail[] = []): AdBody {
  const result = AdBodySchema.safeParse(raw);
  if (result.success && headerProblems.length === 0) return result.data;
  const details = [...headerProblems, ...(result.success ? [] : issueDetails(result.error.issues))];
  throw validationFailed('request is invalid', details);
}
