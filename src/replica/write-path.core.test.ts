import { commitOne } from '../store/store.contract.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../clock/clock.js';
import { createTargetingIndex } from '../index/targeting-index.js';
import { createLocalLock } from '../lock/local-lock.js';
import type { Log } from '../log/log.js';
import { createMemoryLog } from '../log/memory-log.js';
import { Replica } from './replica.js';
import type { Entry, EntryDraft } from '../statemachine/entries.js';
import { createMemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { makeAd, makeInput, T0, HOUR } from '../../test/support/ads.js';
import { createWritePath, type WritePathDeps } from './write-path.js';

const limits = { maxAdsPerDay: 0, maxActiveAds: 0 };
const replicas: Replica[] = [];
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.close()));
});

/** The write path over in-memory adapters, with every hook recorded. */
async function writePath(over: Partial<WritePathDeps> = {}, wrap: (store: Store) => Store = (s) => s) {
  const log: Log = over.log ?? createMemoryLog();
  const clock = createManualClock(T0);
  const store = wrap(createMemoryStore({ clock }));
  const replica = new Replica({ store, log, createIndex: createTargetingIndex });
  replicas.push(replica);
  await replica.recover();
  const calls: string[] = [];
  const published: Entry[] = [];
  const execute = createWritePath({
    store,
    log: { ...log, publish: (e) => (published.push(...e), log.publish(e)) },
    lock: createLocalLock(),
    replica,
    limits,
    onPublishError: (err) => calls.push(`publish-error ${(err as Error).message}`),
    afterApplied: (seq) => (calls.push(`applied ${seq}`), Promise.resolve()),
    failpoint: (name) => calls.push(`failpoint ${name}`),
    ...over,
  });
  return { execute, replica, store, clock, calls, published };
}

/** Commits an entry straight into the store, as another replica would. */
const commitElsewhere = (store: Store, draft: EntryDraft) =>
  commitOne(store, { afterSeq: 0 }, (ctx) => ({ ...draft, seq: ctx.head + 1 }));

