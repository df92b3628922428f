/**
 * Figures: CPU and memory of a process tree from /proc (Linux; 0 elsewhere; a node:cluster server
 * is summed with its workers), how busy the machine is, statistics, tables and result files.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/e2e/process.js';

const TICKS_PER_SECOND = 100; // USER_HZ: utime/stime in /proc/<pid>/stat count 1/100 s on Linux

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** Fields after the command name of /proc/<pid>/stat: [1] = ppid, [11] = utime, [12] = stime. */
const statFields = (pid: number | string): string[] => {
  const text = read(`/proc/${pid}/stat`);
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
};

/** `pid` and every live descendant of it. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statFields(name)[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  for (const todo = [pid]; todo.length > 0;) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const statusMb = (pid: number, key: string): number =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`))?.[1] ?? 0) / 1024;

/** CPU seconds, RSS and peak RSS (MiB) of `pid` and its descendants. */
export function sampleTree(pid: number) {
  let ticks = 0;
  let rss = 0;
  let peak = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    ticks += Number(f[11] ?? 0) + Number(f[12] ?? 0);
    rss += statusMb(p, 'VmRSS');
    peak += statusMb(p, 'VmHWM');
  }
  return {
    at: performance.now(),
    cpuSeconds: ticks / TICKS_PER_SECOND,
    rssMb: round(rss, 1),
    peakRssMb: round(peak, 1),
  };
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function sampleBox(): { busy: number; total: number } {
  const nums = (read('/proc/stat').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = nums.reduce((a, b) => a + b, 0);
  return { busy: total - (nums[3] ?? 0) - (nums[4] ?? 0), total };
}

export interface CpuUse {
  /** CPU seconds the server tree used per wall second (1.0 = one core). */
  readonly serverCores: number;
  /** Share of the whole machine busy meanwhile (0..1): server, load generator and everything else. */
  readonly boxBusy: number;
  readonly rssMb: number;
}

/** Starts measuring `pid`'s tree and the machine; call the result for the figures since then. */
export function measure(pid: number): () => CpuUse {
  const before = sampleTree(pid);
  const box = sampleBox();
  return () => {
    const after = sampleTree(pid);
    const boxAfter = sampleBox();
    const wall = (after.at - before.at) / 1000;
    return {
      serverCores: round(wall > 0 ? (after.cpuSeconds - before.cpuSeconds) / wall : 0, 2),
      boxBusy: round((boxAfter.busy - box.busy) / Math.max(1, boxAfter.total - box.total), 2),
      rssMb: after.rssMb,
    };
  };
}

/** How busy the machine is (0..1) over `ms` while the benchmark sends no load. */
export async function backgroundBusy(ms = 1_000): Promise<number> {
  const before = sampleBox();
  await new Promise((r) => setTimeout(r, ms));
  const after = sampleBox();
  return round((after.busy - before.busy) / Math.max(1, after.total - before.total), 2);
}

/**
 * Waits, up to `waitS` seconds, until other processes keep the machine below `below` (0..1)
 * busy; returns the last figure, which the results keep.
 */
export async function waitQuiet(below: number, waitS: number): Promise<number> {
  const start = performance.now();
  let busy = await backgroundBusy();
  if (busy > below) console.log(`  machine ${pct(busy)} busy: waiting up to ${waitS} s for quiet`);
  while (busy > below && performance.now() - start < waitS * 1000) busy = await backgroundBusy();
  return busy;
}

export const pct = (x: number): string => `${Math.round(x * 100)}%`;
export const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Median with the smallest and largest value. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[], digits = 2): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length === 0 ? 0 : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: round(median, digits), min: round(s[0] ?? 0, digits), max: round(s.at(-1) ?? 0, digits) };
}

/** `12345 (12001-12560)`; the range is left out when there is one value. */
export const fmt = (s: Spread, digits = 0): string =>
  s.min === s.max
    ? s.median.toFixed(digits)
    : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;

/** Prints rows as an aligned text table (first row = header). */
export function printTable(title: string, rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  console.log(`\n${title}`);
  for (const r of rows)
    console.log(
      '  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    );
}

/** Writes `bench/results/<kind>-<timestamp>.json` and returns its path. */
export function writeResult(kind: string, data: unknown): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}
