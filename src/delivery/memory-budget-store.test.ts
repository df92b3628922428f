import { budgetStoreContract } from './budget-store.contract.js';
import { createMemoryBudgetStore } from './memory-budget-store.js';

const shared = createMemoryBudgetStore();
budgetStoreContract(
  'memory',
  () => Promise.resolve({ ...shared, close: () => Promise.resolve() }),
  () => Promise.resolve(),
);
