/**
 * zod's own English messages ("Too small: expected number to be >=1", "Invalid option: expected
 * one of …") in the plain words of the hand-written ones ("must be at least 1"). A schema's own
 * message is kept; only zod's defaults, recognised by their opening words, are rewritten, so
 * every route speaks alike even where a schema names no message.
 */
import type { z } from '@hono/zod-openapi';

type Issue = z.core.$ZodIssue;

const ZOD_DEFAULT = /^(Invalid|Too small|Too big|Unrecognized)\b/;

const TYPES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  date: 'a date',
  null: 'null',
};

const quoted = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

/** "a", "a or b", "a, b or c". */
const oneOf = (values: readonly unknown[]): string => {
  const q = values.map(quoted);
  return q.length <= 1
    ? (q[0] ?? 'one of the allowed values')
    : `${q.slice(0, -1).join(', ')} or ${q.at(-1)}`;
};

const count = (n: number | bigint, one: string): string =>
  `${n.toLocaleString('en-US')} ${one}${Number(n) === 1 ? '' : 's'}`;

function sized(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  const exclusive = issue.inclusive === false;
  const word = small ? (exclusive ? 'more than' : 'at least') : exclusive ? 'less than' : 'at most';
  switch (issue.origin) {
    case 'string':
      return small && Number(limit) === 1 && !exclusive
        ? 'must not be empty'
        : `must be ${word} ${count(limit, 'character')}`;
    case 'array':
    case 'set':
      return small && Number(limit) === 1 && !exclusive
        ? 'must not be empty'
        : `must hold ${word} ${count(limit, 'item')}`;
    default:
      return `must be ${word} ${limit.toLocaleString('en-US')}`;
  }
}

/** The issue's message in plain words: its own when the schema wrote one, else zod's rewritten. */
export function plainMessage(issue: Issue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      if (/received undefined$/.test(issue.message)) return 'is required';
      const expected = TYPES[issue.expected] ?? issue.expected;
      return /received null$/.test(issue.message) ? `must be ${expected}, not null` : `must be ${expected}`;
    }
    case 'invalid_value':
      return `must be ${oneOf(issue.values)}`;
    case 'too_small':
    case 'too_big':
      return sized(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return 'unknown field';
    case 'invalid_union':
      return 'does not have any of the accepted forms';
    default:
      return 'is not valid';
  }
}
