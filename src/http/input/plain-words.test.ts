import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { issueDetails } from './validation.js';

const details = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('accepted');
  return issueDetails(result.error.issues);
};
const message = (schema: z.ZodType, value: unknown) => details(schema, value).map((d) => d.message);

describe('plain words for zod’s own messages', () => {
  it.each<[string, z.ZodType, unknown, string]>([
    ['missing', z.object({ a: z.string() }), {}, 'is required'],
    ['a string expected', z.string(), 5, 'must be a string'],
    ['an integer expected', z.int(), 1.5, 'must be an integer'],
    ['a number given a string', z.number(), '1', 'must be a number'],
    ['null', z.object({ a: z.string() }), { a: null }, 'must be a string, not null'],
    ['an object expected', z.object({}), [], 'must be an object'],
    ['a list expected', z.array(z.string()), {}, 'must be a list'],
    ['a boolean expected', z.boolean(), 'yes', 'must be true or false'],
    ['one of two', z.enum(['impression', 'click']), 'view', 'must be "impression" or "click"'],
    ['one of three', z.enum(['a', 'b', 'c']), 'd', 'must be "a", "b" or "c"'],
    ['empty string', z.string().min(1), '', 'must not be empty'],
    ['short string', z.string().min(3), 'ab', 'must be at least 3 characters'],
    ['long string', z.string().max(128), 'x'.repeat(129), 'must be at most 128 characters'],
    ['one character', z.string().max(1), 'xy', 'must be at most 1 character'],
    ['small number', z.int().min(1), 0, 'must be at least 1'],
    ['big number', z.int().max(10_000), 10_001, 'must be at most 10,000'],
    ['exclusive', z.number().gt(0), 0, 'must be more than 0'],
    ['empty list', z.array(z.int()).min(1), [], 'must not be empty'],
    [
      'long list',
      z.array(z.int()).max(100),
      Array.from({ length: 101 }, () => 1),
      'must hold at most 100 items',
    ],
    ['multiple', z.int().multipleOf(5), 7, 'must be a multiple of 5'],
  ])('%s', (_, schema, value, expected) => {
    expect(message(schema, value)).toEqual([expected]);
  });

  it('keeps a message the schema wrote, and names unknown fields', () => {
    expect(message(z.int().min(1, { error: 'must be 1 or more' }), 0)).toEqual(['must be 1 or more']);
    expect(details(z.object({ a: z.int() }).strict(), { a: 1, b: 2 })).toEqual([
      { path: 'b', message: 'unknown field' },
    ]);
  });

  it('leaves no zod default wording in any detail', () => {
    const schema = z
      .object({
        user: z.object({ key: z.string().min(1).max(128) }).strict(),
        count: z.int().min(1).max(20),
        exclude: z.array(z.string()).max(100),
      })
      .strict();
    const all = details(schema, { user: { key: '', x: 1 }, count: 21, exclude: [1], y: true });
    expect(all.map((d) => d.path).sort()).toEqual(['count', 'exclude.0', 'user.key', 'user.x', 'y']);
    for (const d of all) expect(d.message).toMatch(/^(must|is|unknown)/);
  });
});
