import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteTrackingKeys } from './sqlite-tracking-keys.js';
import { trackingKeysContract } from './tracking-keys.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'adsm-keys-'));

trackingKeysContract(
  'sqlite',
  () => Promise.resolve(createSqliteTrackingKeys({ filename: join(dir, 'tracking.sqlite') })),
  () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
);
