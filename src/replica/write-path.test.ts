import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { adBody, expectError, setup, type Client } from '../../test/http/helpers.js';

/**
 * A store whose COMMIT fails after the transaction ran: `prepare` is called (the write was
 * decided) and then the commit is refused, so nothing is stored.
 */
function storeFailingCommits(): { store: Store; failCommits: (on: boolean) => void } {
  const inner = createMemoryStore();
  let fail = false;
  const commitBatch: Store['commitBatch'] = (request, prepare) =>
    inner.commitBatch(request, (ctx) => {
      const entries = prepare(ctx);
      if (fail && entries.length > 0) throw new Error('connection lost during COMMIT');
      return entries;
    });
  const store: Store = { ...inner, commitBatch };
  return { store, failCommits: (on) => void (fail = on) };
}

let client: Client;
afterEach(async () => {
  await client.t.close();
});

describe('write path', () => {
  it('a write whose commit fails changes nothing locally, and the next write goes through', async () => {
    const { store, failCommits } = storeFailingCommits();
    client = await setup({ store });
    const first = await client.create({ title: 'stored' });
    const seqBefore = client.t.service.stats().appliedSeq;

    failCommits(true);
    await expectError(await client.send('POST', '/api/v1/ad', adBody({ title: 'lost' })), 500, 'internal');
    await expectError(
      await client.send('PUT', `/api/v1/ad/${first.id}`, adBody({ title: 'lost too' })),
      500,
      'internal',
    );
    const del = await client.request(`/api/v1/ad/${first.id}`, { method: 'DELETE' });
    await expectError(del, 500, 'internal');

    expect(client.t.service.stats().appliedSeq).toBe(seqBefore);
    expect(await client.publicIds()).toEqual([first.id]);
    expect(await client.get(first.id)).toEqual({ ...first, status: 'active' });
    expect(await store.headSeq()).toBe(seqBefore);

    failCommits(false);
    const second = await client.create({ title: 'after the failure' });
    expect(client.t.service.stats().appliedSeq).toBe(seqBefore + 1);
    expect((await client.publicIds()).sort()).toEqual([first.id, second.id].sort());
    const res = await client.send('PUT', `/api/v1/ad/${first.id}`, adBody({ title: 'changed' }), {
      'if-match': '"1"',
    });
    expect(res.status, await res.clone().text()).toBe(200);
  });
});
