import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys recursively and drops white space', () => {
    const a = JSON.parse('{ "b": 1, "a": { "y": [1, {"q": 2, "p": null}], "x": "s" } }') as unknown;
    expect(canonicalJson(a)).toBe('{"a":{"x":"s","y":[1,{"p":null,"q":2}]},"b":1}');
  });

  it('gives equal fingerprints to the same JSON value only', () => {
    const a = JSON.parse('{"title":"t","conditions":[{"country":["TW"],"ageStart":1}]}') as unknown;
    const b = JSON.parse('{"conditions":[{"ageStart":1.0,"country":["TW"]}],\n "title":"t"}') as unknown;
    const c = JSON.parse('{"conditions":[{"country":["TW"],"ageStart":2}],"title":"t"}') as unknown;
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(c));
    expect(fingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps list order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('escapes keys and strings as JSON does', () => {
    expect(canonicalJson({ 'a"b': 'c\nd' })).toBe('{"a\\"b":"c\\nd"}');
  });
});
