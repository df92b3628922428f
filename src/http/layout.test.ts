import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** `README.md` of this folder names every product file and folder under it, and nothing else. */

const here = new URL('./', import.meta.url);

function productFiles(): string[] {
  return readdirSync(here, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.(test|contract)\.ts$/.test(e.name))
    .map((e) => `${e.parentPath.slice(here.pathname.length)}/${e.name}`.replace(/^\//, ''))
    .sort();
}

function folders(): string[] {
  return readdirSync(here, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `${e.name}/`)
    .sort();
}

/** Every back-quoted name in the README's table rows. */
function namedInTable(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(new URL('README.md', here), 'utf8').split('\n')) {
    if (!line.startsWith('|')) continue;
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([^`]+)`/g)) names.add(m[1]!);
  }
  return names;
}

describe('src/http/README.md', () => {
  const named = namedInTable();
  it('names every product file of the folder', () => {
    expect(productFiles().filter((f) => !named.has(f))).toEqual([]);
  });
  it('names every sub-folder', () => {
    expect(folders().filter((f) => !named.has(f))).toEqual([]);
  });
  it('names nothing that is gone', () => {
    const present = new Set([...productFiles(), ...folders()]);
    expect([...named].filter((n) => !present.has(n))).toEqual([]);
  });
});
