/**
 * `npm run bench [-- options]`: HTTP benchmarks of adsm against a raw node:http baseline, the
 * write benchmark and the index micro-benchmark. See bench/README.md and `npm run bench -- --help`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { autocannonTool } from './autocannon.js';
import { parseOptions, USAGE, type Options } from './cli.js';
import type { LoadTool } from './load-tool.js';
import { printReads, printWrites } from './print.js';
import { readScenario } from './read-scenario.js';
import { writeResult } from './report.js';
import { killAll, ROOT } from './server-process.js';
import { writeScenario } from './write-scenario.js';
import { runWrk } from './wrk.js';

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function build(): void {
  console.log('building (npm run build) …');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

async function runIndexBench(sizes: string[]): Promise<number> {
  console.log('\n== index micro-benchmark (bench/index-bench.ts) ==');
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'bench/index-bench.ts', ...sizes],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function main(o: Options): Promise<number> {
  const tool: LoadTool = o.tool === 'wrk' ? runWrk : autocannonTool;
  const meta = {
    date: new Date().toISOString(),
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'src').length > 0,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg(),
    options: o,
  };
  let status = 0;
  if (o.index) status ||= await runIndexBench(o.indexSizes);
  if (!o.reads && !o.writes) return status;
  if (o.build) build();
  const mode = o.replicated ? 'replicated' : 'embedded';
  if (o.reads) {
    const result = await readScenario(o, tool);
    const verdicts = printReads(result, o);
    const file = writeResult(`http-${o.dataset}-${mode}-w${o.workers.join('_')}`, { meta, verdicts, result });
    console.log(`wrote ${file}`);
    const wrong = result.byWorkers.some(
      (w) => w.check.wrong + w.check.failed + w.checkAfter.wrong + w.checkAfter.failed > 0,
    );
    if (wrong || result.load.errorCount > 0) status = 1;
  }
  if (o.writes) {
    const result = await writeScenario(o, tool);
    printWrites(result, o);
    const file = writeResult(`writes-${mode}-w${o.workers.join('_')}`, { meta, result });
    console.log(`wrote ${file}`);
  }
  return status;
}

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});
main(options).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
