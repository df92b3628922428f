/** The replication benchmark's result document and its printed summary (see bench/replication.ts). */
import { printTable } from './report.js';
import type { QuietNote } from './replication-cluster.js';
import type { RestartResult, StartFigures } from './replication-restart.js';
import type { WipeResult } from './replication-wipe.js';
import type { ConvergenceResult, WriteLoadResult } from './replication-writes.js';

export interface Results {
  machine: Record<string, unknown>;
  quiet: QuietNote[];
  writes?: WriteLoadResult[];
  convergence?: ConvergenceResult;
  wipe?: WipeResult;
  restart?: RestartResult;
  problems: string[];
  /** Output tails of replicas that ended during a phase or were running when one failed. */
  replicaLogs: { name: string; pid: number; status: number | string | undefined; tail: string }[];
}

const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${x} ms`);
const sum = (s: { p50: number; p99: number; max: number }) => [String(s.p50), String(s.p99), String(s.max)];

export function printSummary(results: Results): void {
  const head = `machine: ${String(results.machine.cpus)} cores (${String(results.machine.cpuModel)}), node ${process.version}`;
  console.log(`\n${head}`);
  if (results.writes) {
    printTable('Creates through the HTTP API (ms)', [
      [
        'run',
        'creates/s',
        'per replica',
        'p50',
        'p99',
        'max',
        '> 1 s',
        'lock given up',
        'failed',
        'replica CPU',
        'box busy',
      ],
      ...results.writes.map((w) => [
        w.label,
        String(w.createsPerSec),
        w.perReplicaCreatesPerSec.join('/'),
        ...sum(w.latencyMs),
        String(w.over1s),
        String(w.lockTimeouts),
        String(w.failed),
        `${w.replicaCores} cores`,
        `${Math.round(w.boxBusy * 100)}%`,
      ]),
    ]);
  }
  const c = results.convergence;
  if (c) {
    printTable(`Convergence, ${c.probes} probes, no other load (ms)`, [
      ['measure', 'p50', 'p99', 'max'],
      ['create latency (send -> 201)', ...sum(c.writeMs)],
      ['201 -> applied on both others', ...sum(c.ackToAllMs)],
      ['201 -> applied on one other', ...sum(c.ackToEachMs)],
      ['send -> applied on all three', ...sum(c.sendToAllMs)],
      ['one /metrics poll (resolution)', ...sum(c.pollMs)],
    ]);
  }
  const w = results.wipe;
  if (w) {
    printTable('Redis FLUSHDB under writes (1 writer per replica + probes)', [
      [
        'round',
        'first probe after',
        'wipe -> on all 3',
        'worst 201 -> all 3',
        'steady 201 -> all 3 (max)',
        'failed in 5 s',
        'max write in 5 s',
        'steady write p99',
      ],
      ...w.rounds.map((r, i) => {
        const first = r.after.find((p) => p.wipeToAllMs !== undefined);
        const worst = Math.max(0, ...r.after.map((p) => p.ackToAllMs ?? Infinity));
        const steady = Math.max(0, ...r.before.map((p) => p.ackToAllMs ?? 0));
        return [
          String(i + 1),
          first ? `+${first.sentMs} ms` : 'none',
          ms(first?.wipeToAllMs),
          `${worst} ms`,
          `${steady} ms`,
          String(r.failedIn5s),
          `${r.maxWriteMsIn5s} ms`,
          `${r.steadyWriteMs.p99} ms`,
        ];
      }),
    ]);
    console.log(
      `  background creates: ${w.background.ok} ok, ${w.background.failed} failed ${JSON.stringify(w.background.failures)}; ` +
        `writers stopped -> all at head ${w.headAtEnd}: ${ms(w.convergeAfterStopMs)}; live ads ${w.liveAdsByReplica.join('/')} (store ${w.liveAdsInStore}); ` +
        `reset log lines ${w.resetLines.join('/')}, lock given up ${w.lockTimeoutLines.join('/')}, warn ${w.warnLines.join('/')}, error ${w.errorLines.join('/')}`,
    );
  }
  const r = results.restart;
  if (r) {
    const row = (name: string, f: StartFigures | undefined) =>
      f
        ? [
            name,
            `${f.readyMs} ms`,
            `${f.rssAtReadyMb} MB`,
            `${ms(f.idleMs)} (${f.cpuAfterReadyS} CPU s)`,
            `${f.rssWhenIdleMb ?? 'n/a'} MB`,
            String(f.expiryJobs),
            `${f.peakRssMb} MB`,
            `${f.liveAds}`,
            `${f.check.got}/${f.check.expected} ${f.check.identical ? 'ok' : 'WRONG'}`,
          ]
        : [name, 'n/a', '', '', '', '', '', '', ''];
    printTable(`Restart-to-ready, ${r.ads} ads (inserted into Postgres in ${r.insertMs} ms)`, [
      [
        'start',
        'spawn -> /readyz',
        'RSS at ready',
        'spawn -> idle (CPU after ready)',
        'RSS idle',
        'expiry jobs',
        'peak RSS',
        'live ads',
        'checked query',
      ],
      row('no snapshot (replay log)', r.noSnapshot),
      row('from snapshot', r.withSnapshot),
    ]);
    const s = r.snapshot;
    console.log(
      `  snapshot: ${s ? `seq ${s.seq}, ${(s.textBytes / 2 ** 20).toFixed(1)} MiB JSON, ${(s.storedBytes / 2 ** 20).toFixed(1)} MiB stored` : 'none'}; ` +
        `SIGTERM -> exit ${r.noSnapshot.stop ? `${r.noSnapshot.stop.ms} ms (code ${r.noSnapshot.stop.code})` : 'n/a'}`,
    );
  }
  console.log('');
  for (const q of results.quiet) {
    const busy = `machine ${Math.round(q.busyBefore * 100)}% busy`;
    const overlap = q.overlapped === '' ? '' : '; OVERLAPPED another benchmark';
    console.log(
      `  before "${q.phase}": waited ${q.waitedS} s${q.gaveUp ? ' (gave up)' : ''}, ${busy}${overlap}`,
    );
  }
  console.log(
    results.problems.length === 0
      ? '\nno problems seen'
      : `\n${results.problems.length} problem(s):\n  ${results.problems.join('\n  ')}`,
  );
}