describe('write path over in-memory adapters', () => {
  it('commits, applies locally, publishes, then runs the hooks in that order', async () => {
    const w = await writePath();
    const d = await w.execute({ type: 'create', id: 'a', input: makeInput() });
    expect(d.kind).toBe('append');
    expect(w.replica.state.seq).toBe(1);
    expect(w.replica.state.ads.has('a')).toBe(true);
    expect(await w.store.headSeq()).toBe(1);
    expect(w.published.map((e) => e.seq)).toEqual([1]);
    expect(w.calls).toEqual(['failpoint after-commit', 'applied 1']);
  });

  it('catches up with entries other replicas committed before deciding, and takes the next seq', async () => {
    const w = await writePath();
    await commitElsewhere(w.store, { type: 'create', at: T0, ad: makeAd({ id: 'other' }) });
    await commitElsewhere(w.store, { type: 'create', at: T0, ad: makeAd({ id: 'third' }) });
    expect(w.replica.state.seq).toBe(0);
    await w.execute({ type: 'update', id: 'other', input: makeInput({ title: 'mine' }), ifMatch: 1 });
    expect(w.replica.state.seq).toBe(3);
    expect(w.replica.state.ads.get('other')).toMatchObject({ title: 'mine', version: 2 });
    expect(w.published.map((e) => e.seq)).toEqual([3]);
  });

  it('never stamps an entry before the last applied one, whatever the store clock says', async () => {
    const w = await writePath();
    await commitElsewhere(w.store, { type: 'create', at: T0 + HOUR, ad: makeAd({ id: 'x' }) });
    const d = await w.execute({ type: 'create', id: 'a', input: makeInput() });
    if (d.kind !== 'append') throw new Error('expected an entry');
    expect(d.entry.at).toBe(T0 + HOUR);
    w.clock.set(T0 + 2 * HOUR);
    const later = await w.execute({ type: 'delete', id: 'a' });
    if (later.kind !== 'append') throw new Error('expected an entry');
    expect(later.entry.at).toBe(T0 + 2 * HOUR);
  });

  it('finds an ad the live state no longer holds through the stored row (update after expiry)', async () => {
    const w = await writePath();
    const ad = makeAd({ id: 'gone', endAt: T0 - 1 });
    await commitElsewhere(w.store, { type: 'create', at: T0 - HOUR, ad });
    await commitElsewhere(w.store, { type: 'expire', at: T0, id: 'gone', version: 1 });
    const d = await w.execute({ type: 'update', id: 'gone', input: makeInput({ endAt: T0 + HOUR }) });
    expect(d.kind).toBe('append');
    expect(w.replica.state.ads.get('gone')?.version).toBe(2);
  });

  it('a replay or a no-op writes nothing and runs no hook', async () => {
    const w = await writePath();
    const stamp = { key: 'k', fingerprint: 'f' };
    await w.execute({ type: 'create', id: 'a', input: makeInput(), idempotency: stamp });
    w.calls.length = 0;
    const replay = await w.execute({ type: 'create', id: 'b', input: makeInput(), idempotency: stamp });
    expect(replay.kind).toBe('replay');
    expect(await w.execute({ type: 'expire', id: 'a', version: 2 })).toEqual({ kind: 'noop' });
    expect((await w.execute({ type: 'expire', id: 'a', version: 1 })).kind).toBe('early');
    expect(await w.store.headSeq()).toBe(1);
    expect(w.published).toHaveLength(1);
    expect(w.calls).toEqual([]);
  });

  it('a refused command writes nothing and the next one goes through', async () => {
    const w = await writePath();
    await expect(w.execute({ type: 'delete', id: 'nope' })).rejects.toMatchObject({ status: 404 });
    expect(await w.store.headSeq()).toBe(0);
    await w.execute({ type: 'create', id: 'a', input: makeInput() });
    expect(w.replica.state.seq).toBe(1);
  });

  it('a failed publish is reported, and the write is still answered and applied', async () => {
    const failing: Log = { ...createMemoryLog(), publish: () => Promise.reject(new Error('stream down')) };
    const w = await writePath({ log: failing });
    const d = await w.execute({ type: 'create', id: 'a', input: makeInput() });
    expect(d.kind).toBe('append');
    expect(w.replica.state.seq).toBe(1);
    expect(w.calls).toEqual(['failpoint after-commit', 'publish-error stream down', 'applied 1']);
  });

  it('refuses to decide on a state that cannot reach the store head', async () => {
    const blind = (store: Store): Store => ({
      ...store,
      commitBatch: (req, prepare) => store.commitBatch(req, (ctx) => prepare({ ...ctx, tail: [] })),
    });
    const w = await writePath({}, blind);
    await commitElsewhere(w.store, { type: 'create', at: T0, ad: makeAd({ id: 'x' }) });
    await expect(w.execute({ type: 'create', id: 'a', input: makeInput() })).rejects.toMatchObject({
      status: 500,
      cause: expect.objectContaining({ message: 'state at seq 0 could not reach store head 1' }) as unknown,
    });
    expect(await w.store.headSeq()).toBe(1);
  });

  it('commands that arrive together are decided in one transaction, in order, each answered alone', async () => {
    let transactions = 0;
    const counting = (store: Store): Store => ({
      ...store,
      commitBatch: (req, prepare) => (transactions++, store.commitBatch(req, prepare)),
    });
    const w = await writePath({}, counting);
    await w.execute({ type: 'create', id: 'a', input: makeInput() });
    transactions = 0;
    w.calls.length = 0;
    const answers = await Promise.allSettled([
      w.execute({ type: 'update', id: 'a', input: makeInput({ title: 'one' }), ifMatch: 1 }),
      w.execute({ type: 'update', id: 'a', input: makeInput({ title: 'two' }), ifMatch: 1 }),
      w.execute({ type: 'create', id: 'b', input: makeInput() }),
      w.execute({ type: 'update', id: 'a', input: makeInput({ title: 'three' }), ifMatch: 2 }),
    ]);
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(transactions).toBe(1);
    expect((await w.store.readLog(1, 10)).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(w.replica.state.ads.get('a')).toMatchObject({ title: 'three', version: 3 });
    expect(w.published.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(w.calls).toEqual(['failpoint after-commit', 'applied 2', 'applied 3', 'applied 4']);
  });

  it('needs none of its optional hooks', async () => {
    const failing: Log = { ...createMemoryLog(), publish: () => Promise.reject(new Error('stream down')) };
    const w = await writePath({
      log: failing,
      afterApplied: undefined,
      failpoint: undefined,
      onPublishError: undefined,
    });
    expect((await w.execute({ type: 'create', id: 'a', input: makeInput() })).kind).toBe('append');
    expect(w.replica.state.seq).toBe(1);
  });

  it("takes in the commands queued while its transaction waited for the store's lock, up to one needing another row", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sizes: number[] = [];
    const waiting = (store: Store): Store => ({
      ...store,
      commitBatch: async (req, prepare) => {
        if (sizes.length === 0) await held;
        return store.commitBatch(req, (ctx) => {
          const entries = prepare(ctx);
          sizes.push(entries.length);
          return entries;
        });
      },
    });
    const w = await writePath({}, waiting);
    const create = (id: string) => w.execute({ type: 'create', id, input: makeInput() });
    const first = create('a');
    await new Promise((r) => setTimeout(r, 20));
    const later = [create('b'), create('c'), w.execute({ type: 'delete', id: 'a' }), create('d')];
    release();
    await Promise.all([first, ...later]);
    expect(sizes).toEqual([3, 2]);
    expect((await w.store.readLog(0, 10)).map((e) => e.type)).toEqual([
      'create',
      'create',
      'create',
      'delete',
      'create',
    ]);
  });

  it('lets the lock go once the entries are handed to the log, and answers once the log confirmed', async () => {
    const confirms: (() => void)[] = [];
    const memory = createMemoryLog();
    const slow: Log = {
      ...memory,
      publish: (entries) =>
        new Promise<void>((resolve) => confirms.push(resolve)).then(() => memory.publish(entries)),
    };
    let held = 0;
    const local = createLocalLock();
    const lock = {
      run: <T>(fn: () => Promise<T>) => local.run(async () => (held++, await fn())).finally(() => held--),
      close: () => local.close(),
    };
    const w = await writePath({ log: slow, lock });
    let answered = false;
    const first = w.execute({ type: 'create', id: 'a', input: makeInput() }).then(() => (answered = true));
    await vi.waitFor(() => expect(confirms).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 20));
    // Committed, applied and the lock free, but not answered before the log confirmed.
    expect(held).toBe(0);
    expect(w.replica.state.seq).toBe(1);
    expect(answered).toBe(false);
    const second = w.execute({ type: 'create', id: 'b', input: makeInput() });
    await vi.waitFor(() => expect(confirms).toHaveLength(2));
    expect(await w.store.headSeq()).toBe(2);
    confirms.forEach((confirm) => confirm());
    await Promise.all([first, second]);
    expect(answered).toBe(true);
  });

  it('pauses between two batches when told to, so other writers get the lock', async () => {
    const commits: number[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const timed = (store: Store): Store => ({
      ...store,
      commitBatch: async (req, prepare) => {
        commits.push(Date.now());
        const entries = await store.commitBatch(req, prepare);
        if (commits.length === 1) await held;
        return entries;
      },
    });
    const w = await writePath({ batchPauseMs: 400 }, timed);
    const first = w.execute({ type: 'create', id: 'a', input: makeInput() });
    await new Promise((r) => setTimeout(r, 20));
    const second = w.execute({ type: 'create', id: 'b', input: makeInput() });
    release();
    await Promise.all([first, second]);
    expect(commits).toHaveLength(2);
    expect(commits[1]! - commits[0]!).toBeGreaterThanOrEqual(390);
    // No pause after the last batch: a write arriving later is not held back.
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await w.execute({ type: 'create', id: 'c', input: makeInput() });
    expect(Date.now() - started).toBeLessThan(250);
  });
});
