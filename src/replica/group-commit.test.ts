import { afterEach, describe, expect, it } from 'vitest';
import { makeInput } from '../../test/support/ads.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { createManualClock } from '../clock/clock.js';
import { AppError } from '../model/errors.js';
import { createMemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A memory store that counts transactions and can refuse them after `prepare` ran. */
function instrumentedStore() {
  const inner = createMemoryStore({ clock: createManualClock(Date.UTC(2026, 11, 1, 12)) });
  const batches: number[] = [];
  let fail = false;
  const commitBatch: Store['commitBatch'] = (request, prepare) =>
    inner.commitBatch(request, (ctx) => {
      const entries = prepare(ctx);
      batches.push(entries.length);
      if (fail && entries.length > 0) throw new Error('connection lost during COMMIT');
      return entries;
    });
  const store: Store = { ...inner, commitBatch };
  return { store, batches, failCommits: (on: boolean) => void (fail = on) };
}

const codeOf = (r: PromiseSettledResult<unknown>) =>
  r.status === 'fulfilled' ? 'ok' : r.reason instanceof AppError ? r.reason.code : String(r.reason);

describe('group commit', () => {
  it('decides concurrent writes in batches, as exactly as one by one', async () => {
    const { store, batches } = instrumentedStore();
    t = await createTestApp({ store, maxAdsPerDay: 10 });
    const { service } = t;
    const creates = await Promise.allSettled(Array.from({ length: 30 }, () => service.create(makeInput())));
    expect(creates.filter((r) => codeOf(r) === 'ok')).toHaveLength(10);
    expect(creates.filter((r) => codeOf(r) === 'quota_exceeded')).toHaveLength(20);
    expect(batches.length).toBeLessThan(30);
    expect(Math.max(...batches)).toBeGreaterThan(1);
    const log = await store.readLog(0, 100);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));

    const target = creates.find((r) => r.status === 'fulfilled')!;
    const id = (target as PromiseFulfilledResult<{ ad: { id: string } }>).value.ad.id;
    const puts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => service.update(id, makeInput({ title: `t${i}` }), 1)),
    );
    expect(puts.map(codeOf).sort()).toEqual(['ok', ...Array<string>(7).fill('version_mismatch')]);

    const deletes = await Promise.allSettled(Array.from({ length: 6 }, () => service.delete(id)));
    expect(deletes.map(codeOf).sort()).toEqual([...Array<string>(5).fill('not_found'), 'ok']);
  });

  it('answers concurrent creates with one idempotency key with one ad', async () => {
    const { store } = instrumentedStore();
    t = await createTestApp({ store, maxAdsPerDay: 1 });
    const { service } = t;
    const stamp = { key: 'same-key', fingerprint: 'f' };
    const keyed = await Promise.all(Array.from({ length: 6 }, () => service.create(makeInput(), stamp)));
    expect(new Set(keyed.map((k) => k.ad.id)).size).toBe(1);
    expect(keyed.filter((k) => !k.replayed)).toHaveLength(1);
    expect(await store.headSeq()).toBe(1);
  });

  it('a batch whose transaction fails leaves memory exactly as the store has it', async () => {
    const { store, failCommits } = instrumentedStore();
    t = await createTestApp({ store });
    const { service } = t;
    const first = await service.create(makeInput({ title: 'kept' }));
    const before = {
      stats: service.stats(),
      page: service.query({}, 0, 100),
      one: await service.get(first.ad.id),
    };

    failCommits(true);
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, () => service.create(makeInput())),
      service.update(first.ad.id, makeInput({ title: 'lost' })),
      service.delete(first.ad.id),
    ]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(service.stats()).toEqual(before.stats);
    expect(service.query({}, 0, 100)).toEqual(before.page);
    expect(await service.get(first.ad.id)).toEqual(before.one);
    expect(await store.headSeq()).toBe(before.stats.appliedSeq);

    failCommits(false);
    const after = await service.update(first.ad.id, makeInput({ title: 'changed' }), 1);
    expect(after.version).toBe(2);
    expect(service.stats().appliedSeq).toBe(before.stats.appliedSeq + 1);
  });
});
