/**
 * Fails when the folders under `src/` import each other in a cycle. Each top-level folder of
 * `src/` is one node (files directly in `src/` form the node "."); a relative import from a file
 * in folder A of a file in folder B (A ≠ B) is an edge A → B. Any strongly connected group of
 * two or more folders is a cycle: the dependency between them no longer runs one way.
 *
 *   npx tsx scripts/check-folder-cycles.ts [dir]     (default: src; exit status 1 on a cycle)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder → the folders it imports, with one importing file per edge (for the message). */
export type FolderGraph = Map<string, Map<string, string>>;

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(?:ts|mts|js)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The top-level folder of `file` under `root` ("." for a file directly in it), or undefined outside. */
function folderOf(root: string, file: string): string | undefined {
  const rel = relative(root, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  const parts = rel.split(sep);
  return parts.length === 1 ? '.' : parts[0];
}

export function folderGraph(root: string): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file)!;
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = folderOf(root, resolve(dirname(file), match[1]!));
      if (to !== undefined && to !== from && !edges.has(to)) edges.set(to, relative(root, file));
    }
  }
  return graph;
}

/** Strongly connected groups of two or more folders (Tarjan), each sorted, sorted by first name. */
export function folderCycles(graph: FolderGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      group.push(w);
      if (w === v) break;
    }
    if (group.length > 1) groups.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One line per edge inside each cycle, naming a file that makes it. */
export function describeCycles(graph: FolderGraph, cycles: readonly string[][]): string[] {
  return cycles.flatMap((group) => [
    `cycle between ${group.join(', ')}:`,
    ...group.flatMap((from) =>
      [...(graph.get(from) ?? [])]
        .filter(([to]) => group.includes(to))
        .map(([to, file]) => `  ${from} -> ${to} (${file})`),
    ),
  ]);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? 'src');
  const graph = folderGraph(root);
  const cycles = folderCycles(graph);
  if (cycles.length > 0) {
    process.stderr.write(`${describeCycles(graph, cycles).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`no import cycles between the ${graph.size} folders of ${relative('.', root) || '.'}\n`);
}
