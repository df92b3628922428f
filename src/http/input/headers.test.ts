import { describe, expect, it } from 'vitest';
import { idempotencyKeyProblem, parseIfMatch, parseWriteHeaders } from './headers.js';

describe('parseIfMatch', () => {
  it.each([
    ['"3"', 3],
    ['3', 3],
    ['W/"3"', 3],
    [' "12" ', 12],
    ['*', '*'],
  ])('accepts %j', (header, expected) => {
    expect(parseIfMatch(header)).toBe(expected);
  });

  it('treats an absent header as no condition, and parses a present one once', () => {
    expect(parseWriteHeaders(undefined)).toEqual({ ifMatch: undefined, details: [] });
    expect(parseWriteHeaders('W/"7"')).toEqual({ ifMatch: 7, details: [] });
    expect(parseWriteHeaders('*')).toEqual({ ifMatch: '*', details: [] });
  });

  it.each(['', '"3', '3"', 'W/3', 'w/"3"', '"a"', '-1', '3.0', '"1", "2"', '**', 'W/*', '1234567890123456'])(
    'rejects %j',
    (header) => {
      expect(parseIfMatch(header)).toBeUndefined();
    },
  );
});

describe('Idempotency-Key', () => {
  it('accepts 1..200 characters', () => {
    expect(idempotencyKeyProblem('k')).toBeUndefined();
    expect(idempotencyKeyProblem('k'.repeat(200))).toBeUndefined();
  });

  it('rejects empty and over-long keys', () => {
    expect(idempotencyKeyProblem('')).toMatch(/empty/);
    expect(idempotencyKeyProblem('k'.repeat(201))).toMatch(/200/);
  });

  it('reports header problems as details', () => {
    expect(parseWriteHeaders('nope', '')).toEqual({
      ifMatch: undefined,
      details: [
        { path: 'If-Match', message: expect.any(String) as string },
        { path: 'Idempotency-Key', message: 'must not be empty' },
      ],
    });
    expect(parseWriteHeaders(undefined, undefined)).toEqual({ ifMatch: undefined, details: [] });
  });
});
