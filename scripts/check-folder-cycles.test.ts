import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeCycles, folderCycles, folderGraph } from './check-folder-cycles.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A throw-away source tree: path → contents. */
function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'folder-cycles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const cyclesOf = (files: Record<string, string>) => folderCycles(folderGraph(tree(files)));

describe('folder cycle check', () => {
  it('passes dependencies that run one way, and imports inside one folder or out of the tree', () => {
    expect(
      cyclesOf({
        'main.ts': "import { a } from './app/a.js';",
        'app/a.ts': "import { m } from '../model/m.js';\nimport { b } from './b.js';",
        'app/b.ts': "import type { M } from '../model/m.js';",
        'model/m.ts': "import { t } from '../../test/support.js';\nimport { z } from 'zod';",
      }),
    ).toEqual([]);
  });

  it('finds a planted cycle between two folders and names a file of each edge', () => {
    const dir = tree({
      'index/ix.ts': "import type { Ad } from '../statemachine/ad.js';",
      'statemachine/ad.ts': 'export interface Ad { id: string }',
      'statemachine/state.ts': "import type { Index } from '../index/ix.js';",
    });
    const graph = folderGraph(dir);
    const cycles = folderCycles(graph);
    expect(cycles).toEqual([['index', 'statemachine']]);
    expect(describeCycles(graph, cycles)).toEqual([
      'cycle between index, statemachine:',
      '  index -> statemachine (index/ix.ts)',
      '  statemachine -> index (statemachine/state.ts)',
    ]);
  });

  it('counts files directly in the root as one folder, and dynamic imports too', () => {
    expect(
      cyclesOf({
        'main.ts': "const w = await import('./wiring/w.js');",
        'errors.ts': 'export class AppError extends Error {}',
        'wiring/w.ts': "import { AppError } from '../errors.js';",
      }),
    ).toEqual([['.', 'wiring']]);
  });

  it('finds a cycle through three folders', () => {
    expect(
      cyclesOf({
        'a/x.ts': "export * from '../b/y.js';",
        'b/y.ts': "import '../c/z.js';",
        'c/z.ts': "import { x } from '../a/x.js';",
        'd/w.ts': "import { x } from '../a/x.js';",
      }),
    ).toEqual([['a', 'b', 'c']]);
  });
});
