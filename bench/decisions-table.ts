/**
 * The decisions benchmark's summary (bench/decisions.ts): per phase and connection count, the
 * decisions against the public query of the same round, the bare parse-and-answer POST, and one
 * row per extra subject (`--variant`, `--baseline-dist`) paired by round with the adsm under test.
 */
import { fmt, printTable, round, spread, type Spread } from './stats.js';

/** One wrk run of the scenario: `subject` is `adsm`, `raw` (the raw post), a variant's name or `baseline`. */
export interface DecisionRun {
  readonly phase: string;
  readonly round: number;
  readonly c: number;
  readonly kind: 'query' | 'decide' | 'raw post';
  readonly subject: string;
  readonly busyBefore: number;
  readonly rps: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuUs: number;
}

export const PHASES = ['no caps', '2 caps'] as const;

const HEADER = [
  'phase',
  'c',
  'query req/s',
  'decide req/s',
  'ratio',
  'decide p99 ms',
  'cpu µs query/decide',
  'cpu decide/query',
  'errors',
  'candidates cached',
  'raw post req/s',
  'raw post/query',
  'raw µs/req',
  'cpu subject/adsm',
];

const of = (runs: readonly DecisionRun[], f: (r: DecisionRun) => number, digits = 0): Spread =>
  spread(runs.map(f), digits);

/** `x[i] / y[i]` by round (the i-th run of each), `floor` keeping a zero from dividing. */
const paired = (
  x: readonly DecisionRun[],
  y: readonly DecisionRun[],
  f: (r: DecisionRun) => number,
  floor: number,
) =>
  spread(
    x.map((r, i) => f(r) / Math.max(floor, f(y[i]!))),
    2,
  );

const errorsOf = (runs: readonly DecisionRun[]) => runs.reduce((a, r) => a + r.errors, 0);

const cached = (rate: number | undefined) => (rate === undefined ? '-' : `${round(100 * rate, 1)}%`);

/** A subject's decisions against the query of the same rounds. */
const decideFigures = (x: readonly DecisionRun[], q: readonly DecisionRun[]) => ({
  decideRps: of(x, (r) => r.rps),
  ratio: paired(x, q, (r) => r.rps, 1),
  decideCpuUs: of(x, (r) => r.cpuUs, 1),
  cpuRatio: paired(x, q, (r) => r.cpuUs, 0.1),
  decideP99: of(x, (r) => r.p99, 2),
});

/** The cells of one table row, from `phase` through `candidates cached`. */
const decideCells = (
  name: string,
  c: number,
  query: { readonly queryRps: Spread; readonly queryCpuUs: Spread },
  d: ReturnType<typeof decideFigures>,
  errors: number,
  hitRate: number | undefined,
) => [
  name,
  String(c),
  fmt(query.queryRps),
  fmt(d.decideRps),
  fmt(d.ratio, 2),
  fmt(d.decideP99, 2),
  `${fmt(query.queryCpuUs, 0)} / ${fmt(d.decideCpuUs, 0)}`,
  fmt(d.cpuRatio, 2),
  String(errors),
  cached(hitRate),
];

/**
 * Prints the table and returns its figures, median (min-max) over the rounds. `hitRates`: per
 * subject and phase, the share of decisions whose candidates were kept (absent when the build
 * counts none).
 */
export function decisionsSummary(
  runs: readonly DecisionRun[],
  o: { readonly rounds: number; readonly connections: readonly number[] },
  subjects: readonly string[],
  hitRates: Readonly<Record<string, Readonly<Record<string, number>>>>,
  mode: string,
) {
  const table: string[][] = [HEADER];
  const summary: Record<string, unknown>[] = [];
  for (const label of PHASES) {
    for (const c of o.connections) {
      const pick = (kind: string, subject = 'adsm') =>
        runs.filter((r) => r.phase === label && r.c === c && r.kind === kind && r.subject === subject);
      const q = pick('query');
      const d = pick('decide');
      const rp = pick('raw post', 'raw');
      const s = {
        phase: label,
        c,
        queryRps: of(q, (r) => r.rps),
        queryCpuUs: of(q, (r) => r.cpuUs, 1),
        ...decideFigures(d, q),
        errors: errorsOf(d) + errorsOf(q),
        ...(rp.length === 0
          ? {}
          : {
              rawRps: of(rp, (r) => r.rps),
              rawRatio: paired(rp, q, (r) => r.rps, 1),
              rawCpuUs: of(rp, (r) => r.cpuUs, 1),
              rawErrors: errorsOf(rp),
            }),
      };
      summary.push(s);
      table.push([
        ...decideCells(label, c, s, s, s.errors, hitRates.adsm?.[label]),
        s.rawRps ? fmt(s.rawRps) : '-',
        s.rawRatio ? fmt(s.rawRatio, 2) : '-',
        s.rawCpuUs ? fmt(s.rawCpuUs, 0) : '-',
        '-',
      ]);
      for (const subject of subjects) {
        const x = pick('decide', subject);
        const row = {
          phase: label,
          c,
          subject,
          ...decideFigures(x, q),
          cpuVsAdsm: paired(x, d, (r) => r.cpuUs, 0.1),
          errors: errorsOf(x),
        };
        summary.push(row);
        table.push([
          ...decideCells(`${label}: ${subject}`, c, s, row, row.errors, hitRates[subject]?.[label]),
          '-',
          '-',
          '-',
          fmt(row.cpuVsAdsm, 2),
        ]);
      }
    }
  }
  printTable(`decisions against the public query (${mode}; median (min-max) of ${o.rounds} rounds)`, table);
  return summary;
}
