import { commitOne } from '../store/store.contract.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { createMemoryLog } from '../log/memory-log.js';
import { encodeState } from '../snapshot/codec.js';
import { apply } from '../statemachine/apply.js';
import { decide, type Command } from '../statemachine/decide.js';
import type { Entry } from '../statemachine/entries.js';
import { emptyState } from '../statemachine/state.js';
import { createMemoryStore } from '../store/memory-store.js';
import { makeInput, T0, HOUR } from '../../test/support/ads.js';
import { Replica } from './replica.js';
import { propertyRuns } from '../../test/support/property-runs.js';

const limits = { maxAdsPerDay: 5, maxActiveAds: 4 };

const commandArb = fc.oneof(
  fc.record({
    type: fc.constant('create' as const),
    start: fc.integer({ min: -3, max: 3 }),
    len: fc.integer({ min: 1, max: 6 }),
    key: fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: undefined }),
  }),
  fc.record({ type: fc.constant('update' as const), pick: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ type: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('expire' as const), pick: fc.nat() }),
  fc.record({ type: fc.constant('complete' as const), pick: fc.nat() }),
);

/** Runs random commands through `decide` to produce a realistic committed log. */
type GenCommand = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

function makeLog(cmds: GenCommand[]): Entry[] {
  const s = emptyState(createTargetingIndex());
  const log: Entry[] = [];
  let now = T0;
  cmds.forEach((c, i) => {
    now += HOUR;
    const ids = [...s.ads.keys()];
    const pick = (n: number) => ids[n % Math.max(ids.length, 1)] ?? 'missing';
    let cmd: Command;
    if (c.type === 'create') {
      const input = makeInput({ startAt: now + c.start * HOUR, endAt: now + (c.start + c.len) * HOUR });
      cmd = {
        type: 'create',
        id: `ad-${i}`,
        input,
        idempotency: c.key ? { key: c.key, fingerprint: 'f' } : undefined,
      };
    } else if (c.type === 'update') {
      cmd = {
        type: 'update',
        id: pick(c.pick),
        input: makeInput({ startAt: now, endAt: now + c.len * HOUR }),
      };
    } else if (c.type === 'delete') {
      cmd = { type: 'delete', id: pick(c.pick) };
    } else {
      const id = pick(c.pick);
      cmd = { type: c.type, id, version: s.ads.get(id)?.version ?? 1 };
    }
    try {
      const d = decide(s, cmd, { now, limits });
      if (d.kind === 'append') {
        const entry = { ...d.entry, seq: s.seq + 1 } as Entry;
        apply(s, entry);
        log.push(entry);
      }
    } catch {
      // a refused command appends nothing
    }
  });
  return log;
}

async function replicaFed(log: Entry[], deliveries: Entry[][]): Promise<string> {
  const store = createMemoryStore();
  for (const e of log) await commitOne(store, { afterSeq: e.seq - 1 }, () => e);
  const replica = new Replica({ store, log: createMemoryLog(), createIndex: createTargetingIndex });
  for (const batch of deliveries) replica.receive(batch);
  await replica.fill();
  return encodeState(replica.state);
}

describe('determinism', () => {
  it('the same entries, duplicated, re-sent and shuffled, give identical state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        async (cmds, noise) => {
          const log = makeLog(cmds);
          const inOrder = await replicaFed(log, [log]);
          const messy: Entry[][] = noise.map((n) =>
            log.slice(n % (log.length + 1), (n % (log.length + 1)) + (n % 4)),
          );
          messy.push([...log].reverse(), log, log);
          const shuffled = await replicaFed(log, messy);
          expect(shuffled).toBe(inOrder);
          const direct = emptyState(createTargetingIndex());
          for (const e of [...log, ...log]) apply(direct, e);
          expect(encodeState(direct)).toBe(inOrder);
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });
});
