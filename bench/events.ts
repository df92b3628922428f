/**
 * `npm run bench -- --events`: delivery tracking through the API against a bare node:http server
 * answering a fixed 202 to the same POSTs (bench/raw-events-server.js), interleaved round by
 * round: single-event POSTs and batches of 100 (wrk, bench/wrk.lua), `GET …/stats` latency
 * while ~10,000 events/s are recorded, and the count check (every 202'd event stored once). The
 * catalogue backlog (memory under a three-day replay) is `events-backlog.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitReady, type Server } from '../test/e2e/process.js';
import { createPlainAds } from './check.js';
import { startRaw, wrkRun, type WrkRun } from './load.js';
import { createStore } from './reads.js';
import type { Options } from './run.js';
import { fmt, printTable, spread, waitQuiet } from './stats.js';

const totalImpressions = async (url: string, ads: readonly string[]) => {
  let n = 0;
  for (const ad of ads) {
    const s = (await (await fetch(`${url}/api/v1/ad/${ad}/stats`)).json()) as {
      impressions: { '3d': number };
    };
    n += s.impressions['3d'];
  }
  return n;
};

/** ~10,000 events/s (1,000 POSTs/s of 10) from autocannon while wrk reads one ad's stats. */
async function statsUnderLoad(server: Server, ads: readonly string[], dir: string, durationS: number) {
  const run = createRequire(import.meta.url)('autocannon') as (
    o: object,
  ) => Promise<{ requests: { total: number } }>;
  const body = JSON.stringify(ads.slice(0, 10).map((adId) => ({ type: 'impression', adId })));
  const writes = run({
    url: `${server.url}/api/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: 16,
    overallRate: 1000,
    duration: durationS,
  });
  const statsFile = join(dir, 'stats.txt');
  writeFileSync(statsFile, `GET /api/v1/ad/${ads[0]}/stats\n`);
  const reads = await wrkRun({
    url: server.url,
    script: 'wrk.lua',
    args: [statsFile],
    connections: 4,
    durationS,
  });
  const w = await writes;
  return { reads, eventsPerSec: Math.round((w.requests.total * 10) / durationS) };
}

export async function eventsScenario(o: Options) {
  const store = await createStore(o);
  const { server } = await store.start(1);
  const raw = await startRaw('raw-events-server.js');
  const dir = mkdtempSync(join(tmpdir(), 'adsm-bench-events-'));
  try {
    const ads = await createPlainAds(server.url, 100, 'EV');
    await waitReady(server);
    // One request each, sent again and again (bench/wrk.lua).
    const single = join(dir, 'single.txt');
    writeFileSync(single, `POST /api/v1/events ${JSON.stringify({ type: 'impression', adId: ads[0] })}\n`);
    const batch = join(dir, 'batch.txt');
    writeFileSync(
      batch,
      `POST /api/v1/events ${JSON.stringify(ads.map((adId) => ({ type: 'impression', adId })))}\n`,
    );
    const c = 64;
    const post = (url: string, file: string, durationS: number) =>
      wrkRun({ url, script: 'wrk.lua', args: [file], connections: c, durationS });
    const kinds = [
      ['single', single, 1],
      ['batch100', batch, 100],
    ] as const;
    const runs: Record<string, { raw: WrkRun[]; adsm: WrkRun[] }> = {};
    let ackedEvents = 0;
    if (o.warmupS > 0) await post(server.url, single, o.warmupS);
    ackedEvents = await totalImpressions(server.url, ads);
    for (let round = 1; round <= o.rounds; round++) {
      console.log(`  round ${round}/${o.rounds}`);
      for (const [name, file, per] of kinds) {
        runs[name] ??= { raw: [], adsm: [] };
        await waitQuiet(o.quietBelow, o.quietWaitS);
        const r = await post(raw.url, file, o.durationS);
        const a = await post(server.url, file, o.durationS);
        ackedEvents += (Math.round(a.rps * o.durationS) - a.non2xx) * per;
        runs[name].raw.push(r);
        runs[name].adsm.push(a);
        console.log(
          `  ${name.padEnd(8)} raw ${r.rps} req/s p90 ${r.p90} p99 ${r.p99} ms | adsm ${a.rps} req/s (${a.rps * per} events/s) p90 ${a.p90} p99 ${a.p99} max ${a.max} ms, errors ${a.non2xx}+${a.socket}`,
        );
      }
    }
    const under = await statsUnderLoad(server, ads, dir, o.durationS);
    console.log(
      `  stats while ${under.eventsPerSec} events/s: p50 ${under.reads.p50} p90 ${under.reads.p90} p99 ${under.reads.p99} ms`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const stored = await totalImpressions(server.url, ads);
    const rows = kinds.map(([name, , per]) => {
      const { raw: rs, adsm: as } = runs[name]!;
      const ratio = spread(as.map((a, i) => a.rps / Math.max(1, rs[i]!.rps)));
      return {
        kind: name,
        rawRps: spread(
          rs.map((r) => r.rps),
          0,
        ),
        adsmEventsPerSec: spread(
          as.map((a) => a.rps * per),
          0,
        ),
        ratio,
        p90: spread(as.map((a) => a.p90)),
        p99: spread(as.map((a) => a.p99)),
        errors: as.reduce((n, a) => n + a.non2xx + a.socket, 0),
      };
    });
    printTable(
      `events: ${o.replicated ? 'replicated' : 'embedded'}, 1 worker, ${c} conns, ${o.rounds} x ${o.durationS} s; median (min-max)`,
      [
        ['kind', 'raw req/s', 'adsm events/s', 'adsm/raw (req)', 'p90 ms', 'p99 ms', 'errors'],
        ...rows.map((r) => [
          r.kind,
          fmt(r.rawRps),
          fmt(r.adsmEventsPerSec),
          fmt(r.ratio, 2),
          fmt(r.p90, 2),
          fmt(r.p99, 2),
          String(r.errors),
        ]),
      ],
    );
    console.log(`  count check: ${stored} impressions stored, ~${ackedEvents} answered 202 (wrk's counts)`);
    return { rows, runs, statsUnderLoad: under, stored, ackedEvents };
  } finally {
    raw.stop();
    await server.stop('SIGTERM');
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
