import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetStoreContract } from './budget-store.contract.js';
import { createSqliteBudgetStore } from './sqlite-budget-store.js';
import { deliveryFilename } from './sqlite-frequency-caps.js';

const dir = mkdtempSync(join(tmpdir(), 'adsm-budgets-'));

// Three connections to one file, as the contract asks for three handles on one store.
budgetStoreContract(
  'sqlite',
  () => Promise.resolve(createSqliteBudgetStore({ filename: deliveryFilename(dir) })),
  () => {
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  },
);
