import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ad } from '../model/ad.js';
import type { Entry, EntryDraft } from '../statemachine/entries.js';
import { IDEMPOTENCY_KEY_TTL_MS, type BatchContext, type Store } from './store.js';

/** What an adapter's test file provides for each test: a store on fresh, empty storage. */
export interface StoreHarness {
  readonly store: Store;
  /** Opens the same storage again after `store.close()`; given by durable adapters. */
  readonly reopen?: () => Promise<Store>;
  /** The `seq`s of the stored snapshots, ascending; lets the suite check the keep rule. */
  readonly snapshotSeqs?: () => Promise<number[]>;
  /** Runs after every test; must tolerate an already closed `store`. */
  readonly cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2030, 0, 1);

export function testAd(id: string, overrides: Partial<Ad> = {}): Ad {
  return {
    id,
    title: `ad ${id}`,
    startAt: T0,
    endAt: T0 + 86_400_000,
    conditions: [{ ageStart: 20, ageEnd: 30, country: ['TW', 'JP'], platform: ['ios'] }, { gender: ['F'] }],
    delivery: {
      priority: 3,
      weight: 700,
      goals: { impressions: 1e12, clicks: null, dailyImpressions: 50, dailyClicks: 2 },
      pacing: 'even',
      frequencyCaps: [{ impressions: 2, seconds: 60 }],
    },
    creative: { landingUrl: 'https://a.example/é?x=1', data: { html: '<b>é</b>', n: [1, null, { x: 2.5 }] } },
    version: 1,
    createdAt: T0 - 1000,
    updatedAt: T0 - 1000,
    ...overrides,
  };
}

const withSeq = (draft: EntryDraft, seq: number): Entry => ({ ...draft, seq });

/** What `commitOne` hands to `prepare`: a batch's context with the one ad's stored row. */
export interface CommitContext extends Omit<BatchContext, 'stored'> {
  readonly stored: Ad | undefined;
}

/**
 * `commitBatch` of at most one entry about at most one ad (`adId`), for tests: resolves with the
 * entry committed, or `undefined` when `prepare` returned none. Same guarantees.
 */
export async function commitOne(
  store: Pick<Store, 'commitBatch'>,
  request: { readonly afterSeq: number; readonly adId?: string | undefined },
  prepare: (ctx: CommitContext) => Entry | undefined,
): Promise<Entry | undefined> {
  const { adId } = request;
  const entries = await store.commitBatch(
    { afterSeq: request.afterSeq, adIds: adId === undefined ? [] : [adId] },
    (ctx) => {
      const entry = prepare({ ...ctx, stored: adId === undefined ? undefined : ctx.stored.get(adId) });
      return entry ? [entry] : [];
    },
  );
  return entries[0];
}

/** The stored ads among `ids` that are neither expired nor deleted, by id. */
export async function liveAmong(store: Pick<Store, 'getAd'>, ids: readonly string[]): Promise<Ad[]> {
  const found = await Promise.all([...ids].sort().map((id) => store.getAd(id)));
  return found.flatMap((row) => (row !== undefined && !row.expired ? [row.ad] : []));
}

/** Commits `draft` at the next `seq`, the way the write path does. */
export function append(store: Store, draft: EntryDraft, afterSeq = 0): Promise<Entry | undefined> {
  const adId = 'ad' in draft ? draft.ad.id : draft.id;
  return commitOne(store, { afterSeq, adId }, (ctx) => withSeq(draft, ctx.head + 1));
}

