import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('makes distinct UUID-shaped ids sharing one random prefix per process', () => {
    const ids = Array.from({ length: 5_000 }, () => newRequestId());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(0, 24))).size).toBe(1);
    const [a, b] = [ids[0]!, ids[1]!].map((id) => parseInt(id.slice(24), 16));
    expect(b! - a!).toBe(1);
  });
});
