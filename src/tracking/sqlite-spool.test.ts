import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventRecord } from './deltas.js';
import { createSqliteSpool, openSpoolIn, spoolFilename, SPOOL_PARALLEL_FLUSHES } from './sqlite-spool.js';

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
      const P = SPOOL_PARALLEL_FLUSHES;
      const order: number[] = [];
      const appendOf = (ad: string) =>
        spool.append([[record(ad)]]).then((e) => order.push(...e.map((x) => x.seq)));
      const ads = Array.from({ length: P + 2 }, (_, i) => `ad${i}`);
      const appends = ads.map(appendOf);
      await new Promise((r) => setTimeout(r, 20));
      expect(order).toEqual([]);
      // Stored already, acknowledged not yet.
      expect(spool.entriesAfter(0).map((e) => e.records[0]![1])).toEqual(ads);
      // The first P each started a flush; the last two wait for a free one.
      expect(gates).toHaveLength(P);
      gates[P - 1]!();
      // The last flush started covers the appends before it too: all acknowledged, in order.
      await Promise.all(appends.slice(0, P));
      expect(order).toEqual(ads.slice(0, P).map((_, i) => i + 1));
      await new Promise((r) => setTimeout(r, 20));
      expect(gates).toHaveLength(P + 1);
      gates[P]!();
      await Promise.all(appends);
      expect(order).toEqual(ads.map((_, i) => i + 1));
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
