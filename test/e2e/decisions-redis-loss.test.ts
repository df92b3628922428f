/**
 * Frequency caps when Redis goes away under a replicated cluster (a redis-server of the test's
 * own): while Redis does not answer (stopped) or is gone (killed), decisions keep answering 200,
 * capped ads are not chosen and uncapped ones still are; once Redis is back, capped ads are
 * chosen again.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, metric } from './cluster.js';
import { adBody, freePort, getJson, post, type Server } from './process.js';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

const decision = async (s: Server, body: unknown) => {
  const res = await fetch(`${s.url}/api/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ids =
    res.status === 200
      ? (JSON.parse(text) as { decisions: { adId: string }[] }).decisions.map((d) => d.adId)
      : [];
  return { status: res.status, text, ids };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Decisions sent back to back on each server until `stop()`; every answer with its time. */
function decideWhile(servers: readonly Server[], perServer: number) {
  let stopped = false;
  const answers: { at: number; status: number; text: string; ids: string[] }[] = [];
  let n = 0;
  const loops = servers.flatMap((s) =>
    Array.from({ length: perServer }, async () => {
      while (!stopped) {
        const d = await decision(s, { user: { key: `u-${n++ % 50}` }, count: 2 });
        answers.push({ at: Date.now(), ...d });
      }
    }),
  );
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

// Reason for skipIf: the test starts and stops a redis-server binary of its own, which a machine may lack.
describe.skipIf(!hasRedisServer)('decisions while Redis goes away (replicated)', () => {
  let redis: ChildProcess | undefined;
  let cluster: Cluster | undefined;
  const startRedis = (port: number) =>
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
  const killRedis = async () => {
    if (!redis || redis.exitCode !== null || redis.signalCode !== null) return;
    redis.kill('SIGCONT');
    redis.kill('SIGKILL');
    await once(redis, 'exit');
  };
  afterAll(async () => {
    await cluster?.teardown();
    await killRedis();
  });

  it('chooses no capped ad and every uncapped one, answering 200 throughout; caps again once Redis is back', async () => {
    const port = await freePort();
    redis = startRedis(port);
    cluster = new Cluster(0, { LOG_LEVEL: 'warn' }, `redis://127.0.0.1:${port}`);
    for (let i = 0; ; i++) {
      try {
        await cluster.setup();
        break;
      } catch (err) {
        if (i > 50) throw err;
        await sleep(100);
      }
    }
    const replicas = await Promise.all([1, 2].map(() => cluster!.start({ readyTimeoutMs: 90_000 })));
    const [a, b] = replicas as [Server, Server];
    const created = async (over: Record<string, unknown>) => {
      const res = await post(a.url, adBody(0, { conditions: null, ...over }));
      expect(res.status, await res.clone().text()).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const capped = await created({
      title: 'capped',
      delivery: { priority: 1, frequencyCaps: [{ impressions: 1000, seconds: 3600 }] },
    });
    const free = await created({ title: 'free', delivery: { priority: 2 } });
    for (let i = 0; (await getJson(`${b.url}/api/v1/ad/${free}`)).status !== 200; i++) {
      if (i > 400) throw new Error('the ads did not reach the second replica');
      await sleep(25);
    }
    for (const s of replicas)
      expect((await decision(s, { user: { key: 'first' }, count: 2 })).ids).toEqual([capped, free]);

    // Redis stops answering (SIGSTOP), then is gone (SIGKILL), while decisions run on both replicas.
    const load = decideWhile(replicas, 3);
    await sleep(500);
    const stoppedAt = Date.now();
    redis.kill('SIGSTOP');
    await sleep(2_500);
    const killedAt = Date.now();
    await killRedis();
    await sleep(2_500);
    const goneUntil = Date.now();
    await load.stop();

    const refused = load.answers.filter((d) => d.status !== 200);
    expect(refused.map((d) => `${d.status} ${d.text}`)).toEqual([]);
    // A take already sent when Redis stopped may still have been answered; after that none is.
    const frozen = load.answers.filter((d) => d.at > stoppedAt + 300 && d.at <= killedAt);
    const gone = load.answers.filter((d) => d.at > killedAt + 300 && d.at <= goneUntil);
    expect(frozen.length).toBeGreaterThan(5);
    expect(gone.length).toBeGreaterThan(20);
    for (const d of [...frozen, ...gone]) expect(d.ids).toEqual([free]);
    // Before Redis stopped, the capped ad came first.
    const before = load.answers.filter((d) => d.at < stoppedAt);
    expect(before.length).toBeGreaterThan(0);
    for (const d of before) expect(d.ids).toEqual([capped, free]);
    for (const s of replicas) {
      expect(await metric(s, 'adsm_decision_caps_errors_total')).toBeGreaterThan(0);
      expect((await decision(s, { count: 2, user: { key: 'later' } })).ids).toEqual([free]);
    }

    // Redis back (empty, on the same port): capped ads are chosen again.
    redis = startRedis(port);
    for (const s of replicas) {
      for (let i = 0; ; i++) {
        const d = await decision(s, { user: { key: `back-${i}` }, count: 2 });
        expect(d.status).toBe(200);
        if (d.ids[0] === capped) {
          expect(d.ids).toEqual([capped, free]);
          break;
        }
        if (i > 300) throw new Error('capped ads were not chosen again after Redis came back');
        await sleep(100);
      }
    }
  });
});
