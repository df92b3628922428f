import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite-connection.js';

/** `PRAGMA synchronous` answers a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
const FULL = 2;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'adsm-'));
  dirs.push(dir);
  return join(dir, 'nested', 'adsm.sqlite');
}

describe('sqlite connection', () => {
  it.each([
    ['shared', false],
    ['exclusive', true],
  ])('connection (%s) is durable: WAL journal and synchronous=FULL', (_name, exclusive) => {
    const db = openSqlite(tempFile(), { exclusive });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(FULL);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('locking_mode', { simple: true })).toBe(exclusive ? 'exclusive' : 'normal');
    } finally {
      db.close();
    }
  });
});
