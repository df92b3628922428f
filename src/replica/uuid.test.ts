import { describe, expect, it } from 'vitest';
import { randomUUIDv7 } from './uuid.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUUIDv7', () => {
  it('is a version 7, RFC 9562 variant UUID carrying the millisecond time', () => {
    const now = Date.UTC(2026, 10, 30, 12);
    const id = randomUUIDv7(now);
    expect(id).toMatch(V7);
    expect(parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(now);
  });

  it('keeps ids made in the same and later milliseconds in creation order, all distinct', () => {
    const t = Date.UTC(2027, 0, 1);
    // Far more ids than one draw of random bytes holds.
    const ids = Array.from({ length: 5_000 }, (_, i) => randomUUIDv7(t + Math.floor(i / 1_000)));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(V7);
  });

  it('does not repeat its random bits', () => {
    const tails = new Set(Array.from({ length: 2_000 }, () => randomUUIDv7().slice(19)));
    expect(tails.size).toBe(2_000);
  });
});
