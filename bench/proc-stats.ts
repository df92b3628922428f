/**
 * CPU and memory of a process tree, read from /proc (Linux only; elsewhere every figure is 0).
 * A server started with WORKERS > 1 is a node:cluster primary plus its workers, so figures are
 * summed over the process and all its descendants.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clkTck: number | undefined;

/** Kernel clock ticks per second (the unit of utime/stime in /proc/<pid>/stat). */
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Fields after the command name of /proc/<pid>/stat: [0] = state (field 3), [1] = ppid, [11] = utime, [12] = stime. */
function statFields(pid: number): string[] | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and every live descendant of it. */
export function processTree(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

export interface ProcSample {
  /** performance.now() at the sample. */
  readonly at: number;
  readonly pids: readonly number[];
  /** utime + stime of the tree, seconds. */
  readonly cpuSeconds: number;
  /** Sum of VmRSS over the tree, MiB. */
  readonly rssMb: number;
  /** Sum of VmHWM (peak RSS) over the tree, MiB. */
  readonly peakRssMb: number;
}

function statusKb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : 0;
}

export function sampleTree(pid: number): ProcSample {
  const pids = processTree(pid);
  let ticks = 0;
  let rssKb = 0;
  let hwmKb = 0;
  for (const p of pids) {
    const f = statFields(p);
    if (f) ticks += Number(f[11]) + Number(f[12]);
    rssKb += statusKb(p, 'VmRSS');
    hwmKb += statusKb(p, 'VmHWM');
  }
  return {
    at: performance.now(),
    pids,
    cpuSeconds: ticks / ticksPerSecond(),
    rssMb: round1(rssKb / 1024),
    peakRssMb: round1(hwmKb / 1024),
  };
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
export function sampleBox(): { busy: number; total: number } {
  const line = (read('/proc/stat') ?? '').split('\n')[0] ?? '';
  const nums = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = nums.reduce((a, b) => a + b, 0);
  const idle = (nums[3] ?? 0) + (nums[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuUse {
  /** CPU seconds the server tree used per wall second (1.0 = one core busy). */
  readonly serverCores: number;
  /** Share of the whole machine that was busy (0..1), server + load generator + everything else. */
  readonly boxBusy: number;
  readonly rssBeforeMb: number;
  readonly rssAfterMb: number;
  readonly peakRssMb: number;
}

/** Starts measuring `pid`'s tree and the machine; call the result to get the figures since then. */
export function measure(pid: number): () => CpuUse {
  const before = sampleTree(pid);
  const boxBefore = sampleBox();
  return () => {
    const after = sampleTree(pid);
    const boxAfter = sampleBox();
    const wall = (after.at - before.at) / 1000;
    const boxTotal = boxAfter.total - boxBefore.total;
    return {
      serverCores: round2(wall > 0 ? (after.cpuSeconds - before.cpuSeconds) / wall : 0),
      boxBusy: round2(boxTotal > 0 ? (boxAfter.busy - boxBefore.busy) / boxTotal : 0),
      rssBeforeMb: before.rssMb,
      rssAfterMb: after.rssMb,
      peakRssMb: after.peakRssMb,
    };
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** How busy the machine is (0..1) over `ms` while this benchmark sends no load: other processes' share. */
export async function backgroundBusy(ms = 2_000): Promise<number> {
  const before = sampleBox();
  await new Promise((r) => setTimeout(r, ms));
  const after = sampleBox();
  const total = after.total - before.total;
  return round2(total > 0 ? (after.busy - before.busy) / total : 0);
}
