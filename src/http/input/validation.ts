import type { z } from '@hono/zod-openapi';
import { validationFailed, type ErrorDetail } from '../../model/errors.js';
import { AdBodySchema, type AdBody } from '../ads/schemas.js';
import { plainMessage } from './plain-words.js';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

const typeMatched = (branch: readonly Issue[]): boolean =>
  !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0);

function collect(issues: readonly Issue[], prefix: Path, out: ErrorDetail[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...path, key].join('.'), message: 'unknown field' });
      continue;
    }
    if (issue.code === 'invalid_union') {
      // A set or a list of sets: when the value's type picks one branch, report that branch's
      // problems at their own paths (`conditions.0.ageStart`) rather than one vague union error.
      const matched = issue.errors.filter(typeMatched);
      if (matched.length === 1) {
        collect(matched[0]!, path, out);
        continue;
      }
    }
    out.push({ path: path.map(String).join('.'), message: plainMessage(issue) });
  }
}

/**
 * zod issues as the contract's details: dotted paths (`conditions.0.ageStart`), one per unknown
 * field, messages in plain words (`plainMessage`).
 */
export function issueDetails(issues: readonly Issue[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  collect(issues, [], details);
  return details;
}

/**
 * Validates a parsed create/replace body; `headerProblems` (from `parseWriteHeaders`) join the same
 * 400 so a client sees every problem at once.
 */
export function validateAdBody(raw: unknown, headerProblems: readonly ErrorDetail[] = []): AdBody {
  const result = AdBodySchema.safeParse(raw);
  if (result.success && headerProblems.length === 0) return result.data;
  const details = [...headerProblems, ...(result.success ? [] : issueDetails(result.error.issues))];
  throw validationFailed('request is invalid', details);
}
