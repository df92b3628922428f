import { describe, expect, it } from 'vitest';
import { isJsonContentType } from './body.js';

describe('isJsonContentType', () => {
  it.each([
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/json;charset="UTF-8"',
    'application/json; foo=bar',
  ])('accepts %j', (type) => {
    expect(isJsonContentType(type)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/jsonx',
    'application/problem+json',
    'application/json; charset=latin1',
  ])('rejects %j', (type) => {
    expect(isJsonContentType(type)).toBe(false);
  });
});
