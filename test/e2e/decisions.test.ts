import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Cluster } from './cluster.js';
import { adBody, getJson, post, startServer, tempDir, type Server } from './process.js';

type Decision = { adId: string };
const decide = async (s: Server, body: unknown): Promise<string[]> => {
  const res = await fetch(`${s.url}/api/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`decision answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { decisions: Decision[] }).decisions.map((d) => d.adId);
};
const create = async (s: Server, over: Record<string, unknown>): Promise<string> => {
  const res = await post(s.url, adBody(0, { conditions: null, ...over }));
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
};

describe('decisions on three replicas', () => {
  const cluster = new Cluster(15);
  afterAll(() => cluster.teardown());

  it('caps hold exactly under many parallel decisions for one user key on every replica', async () => {
    await cluster.setup();
    const replicas = await Promise.all([1, 2, 3].map(() => cluster.start({ readyTimeoutMs: 90_000 })));
    const [a] = replicas as [Server, Server, Server];
    const tight = await create(a, {
      title: 'tight',
      delivery: { priority: 1, frequencyCaps: [{ impressions: 3, seconds: 3600 }] },
    });
    const two = await create(a, {
      title: 'two caps',
      delivery: {
        priority: 2,
        frequencyCaps: [
          { impressions: 5, seconds: 60 },
          { impressions: 7, seconds: 86_400 },
        ],
      },
    });
    const filler = await create(a, { title: 'filler', delivery: { priority: 3 } });
    // Every replica knows every ad, with its settings.
    for (const s of replicas) {
      for (let i = 0; ; i++) {
        const { status, body } = await getJson<{ delivery: { priority: number } }>(
          `${s.url}/api/v1/ad/${two}`,
        );
        if (status === 200) {
          expect(body.delivery.priority).toBe(2);
          break;
        }
        if (i > 200) throw new Error('ad did not reach every replica');
        await new Promise((r) => setTimeout(r, 25));
      }
    }

    const perReplica = 60;
    const answers = await Promise.all(
      replicas.flatMap((s) =>
        Array.from({ length: perReplica }, () => decide(s, { user: { key: 'busy-user' }, count: 2 })),
      ),
    );
    const all = answers.flat();
    expect(all.filter((id) => id === tight)).toHaveLength(3);
    expect(all.filter((id) => id === two)).toHaveLength(5);
    // The first three takes got `tight` and `two` both: only they went without the filler.
    expect(all.filter((id) => id === filler)).toHaveLength(3 * perReplica - 3);
    for (const ids of answers) expect(new Set(ids).size).toBe(ids.length);
    // Another user key has its own caps; a request without a key never gets a capped ad.
    expect(await decide(a, { user: { key: 'other' }, count: 3 })).toEqual([tight, two, filler]);
    expect(await decide(replicas[2]!, { count: 3 })).toEqual([filler]);
  });
});

describe('decisions in embedded mode', () => {
  const running: Server[] = [];
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
    dirs.splice(0).forEach((d) => d.remove());
  });

  it('caps survive kill -9 and a restart', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const start = async () => {
      const s = await startServer({ env: { DATA_DIR: dir.path }, readyTimeoutMs: 90_000 });
      running.push(s);
      return s;
    };
    const first = await start();
    const capped = await create(first, { delivery: { frequencyCaps: [{ impressions: 2, seconds: 3600 }] } });
    expect(await decide(first, { user: { key: 'u' } })).toEqual([capped]);
    expect(await decide(first, { user: { key: 'u' } })).toEqual([capped]);
    expect(await decide(first, { user: { key: 'u' } })).toEqual([]);
    expect(await decide(first, { user: { key: 'v' } })).toEqual([capped]);
    await first.stop('SIGKILL');

    const second = await start();
    expect(await decide(second, { user: { key: 'u' } })).toEqual([]);
    expect(await decide(second, { user: { key: 'v' } })).toEqual([capped]);
    expect(await decide(second, { user: { key: 'v' } })).toEqual([]);
    expect(await decide(second, { user: { key: 'w' } })).toEqual([capped]);
  });
});
