import { commitOne } from '../store/store.contract.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createTargetingIndex } from '../index/targeting-index.js';
import { createMemoryLog } from '../log/memory-log.js';
import type { Entry } from '../statemachine/entries.js';
import { createMemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { makeAd, T0 } from '../../test/support/ads.js';
import { Replica } from './replica.js';

/** Commits a create straight into the store, as another replica would (nothing is published). */
async function commitCreate(store: Store, at: number): Promise<Entry> {
  const entry = await commitOne(store, { afterSeq: 0 }, (ctx) => ({
    type: 'create',
    at,
    ad: makeAd(),
    seq: ctx.head + 1,
  }));
  return entry!;
}

async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return done();
}

const replicas: Replica[] = [];
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.close()));
});

describe('replica', () => {
  it('fills a gap from the store as soon as an entry past it arrives, without a poller', async () => {
    const store = createMemoryStore();
    const replica = new Replica({
      store,
      log: createMemoryLog(),
      createIndex: createTargetingIndex,
      pollIntervalMs: 0,
    });
    replicas.push(replica);
    await replica.recover();
    expect(replica.state.seq).toBe(0);

    const entries: Entry[] = [];
    for (let i = 1; i <= 3; i++) entries.push(await commitCreate(store, T0 + i));
    replica.receive([entries[2]!]);
    expect(replica.knownHead).toBe(3);

    expect(await waitUntil(() => replica.state.seq === 3, 500)).toBe(true);
    expect([...replica.state.ads.keys()]).toEqual(entries.map((e) => (e.type === 'create' ? e.ad.id : '')));
  });

  it('applies entries in seq order whatever order they arrive in, ignoring duplicates', async () => {
    const store = createMemoryStore();
    const entries: Entry[] = [];
    for (let i = 1; i <= 3; i++) entries.push(await commitCreate(store, T0 + i));
    const applied: number[] = [];
    const ordered = new Replica({
      store,
      log: createMemoryLog(),
      createIndex: createTargetingIndex,
      onApplied: (e) => applied.push(e.seq),
    });
    replicas.push(ordered);
    ordered.receive([entries[1]!, entries[0]!, entries[1]!]);
    expect(applied).toEqual([1, 2]);
    ordered.receive([entries[0]!, entries[2]!]);
    expect(applied).toEqual([1, 2, 3]);
    expect(ordered.state.seq).toBe(3);
  });
});
