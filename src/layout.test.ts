import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The README's "Where things are" table names every folder and top-level file of `src/`, and only those. */

const src = new URL('./', import.meta.url);
const readme = readFileSync(new URL('../README.md', src), 'utf8');

function entries(): string[] {
  return readdirSync(src, { withFileTypes: true })
    .filter((e) => e.isDirectory() || (e.name.endsWith('.ts') && !/\.(test|contract)\.ts$/.test(e.name)))
    .map((e) => `src/${e.name}${e.isDirectory() ? '/' : ''}`)
    .sort();
}

/** Back-quoted `src/…` names in the first column of the README's table rows. */
function named(): Set<string> {
  const names = new Set<string>();
  for (const line of readme.split('\n')) {
    if (!line.startsWith('|')) continue;
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`(src\/[^`]+)`/g)) names.add(m[1]!);
  }
  return names;
}

describe('README layout table', () => {
  it('names every folder and top-level file of src/', () => {
    const table = named();
    expect(entries().filter((e) => !table.has(e))).toEqual([]);
  });
  it('names nothing that does not exist', () => {
    const gone = [...named()].filter((name) => !existsSync(new URL(`../${name}`, src)));
    expect(gone).toEqual([]);
  });
});
