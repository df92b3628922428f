import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeAd, makeInput, HOUR, T0 } from '../../test/support/ads.js';
import { createTargetingIndex } from '../index/targeting-index.js';
import type { Ad } from '../model/ad.js';
import { AppError } from '../model/errors.js';
import { stateFingerprint } from '../../test/support/state.js';
import { apply } from './apply.js';
import { decideBatch, type Outcome } from './decide-batch.js';
import { decide, type Command, type IfMatch } from './decide.js';
import type { Entry } from './entries.js';
import { emptyState, type State } from './state.js';

const limits = { maxAdsPerDay: 6, maxActiveAds: 4 };
const IDS = ['a', 'b', 'c', 'gone', 'x0', 'x1', 'x2', 'nope'];

/** Two live ads, one ad whose expiry is in the log (still stored), and creates close to the daily quota. */
function startingPoint(): { state: State; stored: Map<string, Ad> } {
  const state = emptyState(createTargetingIndex());
  const stored = new Map<string, Ad>();
  const seed = [
    makeAd({ title: 'a', id: 'a', startAt: T0 - HOUR, endAt: T0 + 2 * HOUR }),
    makeAd({ title: 'b', id: 'b', startAt: T0 + HOUR, endAt: T0 + 3 * HOUR }),
    makeAd({ title: 'gone', id: 'gone', startAt: T0 - 3 * HOUR, endAt: T0 - HOUR }),
    makeAd({ title: 'c', id: 'c', startAt: T0, endAt: T0 + 5 * HOUR }),
  ];
  seed.forEach((ad, i) => {
    apply(state, {
      seq: i + 1,
      at: T0 - 1000,
      type: 'create',
      ad,
      idempotency: { key: `seed-${i}`, fingerprint: 'f' },
    });
    stored.set(ad.id, ad);
  });
  apply(state, { seq: 5, at: T0 - 500, type: 'expire', id: 'gone', version: 1 });
  return { state, stored };
}

const ifMatchArb: fc.Arbitrary<IfMatch | undefined> = fc.constantFrom(undefined, '*' as const, 1, 2, 3);
const windowArb = fc.record({ start: fc.integer({ min: -2, max: 3 }), len: fc.integer({ min: 1, max: 4 }) });
const inputOf = (w: { start: number; len: number }) =>
  makeInput({ startAt: T0 + w.start * HOUR, endAt: T0 + (w.start + w.len) * HOUR });

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc
    .record({
      n: fc.integer({ min: 0, max: 2 }),
      w: windowArb,
      key: fc.option(fc.constantFrom('k1', 'k2', 'seed-0'), { nil: undefined }),
      body: fc.constantFrom('f', 'g'),
    })
    .map(({ n, w, key, body }): Command => ({
      type: 'create',
      id: `x${n}`,
      input: inputOf(w),
      ...(key ? { idempotency: { key, fingerprint: body } } : {}),
    })),
  fc
    .record({ id: fc.constantFrom(...IDS), w: windowArb, ifMatch: ifMatchArb })
    .map(({ id, w, ifMatch }): Command => ({ type: 'update', id, input: inputOf(w), ifMatch })),
  fc
    .record({ id: fc.constantFrom(...IDS), ifMatch: ifMatchArb })
    .map((c): Command => ({ type: 'delete', ...c })),
  fc
    .record({ id: fc.constantFrom(...IDS), version: fc.integer({ min: 1, max: 3 }) })
    .map((c): Command => ({ type: 'expire', ...c })),
);

/** What a caller sees of an outcome: the decision and seq, or the contract's error code. */
const seen = (o: Outcome) =>
  'error' in o ? { error: o.error instanceof AppError ? o.error.code : String(o.error) } : o;

/** The reference: each command decided and applied on its own, as a batch of one would be. */
function oneByOne(commands: readonly Command[], now: number) {
  const { state, stored } = startingPoint();
  const entries: Entry[] = [];
  const outcomes: Outcome[] = [];
  for (const command of commands) {
    try {
      const row = command.type === 'create' ? undefined : stored.get(command.id);
      const decision = decide(state, command, { now, limits, stored: row });
      if (decision.kind !== 'append') {
        outcomes.push({ decision });
        continue;
      }
      const entry = { ...decision.entry, seq: state.seq + 1 } as Entry;
      apply(state, entry);
      if (entry.type === 'create' || entry.type === 'update') stored.set(entry.ad.id, entry.ad);
      if (entry.type === 'delete') stored.delete(entry.id);
      entries.push(entry);
      outcomes.push({ decision, seq: entry.seq });
    } catch (error) {
      outcomes.push({ error });
    }
  }
  return { state, entries, outcomes };
}

describe('decideBatch', () => {
  it('decides exactly what the same commands one by one would, and leaves the state untouched', () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 1, maxLength: 14 }),
        fc.integer({ min: 0, max: 3 * HOUR }),
        (commands, later) => {
          const now = T0 + later;
          const reference = oneByOne(commands, now);
          const { state, stored } = startingPoint();
          const before = stateFingerprint(state);
          const batch = decideBatch(state, commands, { now, limits, stored });
          expect(stateFingerprint(state)).toBe(before);
          expect(batch.outcomes.map(seen)).toEqual(reference.outcomes.map(seen));
          expect(batch.entries).toEqual(reference.entries);
          for (const entry of batch.entries) apply(state, entry);
          expect(stateFingerprint(state)).toBe(stateFingerprint(reference.state));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps quotas, If-Match and idempotency exact inside one batch', () => {
    const { state, stored } = startingPoint();
    const now = T0;
    const { outcomes } = decideBatch(
      state,
      [
        { type: 'update', id: 'a', input: inputOf({ start: 0, len: 1 }), ifMatch: 1 },
        { type: 'update', id: 'a', input: inputOf({ start: 0, len: 1 }), ifMatch: 1 },
        {
          type: 'create',
          id: 'x0',
          input: inputOf({ start: 0, len: 2 }),
          idempotency: { key: 'k', fingerprint: 'f' },
        },
        {
          type: 'create',
          id: 'x1',
          input: inputOf({ start: 0, len: 2 }),
          idempotency: { key: 'k', fingerprint: 'f' },
        },
        {
          type: 'create',
          id: 'x2',
          input: inputOf({ start: 0, len: 2 }),
          idempotency: { key: 'k', fingerprint: 'g' },
        },
        { type: 'create', id: 'x3', input: inputOf({ start: 0, len: 2 }) },
        { type: 'create', id: 'x4', input: inputOf({ start: 0, len: 2 }) },
        { type: 'delete', id: 'gone' },
        { type: 'update', id: 'gone', input: inputOf({ start: 0, len: 1 }) },
      ],
      { now, limits: { maxAdsPerDay: 0, maxActiveAds: 4 }, stored },
    );
    expect(outcomes.map(seen).map((o) => ('error' in o ? o.error : o.decision.kind))).toEqual([
      'append',
      'version_mismatch',
      'append',
      'replay',
      'idempotency_key_reused',
      'append',
      'quota_exceeded',
      'append',
      'not_found',
    ]);
    const replayed = outcomes[3]!;
    const first = outcomes[2]!;
    expect('decision' in replayed && replayed.decision.kind === 'replay' && replayed.decision.ad).toEqual(
      'decision' in first &&
        first.decision.kind === 'append' &&
        'ad' in first.decision.entry &&
        first.decision.entry.ad,
    );
  });
});
