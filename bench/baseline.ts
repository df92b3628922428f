/**
 * `--baseline-dist DIR`: another build's `dist/` (e.g. a checkout of an older commit after `npm
 * run build`) timed in the same rounds as this build, each on its own store, and the two compared
 * round by round.
 */
import { join, resolve } from 'node:path';
import type { Run } from './reads.js';
import type { Options } from './run.js';
import { fmt, spread } from './stats.js';

/** The baseline build's `main.js`. */
export function baselineScript(o: Options): string {
  if (o.baselineDist === undefined) throw new Error('no --baseline-dist');
  return join(resolve(o.baselineDist), 'main.js');
}

const cpuPerRequest = (r: Run): number => r.cpu.serverCores / Math.max(1, r.load.rps);

/**
 * This build over the baseline, paired by round (the `i`th run of each): req/s (above 1: this
 * build is faster) and the server's CPU time per request, baseline over this build (above 1:
 * this build is cheaper).
 */
export function pairedWithBaseline(ours: readonly Run[], base: readonly Run[]) {
  return {
    rps: spread(
      ours.map((r, i) => r.load.rps / base[i]!.load.rps),
      3,
    ),
    cpuPerRequest: spread(
      ours.map((r, i) => cpuPerRequest(base[i]!) / cpuPerRequest(r)),
      3,
    ),
  };
}

export function baselineLine(b: ReturnType<typeof pairedWithBaseline>): string {
  return `this build / baseline, paired by round: req/s ${fmt(b.rps, 3)}, cpu per request (baseline/this) ${fmt(b.cpuPerRequest, 3)}`;
}
