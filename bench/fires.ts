/**
 * `npm run bench -- --fires`: tracking URL fires through adsm against a bare node:http server
 * answering the same GETs with a fixed 204 (bench/raw-fires-server.js), interleaved round by
 * round, wrk at 64 connections (bench/fires.lua). Every request is a URL never fired before:
 * each round's URLs are signed afresh (half impressions, half clicks of 100 ads) with the
 * server's TRACKING_SECRET, more of them than the round can send, so every fire is a first fire
 * that is checked, spooled and later settled. After the rounds: the stored counts against the
 * fires answered 204.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrackingUrls } from '../src/delivery/tracking-urls.js';
import { ROOT } from '../test/e2e/process.js';
import { startRaw, wrkRun, type WrkRun } from './events.js';
import { createStore } from './reads.js';
import type { Options } from './run.js';
import { fmt, printTable, spread, waitQuiet } from './stats.js';

const SECRET = 'bench-tracking-secret-0123456789-abcdef';
const THREADS = 2;
const CONNECTIONS = 64;

/** A file of `count` fresh tracking paths (alternately impression and click), and its size. */
function freshPaths(file: string, ads: readonly string[], count: number, signer: number): void {
  const urls = createTrackingUrls({ secret: SECRET, signer, ttlSeconds: 86_400 });
  const lines: string[] = [];
  for (let i = 0; lines.length < count; i++) {
    const d = urls.issue(ads[i % ads.length]!, Date.now());
    lines.push(d.impressionUrl, d.clickUrl);
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

const storedFires = async (url: string, ads: readonly string[]) => {
  let n = 0;
  for (const ad of ads) {
    const s = (await (await fetch(`${url}/api/v1/ad/${ad}/stats`)).json()) as {
      impressions: { '3d': number };
      clicks: { '3d': number };
    };
    n += s.impressions['3d'] + s.clicks['3d'];
  }
  return n;
};

export async function firesScenario(o: Options) {
  const store = await createStore(o, { TRACKING_SECRET: SECRET, FLUSH_INTERVAL_MS: '1000' });
  const { server } = await store.start(1);
  const raw = await startRaw('raw-fires-server.js');
  const dir = mkdtempSync(join(tmpdir(), 'adsm-bench-fires-'));
  try {
    const ads: string[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${server.url}/api/v1/ad`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          title: `FIRE ${i}`,
          startAt: new Date(Date.now() - 3_600_000).toISOString(),
          endAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        }),
      });
      ads.push(((await res.json()) as { id: string }).id);
    }
    const script = join(ROOT, 'bench', 'fires.lua');
    // Room for 50,000 fires/s: a run that went through its list would fire URLs again.
    const perRun = 50_000 * Math.max(o.durationS, o.warmupS);
    let signer = 1;
    const file = join(dir, 'paths.txt');
    const run = async (url: string, seconds: number) => {
      freshPaths(file, ads, perRun, signer++);
      return wrkRun(url, script, [file, String(THREADS)], CONNECTIONS, seconds);
    };
    let answered = 0;
    let wrapped = false;
    if (o.warmupS > 0) {
      const w = await run(server.url, o.warmupS);
      answered += Math.round(w.rps * o.warmupS) - w.non2xx;
    }
    const runs = { raw: [] as WrkRun[], adsm: [] as WrkRun[] };
    for (let round = 1; round <= o.rounds; round++) {
      await waitQuiet(o.quietBelow, o.quietWaitS);
      const r = await run(raw.url, o.durationS);
      const a = await run(server.url, o.durationS);
      const sent = Math.round(a.rps * o.durationS);
      wrapped ||= sent > perRun;
      answered += sent - a.non2xx;
      runs.raw.push(r);
      runs.adsm.push(a);
      console.log(
        `  round ${round}/${o.rounds}: raw ${r.rps} req/s p99 ${r.p99} ms | adsm ${a.rps} fires/s p50 ${a.p50} p90 ${a.p90} p99 ${a.p99} max ${a.max} ms, errors ${a.non2xx}+${a.socket}`,
      );
    }
    // Two flushes: every spooled fire settled.
    await new Promise((r) => setTimeout(r, 2_500));
    const stored = await storedFires(server.url, ads);
    const row = {
      rawRps: spread(
        runs.raw.map((r) => r.rps),
        0,
      ),
      adsmRps: spread(
        runs.adsm.map((a) => a.rps),
        0,
      ),
      ratio: spread(runs.adsm.map((a, i) => a.rps / Math.max(1, runs.raw[i]!.rps))),
      p50: spread(runs.adsm.map((a) => a.p50)),
      p99: spread(runs.adsm.map((a) => a.p99)),
      errors: runs.adsm.reduce((n, a) => n + a.non2xx + a.socket, 0),
    };
    printTable(
      `tracking URL fires: ${o.replicated ? 'replicated' : 'embedded'}, 1 process, ${CONNECTIONS} conns, ${o.rounds} x ${o.durationS} s, every URL fresh; median (min-max)`,
      [
        ['raw req/s', 'adsm fires/s', 'adsm/raw', 'p50 ms', 'p99 ms', 'errors'],
        [
          fmt(row.rawRps),
          fmt(row.adsmRps),
          fmt(row.ratio, 2),
          fmt(row.p50, 2),
          fmt(row.p99, 2),
          String(row.errors),
        ],
      ],
    );
    console.log(
      `  count check: ${stored} impressions and clicks stored, ~${answered} fires answered 204 (wrk's counts)${wrapped ? '; a run went through its list: some fires were repeats' : ', every one a first fire'}`,
    );
    return { row, runs, stored, answered, wrapped };
  } finally {
    raw.stop();
    await server.stop('SIGTERM');
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
