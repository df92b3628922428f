import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect, it } from 'vitest';
import { frequencyCapsContract } from './frequency-caps.contract.js';
import { createSqliteFrequencyCaps, deliveryFilename } from './sqlite-frequency-caps.js';

frequencyCapsContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adsm-caps-'));
  const filename = deliveryFilename(dir);
  let open = createSqliteFrequencyCaps({ filename });
  return Promise.resolve({
    caps: open,
    reopen: () => {
      open = createSqliteFrequencyCaps({ filename });
      return Promise.resolve(open);
    },
    async cleanup() {
      await open.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

it('the takes of one turn share one commit, and each resolves only once it is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'adsm-caps-'));
  const filename = deliveryFilename(dir);
  const caps = createSqliteFrequencyCaps({ filename });
  const reader = new BetterSqlite3(filename, { readonly: true });
  try {
    const rows = () => reader.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM frequency_caps').get()!.n;
    const one = { adId: 'a', caps: [{ impressions: 1, seconds: 3600 }] };
    const t0 = Date.UTC(2026, 11, 10, 3);
    const first = caps.take('u', [one], 1, t0);
    const second = caps.take('u', [one], 1, t0);
    const other = caps.take('v', [one], 1, t0);
    // Not written yet: nothing is answered before it is.
    expect(rows()).toBe(0);
    // The turn's takes see each other: the second one for `u` finds the cap full.
    expect(await Promise.all([first, second, other])).toEqual([[0], [], [0]]);
    expect(rows()).toBe(2);
    expect(await caps.take('u', [one], 1, t0 + 1)).toEqual([]);
  } finally {
    reader.close();
    await caps.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
