import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
