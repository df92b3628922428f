import { createMemoryStore } from './memory-store.js';
import { storeContract } from './store.contract.js';

storeContract('memory', () => {
  const store = createMemoryStore();
  return Promise.resolve({
    store,
    snapshotSeqs: () => Promise.resolve(store.snapshotSeqs()),
    cleanup: () => store.close(),
  });
});
