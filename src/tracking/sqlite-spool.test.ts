import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventRecord } from './deltas.js';
import { createSqliteSpool, openSpoolIn, spoolFilename } from './sqlite-spool.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'adsm-spool-'));
  dirs.push(dir);
  return join(dir, 'spool.sqlite');
};

const record = (adId: string): EventRecord => [0, adId, Date.UTC(2026, 10, 30), 1];

describe('sqlite spool', () => {
  it('resolves an append only once a flush started after it ended; appends made while every flush runs share the next, in order', async () => {
    const gates: (() => void)[] = [];
    const spool = createSqliteSpool({
      filename: tempFile(),
      datasync: () => new Promise<void>((resolve) => gates.push(resolve)),
    });
    try {
      const order: number[] = [];
      const appendOf = (...ads: string[][]) =>
        spool.append(ads.map((a) => a.map(record))).then((e) => order.push(...e.map((x) => x.seq)));
      const first = appendOf(['a']);
      const second = appendOf(['b'], ['c']);
      const third = appendOf(['d']);
      const fourth = appendOf(['e']);
      await new Promise((r) => setTimeout(r, 20));
      expect(order).toEqual([]);
      // Stored already, acknowledged not yet.
      expect(spool.entriesAfter(0).map((e) => e.records[0]![1])).toEqual(['a', 'b', 'c', 'd', 'e']);
      // The first two each started a flush (SPOOL_PARALLEL_FLUSHES); the others wait for a free one.
      expect(gates).toHaveLength(2);
      gates[1]!();
      // The second flush covers the first append too: both acknowledged, in order.
      await Promise.all([first, second]);
      expect(order).toEqual([1, 2, 3]);
      await new Promise((r) => setTimeout(r, 20));
      expect(gates).toHaveLength(3);
      gates[2]!();
      await Promise.all([third, fourth]);
      expect(order).toEqual([1, 2, 3, 4, 5]);
    } finally {
      for (const g of gates) g();
      spool.close();
    }
  });

  it('keeps what it acknowledged across a reopen, under the same id', async () => {
    const filename = tempFile();
    const spool = createSqliteSpool({ filename });
    const entries = await spool.append([[record('a'), record('b')], [record('c')]]);
    expect(entries.map((e) => e.seq)).toEqual([1, 2]);
    const id = spool.id;
    spool.close();
    const again = createSqliteSpool({ filename });
    try {
      expect(again.id).toBe(id);
      expect(again.entriesAfter(0).map((e) => e.records.map((r) => r[1]))).toEqual([['a', 'b'], ['c']]);
      expect((await again.append([[record('d')]]))[0]!.seq).toBe(3);
    } finally {
      again.close();
    }
  });

  it('is held by one opener: a second one is refused naming SPOOL_DIR, and a directory hands out the next free file', () => {
    const dir = join(tempFile(), '..', 'spools');
    const first = openSpoolIn(dir);
    const second = openSpoolIn(dir);
    try {
      expect(() => createSqliteSpool({ filename: spoolFilename(dir, 0) })).toThrow(
        /spool-0\.sqlite is in use by another adsm process \(one process per SPOOL_DIR\)/,
      );
      expect(second.id).not.toBe(first.id);
      first.close();
      const third = openSpoolIn(dir);
      expect(third.id).toBe(first.id);
      third.close();
    } finally {
      first.close();
      second.close();
    }
  });
});
