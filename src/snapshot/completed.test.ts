import { describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { apply } from '../statemachine/apply.js';
import { emptyState } from '../statemachine/state.js';
import { makeAd, T0, HOUR } from '../../test/support/ads.js';
import { decodeState, encodeState } from './codec.js';

const fresh = () => emptyState(createTargetingIndex());

describe('snapshots of completed ads', () => {
  it('a snapshot keeps completion and leaves completed ads out of the rebuilt index', () => {
    const s = fresh();
    const a = makeAd({ startAt: T0, endAt: T0 + 10 * HOUR });
    const b = makeAd({ startAt: T0, endAt: T0 + 10 * HOUR });
    apply(s, { seq: 1, at: T0, type: 'create', ad: a });
    apply(s, { seq: 2, at: T0, type: 'create', ad: b });
    apply(s, { seq: 3, at: T0 + 1, type: 'complete', id: a.id, version: 1 });
    const restored = decodeState(encodeState(s), createTargetingIndex());
    expect(restored.ads.get(a.id)!.completedAt).toBe(T0 + 1);
    expect(restored.index.page({}, T0 + 1, 0, 10).map((x) => x.id)).toEqual([b.id]);
  });
});
