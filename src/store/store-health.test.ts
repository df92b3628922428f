import { describe, expect, it } from 'vitest';
import { storeUnavailable } from '../model/errors.js';
import { trackStoreHealth } from './store-health.js';
import type { Store } from './store.js';

/** A store whose calls fail with `store_unavailable` while `down` says so. */
function flakyStore(state: { down: { read: boolean; write: boolean } }): Store {
  const call = (kind: 'read' | 'write') => () =>
    state.down[kind] ? Promise.reject(storeUnavailable(new Error('down'))) : Promise.resolve([]);
  return { commitBatch: call('write'), readLog: call('read') } as unknown as Store;
}

describe('store health', () => {
  it('goes down on the first outage, up on the next success after it settled, telling each once', async () => {
    let t = 0;
    const state = { down: { read: true, write: true } };
    const changes: boolean[] = [];
    const store = trackStoreHealth(flakyStore(state), (up) => changes.push(up), {
      settleMs: 1000,
      monotonic: () => t,
    });
    await expect(store.readLog(0, 1)).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(store.commitBatch({ afterSeq: 0 }, () => [])).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    expect(store.available()).toBe(false);
    state.down = { read: false, write: false };
    t = 1000;
    await store.readLog(0, 1);
    expect(store.available()).toBe(true);
    expect(changes).toEqual([false, true]);
  });

  it('stays down while only writes fail (a lock timeout), though reads succeed in between', async () => {
    let t = 0;
    const state = { down: { read: false, write: true } };
    const changes: boolean[] = [];
    const store = trackStoreHealth(flakyStore(state), (up) => changes.push(up), {
      settleMs: 1000,
      monotonic: () => t,
    });
    for (let i = 0; i < 5; i++) {
      await expect(store.commitBatch({ afterSeq: 0 }, () => [])).rejects.toMatchObject({
        code: 'store_unavailable',
      });
      t += 200;
      await store.readLog(0, 1);
      t += 200;
    }
    expect(changes).toEqual([false]);
    // Writes work again: the first committed write says so at once.
    state.down.write = false;
    await store.commitBatch({ afterSeq: 0 }, () => []);
    expect(changes).toEqual([false, true]);
  });

  it('ignores failures that are not outages', async () => {
    const changes: boolean[] = [];
    const store = trackStoreHealth(
      { readLog: () => Promise.reject(new Error('bug')) } as unknown as Store,
      (up) => changes.push(up),
    );
    await expect(store.readLog(0, 1)).rejects.toThrow('bug');
    expect(store.available()).toBe(true);
    expect(changes).toEqual([]);
  });
});