const create = (ad: Ad, at = T0): EntryDraft => ({ type: 'create', at, ad });
const seqs = (entries: readonly Entry[]): number[] => entries.map((e) => e.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The behaviour every `Store` adapter must show (see the TSDoc of `Store`). */
export function storeContract(name: string, make: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await make();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    async function expectUnchanged(head: number, ad?: Ad): Promise<void> {
      expect(await store.headSeq()).toBe(head);
      expect(seqs(await store.readLog(0, 1000))).toEqual(range(1, head));
      if (ad) expect(await store.getAd(ad.id)).toEqual({ ad, expired: false });
    }

    it('starts empty', async () => {
      expect(await store.headSeq()).toBe(0);
      expect(await store.readLog(0, 10)).toEqual([]);
      expect(await store.getAd('a')).toBeUndefined();
      expect(await store.latestSnapshot()).toBeUndefined();
    });

    it('gives each commit head + 1 and reads the log in order, page by page', async () => {
      const committed: Entry[] = [];
      for (let i = 1; i <= 5; i++) {
        const entry = await append(store, create(testAd(`a${i}`), T0 + i));
        expect(entry?.seq).toBe(i);
        committed.push(entry!);
      }
      expect(await store.headSeq()).toBe(5);
      expect(await store.readLog(0, 100)).toEqual(committed);
      expect(seqs(await store.readLog(2, 2))).toEqual([3, 4]);
      expect(seqs(await store.readLog(4, 10))).toEqual([5]);
      expect(await store.readLog(5, 10)).toEqual([]);
      expect(await store.readLog(0, 0)).toEqual([]);
    });

    it('round-trips entries exactly, idempotency stamp included', async () => {
      const stamp = { key: 'k-1', fingerprint: 'f-1' };
      const entry = await append(store, { type: 'create', at: T0, ad: testAd('a'), idempotency: stamp });
      expect(entry).toEqual({ type: 'create', seq: 1, at: T0, ad: testAd('a'), idempotency: stamp });
      expect(await store.readLog(0, 10)).toEqual([entry]);
    });

    it('hands prepare the head, the tail after afterSeq and the stored ad', async () => {
      await append(store, create(testAd('a')));
      await append(store, create(testAd('b')));
      const updated = testAd('a', { version: 2, title: 'new' });
      await append(store, { type: 'update', at: T0 + 1, ad: updated });

      const seen: CommitContext[] = [];
      await commitOne(store, { afterSeq: 1, adId: 'a' }, (ctx) => void seen.push(ctx));
      await commitOne(store, { afterSeq: 3, adId: 'zz' }, (ctx) => void seen.push(ctx));
      await commitOne(store, { afterSeq: 0 }, (ctx) => void seen.push(ctx));
      expect(seen.map((c) => c.head)).toEqual([3, 3, 3]);
      expect(seen.map((c) => seqs(c.tail))).toEqual([[2, 3], [], [1, 2, 3]]);
      expect(seen[0]?.tail[1]).toEqual({ type: 'update', seq: 3, at: T0 + 1, ad: updated });
      expect(seen.map((c) => c.stored)).toEqual([updated, undefined, undefined]);
    });

    it('hands prepare an expired ad as stored', async () => {
      const ad = testAd('a');
      await append(store, create(ad));
      await append(store, { type: 'expire', at: T0 + 1, id: 'a', version: 1 });
      let stored: Ad | undefined;
      await commitOne(store, { afterSeq: 2, adId: 'a' }, (ctx) => void (stored = ctx.stored));
      expect(stored).toEqual(ad);
    });

    it('commits a batch at consecutive seqs, all or nothing', async () => {
      const a = testAd('a');
      await append(store, create(a));
      const batch = await store.commitBatch({ afterSeq: 1, adIds: ['a', 'zz'] }, (ctx) => {
        expect([...ctx.stored.keys()]).toEqual(['a']);
        return [
          withSeq(create(testAd('b')), ctx.head + 1),
          withSeq({ type: 'update', at: T0, ad: testAd('a', { version: 2 }) }, ctx.head + 2),
          withSeq({ type: 'delete', at: T0, id: 'b' }, ctx.head + 3),
        ];
      });
      expect(seqs(batch)).toEqual([2, 3, 4]);
      expect(await store.readLog(0, 10)).toEqual([(await store.readLog(0, 1))[0], ...batch]);
      expect(await store.getAd('b')).toBeUndefined();
      expect((await store.getAd('a'))?.ad.version).toBe(2);

      const next = (seq: number) => withSeq(create(testAd(`c${seq}`)), seq);
      await expect(store.commitBatch({ afterSeq: 4 }, () => [next(5), next(7)])).rejects.toThrow();
      await expect(store.commitBatch({ afterSeq: 4 }, () => [next(5), next(5)])).rejects.toThrow();
      await expectUnchanged(4);
      expect(await store.commitBatch({ afterSeq: 4 }, () => [])).toEqual([]);
      await expectUnchanged(4);
    });

    it("hands prepare the store's clock, read inside the transaction", async () => {
      const before = Date.now();
      const seen: number[] = [];
      await store.commitBatch({ afterSeq: 0 }, (ctx) => {
        seen.push(ctx.now);
        return [];
      });
      await commitOne(store, { afterSeq: 0 }, (ctx) => void seen.push(ctx.now));
      for (const now of seen) expect(Math.abs(now - before)).toBeLessThan(60_000);
      expect(seen[1]).toBeGreaterThanOrEqual(seen[0]!);
    });

    it('writes nothing and rethrows when prepare throws', async () => {
      const ad = testAd('a');
      await append(store, create(ad));
      const boom = new Error('boom');
      await expect(
        commitOne(store, { afterSeq: 1, adId: 'a' }, () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      await expectUnchanged(1, ad);
      expect((await append(store, create(testAd('b'))))?.seq).toBe(2);
    });

    it('writes nothing when prepare returns undefined', async () => {
      const ad = testAd('a');
      await append(store, create(ad));
      expect(await commitOne(store, { afterSeq: 1, adId: 'a' }, () => undefined)).toBeUndefined();
      await expectUnchanged(1, ad);
    });

    it('rejects an entry whose seq is not head + 1, writing nothing', async () => {
      const ad = testAd('a');
      await append(store, create(ad));
      const update: EntryDraft = { type: 'update', at: T0, ad: testAd('a', { version: 2 }) };
      for (const seq of [0, 1, 3, 10]) {
        await expect(
          commitOne(store, { afterSeq: 1, adId: 'a' }, () => withSeq(update, seq)),
        ).rejects.toThrow();
      }
      await expectUnchanged(1, ad);
    });

    it('a complete entry is in the log only: the ads table keeps the ad as it was', async () => {
      const a = testAd('a');
      const b = testAd('b');
      await append(store, create(a));
      await append(store, create(b));
      await append(store, { type: 'complete', at: T0 + 1, id: 'a', version: 1 }, 2);
      // In one batch with other changes (one statement in Postgres) as well.
      await store.commitBatch({ afterSeq: 3, adIds: ['b'] }, (ctx) => [
        { seq: ctx.head + 1, type: 'complete', at: T0 + 2, id: 'b', version: 1 },
        { seq: ctx.head + 2, type: 'create', at: T0 + 2, ad: testAd('c') },
      ]);
      expect((await store.readLog(2, 10)).map((e) => e.type)).toEqual(['complete', 'complete', 'create']);
      expect(await store.getAd('a')).toEqual({ ad: a, expired: false });
      expect(await store.getAd('b')).toEqual({ ad: b, expired: false });
      expect(await liveAmong(store, ['a', 'b', 'c'])).toHaveLength(3);
    });

    it('applies create, update and delete to the ads table', async () => {
      const a1 = testAd('a');
      await append(store, create(a1));
      await append(store, create(testAd('b')));
      expect(await store.getAd('a')).toEqual({ ad: a1, expired: false });

      const a2 = testAd('a', { version: 2, endAt: T0 + 5, updatedAt: T0 });
      await append(store, { type: 'update', at: T0, ad: a2 });
      expect(await store.getAd('a')).toEqual({ ad: a2, expired: false });
      expect(await liveAmong(store, ['a', 'b'])).toHaveLength(2);

      await append(store, { type: 'delete', at: T0, id: 'b' });
      expect(await store.getAd('b')).toBeUndefined();
      expect(await liveAmong(store, ['a', 'b'])).toEqual([a2]);
    });

    it('expires only the version named, and an update makes the ad live again', async () => {
      const a1 = testAd('a');
      const a2 = testAd('a', { version: 2 });
      await append(store, create(a1));
      await append(store, { type: 'update', at: T0, ad: a2 });

      await append(store, { type: 'expire', at: T0, id: 'a', version: 1 });
      expect(await store.getAd('a')).toEqual({ ad: a2, expired: false });
      await append(store, { type: 'expire', at: T0, id: 'missing', version: 1 });
      expect(await store.headSeq()).toBe(4);

      await append(store, { type: 'expire', at: T0, id: 'a', version: 2 });
      expect(await store.getAd('a')).toEqual({ ad: a2, expired: true });
      expect(await liveAmong(store, ['a'])).toEqual([]);

      const a3 = testAd('a', { version: 3, endAt: T0 + 2 * 86_400_000 });
      await append(store, { type: 'update', at: T0, ad: a3 });
      expect(await store.getAd('a')).toEqual({ ad: a3, expired: false });
      expect(await liveAmong(store, ['a'])).toEqual([a3]);

      await append(store, { type: 'expire', at: T0, id: 'a', version: 3 });
      await append(store, { type: 'delete', at: T0, id: 'a' });
      expect(await store.getAd('a')).toBeUndefined();
    });

    it('lists expired ads newest first, after a position, up to a limit', async () => {
      const made = [
        testAd('a', { createdAt: T0 - 3000 }),
        testAd('b', { createdAt: T0 - 1000 }),
        testAd('c', { createdAt: T0 - 1000 }),
        testAd('d', { createdAt: T0 - 2000 }),
        testAd('live', { createdAt: T0 }),
      ];
      for (const ad of made) await append(store, create(ad));
      for (const id of ['a', 'b', 'c', 'd']) await append(store, { type: 'expire', at: T0, id, version: 1 });
      await append(store, { type: 'delete', at: T0, id: 'd' });
      const ids = (ads: Ad[]) => ads.map((ad) => ad.id);

      expect(ids(await store.expiredAds(undefined, 10))).toEqual(['c', 'b', 'a']);
      expect(ids(await store.expiredAds(undefined, 2))).toEqual(['c', 'b']);
      expect(ids(await store.expiredAds({ createdAt: T0 - 1000, id: 'c' }, 10))).toEqual(['b', 'a']);
      expect(ids(await store.expiredAds({ createdAt: T0 - 1000, id: 'b' }, 10))).toEqual(['a']);
      expect(ids(await store.expiredAds({ createdAt: T0 - 2000, id: 'zzz' }, 10))).toEqual(['a']);
      expect(await store.expiredAds({ createdAt: T0 - 3000, id: 'a' }, 10)).toEqual([]);
      expect(await store.expiredAds(undefined, 10)).toContainEqual(made[0]);
    });

    it('accepts an idempotency key again for a later create', async () => {
      const stamp = { key: 'same', fingerprint: 'f' };
      await append(store, { type: 'create', at: T0, ad: testAd('a'), idempotency: stamp });
      const later = { key: 'same', fingerprint: 'g' };
      await append(store, { type: 'create', at: T0 + 90_000_000, ad: testAd('b'), idempotency: later });
      expect(await store.headSeq()).toBe(2);
      expect((await liveAmong(store, ['a', 'b'])).map((ad) => ad.id)).toEqual(['a', 'b']);
    });

    it("tells the newest snapshot's seq and save time without its data", async () => {
      expect(await store.latestSnapshotInfo()).toBeUndefined();
      const before = Date.now();
      await store.saveSnapshot({ seq: 3, data: 'three' }, 3);
      await store.saveSnapshot({ seq: 7, data: 'seven' }, 3);
      const info = await store.latestSnapshotInfo();
      expect(info?.seq).toBe(7);
      expect(info!.takenAt).toBeGreaterThanOrEqual(before - 1000);
      expect(info!.takenAt).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('keeps the newest snapshots, and a repeated save changes nothing', async () => {
      await store.saveSnapshot({ seq: 10, data: 'ten' }, 3);
      await store.saveSnapshot({ seq: 10, data: 'other' }, 3);
      expect(await store.latestSnapshot()).toEqual({ seq: 10, data: 'ten' });

      for (const seq of [20, 30, 40]) await store.saveSnapshot({ seq, data: `s${seq}` }, 3);
      expect(await store.latestSnapshot()).toEqual({ seq: 40, data: 's40' });
      await store.saveSnapshot({ seq: 5, data: 'old' }, 3);
      expect(await store.latestSnapshot()).toEqual({ seq: 40, data: 's40' });
      if (h.snapshotSeqs) expect(await h.snapshotSeqs()).toEqual([20, 30, 40]);

      await store.saveSnapshot({ seq: 50, data: 's50' }, 1);
      expect(await store.latestSnapshot()).toEqual({ seq: 50, data: 's50' });
      if (h.snapshotSeqs) expect(await h.snapshotSeqs()).toEqual([50]);
    });

    it('stores a snapshot given in parts as their concatenation; one cut short stores nothing', async () => {
      async function* parts(list: readonly string[], failAt = -1) {
        for (const [i, part] of list.entries()) {
          await Promise.resolve();
          if (i === failAt) throw new Error('encoder failed');
          yield part;
        }
      }
      await store.saveSnapshot({ seq: 8, data: parts(['{"a":', '1', '}']) }, 3);
      expect(await store.latestSnapshot()).toEqual({ seq: 8, data: '{"a":1}' });
      await expect(store.saveSnapshot({ seq: 9, data: parts(['x', 'y', 'z'], 2) }, 3)).rejects.toThrow(
        'encoder failed',
      );
      expect(await store.latestSnapshot()).toEqual({ seq: 8, data: '{"a":1}' });
      await store.saveSnapshot({ seq: 9, data: parts(['n', 'i', 'ne']) }, 3);
      expect(await store.latestSnapshot()).toEqual({ seq: 9, data: 'nine' });
    });

    it('gives concurrent commits gap-free seqs 1..N', async () => {
      const n = 50;
      const entries = await Promise.all(
        range(1, n).map((i) =>
          commitOne(store, { afterSeq: 0, adId: `a${i}` }, (ctx) => {
            expect(seqs(ctx.tail)).toEqual(range(1, ctx.head));
            return withSeq(create(testAd(`a${i}`)), ctx.head + 1);
          }),
        ),
      );
      expect(entries.map((e) => e?.seq).sort((a, b) => a! - b!)).toEqual(range(1, n));
      expect(seqs(await store.readLog(0, 1000))).toEqual(range(1, n));
      expect(
        await liveAmong(
          store,
          range(1, n).map((i) => `a${i}`),
        ),
      ).toHaveLength(n);
    });

    it('keeps everything across close and reopen', async (t) => {
      // Reason for skip: an adapter without durable storage (memory) has nothing to reopen.
      if (!h.reopen) return t.skip();
      const ad = testAd('a');
      await append(store, create(ad));
      await append(store, create(testAd('b')));
      await append(store, { type: 'expire', at: T0, id: 'b', version: 1 });
      await store.saveSnapshot({ seq: 2, data: 'state' }, 2);
      const log = await store.readLog(0, 10);
      await store.close();

      const again = await h.reopen();
      try {
        expect(await again.headSeq()).toBe(3);
        expect(await again.readLog(0, 10)).toEqual(log);
        expect(await liveAmong(again, ['a', 'b'])).toEqual([ad]);
        expect(await again.getAd('b')).toEqual({ ad: testAd('b'), expired: true });
        expect(await again.latestSnapshot()).toEqual({ seq: 2, data: 'state' });
        expect((await append(again, { type: 'delete', at: T0, id: 'a' }))?.seq).toBe(4);
      } finally {
        await again.close();
      }
    });
  });
}

/**
 * Idempotency-key rows are kept past the contract's 24 hours and pruned once older than
 * `IDEMPOTENCY_KEY_TTL_MS`, by a later keyed create; `keys()` reads the stored keys.
 */
export async function checkKeyPruning(store: Store, keys: () => Promise<string[]>): Promise<void> {
  const HOUR = 3_600_000;
  const keyed = (id: string, at: number) =>
    append(store, {
      type: 'create',
      at,
      ad: testAd(id),
      idempotency: { key: `key-${id}`, fingerprint: 'f' },
    });
  await keyed('old', T0);
  await keyed('recent', T0 + 2 * HOUR);
  await keyed('day', T0 + 24 * HOUR);
  expect((await keys()).sort()).toEqual(['key-day', 'key-old', 'key-recent']);
  await keyed('later', T0 + IDEMPOTENCY_KEY_TTL_MS + HOUR);
  expect((await keys()).sort()).toEqual(['key-day', 'key-later', 'key-recent']);
  await keyed('much-later', T0 + 2 * IDEMPOTENCY_KEY_TTL_MS + 3 * HOUR);
  expect((await keys()).sort()).toEqual(['key-much-later']);
}
