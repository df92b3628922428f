/** The summary tables and the target verdicts printed at the end of a run. */
import type { Options } from './cli.js';
import type { ReadScenarioResult } from './read-scenario.js';
import { fmtSpread, printTable } from './report.js';
import type { WriteScenarioResult } from './write-scenario.js';

const ms = (s: { median: number; min: number; max: number }) => fmtSpread(s, 2);

export function printReads(r: ReadScenarioResult, o: Options): string[] {
  const rows: string[][] = [
    [
      'workers',
      'conns',
      'raw req/s',
      'adsm req/s',
      'adsm/raw',
      'raw p50',
      'adsm p50',
      'raw p99',
      'adsm p99',
      'raw max',
      'adsm max',
      'errors',
      'adsm cpu',
      'bg busy',
    ],
  ];
  for (const w of r.byWorkers) {
    for (const c of w.comparisons) {
      rows.push([
        String(w.workers),
        String(c.connections),
        fmtSpread(c.raw.rps),
        fmtSpread(c.adsm.rps),
        fmtSpread(c.ratio, 3),
        ms(c.raw.p50Ms),
        ms(c.adsm.p50Ms),
        ms(c.raw.p99Ms),
        ms(c.adsm.p99Ms),
        ms(c.raw.maxMs),
        ms(c.adsm.maxMs),
        `${c.adsm.non2xx}+${c.adsm.socketErrors}`,
        fmtSpread(c.adsm.serverCores, 2),
        fmtSpread(c.background, 2),
      ]);
    }
  }
  printTable(
    `reads: ${r.mode}, ${r.dataset} dataset (${r.ads} ads), ${o.tool} ${o.threads} thread(s), ${o.rounds} x ${o.durationS} s; ` +
      `median (min-max); latency in ms; errors = non-2xx + socket; bg busy = machine busy without our load before a pair`,
    rows,
  );
  console.log(
    `  load: ${r.load.created}/${r.load.requested} created, ${r.load.createsPerSec}/s; RSS empty ${r.rssEmptyMb} MB, ` +
      `loaded ${r.rssLoadedMb} MB (peak ${r.peakRssLoadedMb}, ${r.rssSettledMb} MB 10 s later), after restart ${r.restart.rssAfterReadyMb} MB; ` +
      `restart-to-ready ${r.restart.readyMs} ms (shutdown ${r.restart.shutdownMs} ms)`,
  );
  console.log(`  raw baseline page: ${r.baseline.bytes} B, ${r.baseline.path}`);

  const verdicts: string[] = [];
  const verdict = (ok: boolean, text: string) => verdicts.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  const one = r.byWorkers.find((w) => w.workers === 1);
  const top = Math.max(...o.connections);
  for (const w of r.byWorkers) {
    const wrong = w.check.wrong + w.check.failed + w.checkAfter.wrong + w.checkAfter.failed;
    verdict(
      wrong === 0,
      `workers=${w.workers}: ${w.check.queries + w.checkAfter.queries} answers checked, ${wrong} wrong or failed`,
    );
    const errors = w.comparisons.reduce((a, c) => a + c.adsm.non2xx + c.adsm.socketErrors, 0);
    verdict(errors === 0, `workers=${w.workers}: ${errors} errors under load`);
  }
  const c1 = one?.comparisons.find((c) => c.connections === top);
  if (c1)
    verdict(
      c1.ratio.median >= 0.85,
      `1 worker, c=${top}: adsm/raw ${fmtSpread(c1.ratio, 3)} (target >= 0.85)`,
    );
  for (const sc of r.scaling) {
    console.log(
      `  adsm req/s with ${sc.workers} workers / with ${sc.over}, c=${sc.connections}, paired by round: ${fmtSpread(sc.ratio, 3)}`,
    );
  }
  const two = r.scaling.find((sc) => sc.workers === 2 && sc.over === 1 && sc.connections === top);
  if (two) {
    verdict(
      two.ratio.median >= 1.3,
      `2 workers / 1 worker, c=${top}: ${fmtSpread(two.ratio, 3)} x (target >= 1.3)`,
    );
  }
  if (r.dataset === 'scale') {
    const rss = Math.max(r.restart.rssAfterReadyMb, ...r.byWorkers.map((w) => w.rssAfterMb));
    verdict(
      rss < 500,
      `${r.ads} ads: RSS after restart and after the timed runs at most ${rss} MB (target < 500)`,
    );
    const loading = Math.max(r.rssLoadedMb, r.rssSettledMb);
    verdict(
      loading < 500,
      `${r.ads} ads: RSS right after loading them over HTTP ${r.rssLoadedMb} MB, ${r.rssSettledMb} MB 10 s later`,
    );
    verdict(
      r.restart.readyMs < 5000,
      `${r.ads} ads: restart-to-ready ${r.restart.readyMs} ms (target < 5000)`,
    );
  }
  for (const v of verdicts) console.log(`  ${v}`);
  return verdicts;
}

export function printWrites(r: WriteScenarioResult, o: Options): void {
  const rows: string[][] = [
    ['workers', 'conns', 'creates/s', 'p50', 'p99', 'max', 'errors', 'adsm cpu', 'ads at end', 'ready'],
  ];
  for (const w of r.byWorkers) {
    for (const s of w.series) {
      rows.push([
        String(w.workers),
        String(s.connections),
        fmtSpread(s.adsm.rps),
        ms(s.adsm.p50Ms),
        ms(s.adsm.p99Ms),
        ms(s.adsm.maxMs),
        `${s.adsm.non2xx}+${s.adsm.socketErrors}`,
        fmtSpread(s.adsm.serverCores, 2),
        String(w.adsAtEnd),
        `${w.restart.readyMs} ms`,
      ]);
    }
  }
  printTable(
    `writes: ${r.mode}, quotas off, ${o.tool}, ${o.rounds} x ${o.durationS} s; median (min-max); latency in ms; ` +
      `ready = restart-to-ready on every ad created`,
    rows,
  );
}
