import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, sleep } from './cluster.js';
import { adBody, post } from './process.js';

const cluster = new Cluster(10);

beforeAll(() => cluster.setup());
afterAll(() => cluster.teardown());

describe('group commit and kill -9', () => {
  it('kill -9 in the middle of batched writes loses no acknowledged write and leaves no half batch', async () => {
    const doomed = await cluster.start();
    const acked: string[] = [];
    let stop = false;
    let n = 0;
    const writer = async () => {
      while (!stop) {
        try {
          const res = await post(doomed.url, adBody(n++));
          if (res.status === 201) acked.push(((await res.json()) as { id: string }).id);
        } catch {
          return; // the process is gone
        }
      }
    };
    const writers = Array.from({ length: 48 }, writer);
    await sleep(1_500);
    await doomed.stop('SIGKILL');
    stop = true;
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThan(20);

    const { rows: log } = await cluster.pool.query<{ seq: string; type: string; id: string }>(
      `SELECT seq, entry->>'type' AS type, entry->'ad'->>'id' AS id FROM log ORDER BY seq`,
    );
    const seqs = log.map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const { rows: head } = await cluster.pool.query<{ seq: string }>('SELECT seq FROM log_head');
    expect(Number(head[0]?.seq)).toBe(seqs.length);
    // Every entry's change is there with it: the ads table holds exactly the logged creates.
    const { rows: ads } = await cluster.pool.query<{ id: string }>('SELECT id FROM ads');
    const logged = log.filter((r) => r.type === 'create').map((r) => r.id);
    expect(ads.map((a) => a.id).sort()).toEqual([...logged].sort());
    for (const id of acked) expect(logged).toContain(id);

    // A new replica recovers all of it.
    const fresh = await cluster.start();
    const text = await (await fetch(`${fresh.url}/metrics`)).text();
    expect(Number(/^adsm_live_ads (\d+)/m.exec(text)?.[1])).toBe(logged.length);
  });
});
