import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteTrackingStore } from './sqlite-tracking-store.js';
import { firesContract } from './fires.contract.js';
import { trackingStoreContract } from './tracking-store.contract.js';

trackingStoreContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adsm-tracking-'));
  const store = createSqliteTrackingStore({ filename: join(dir, 'tracking.sqlite') });
  return Promise.resolve({
    store,
    done: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

firesContract('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adsm-tracking-'));
  const store = createSqliteTrackingStore({ filename: join(dir, 'tracking.sqlite') });
  return Promise.resolve({
    store,
    done: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});
