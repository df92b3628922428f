import { frequencyCapsContract } from './frequency-caps.contract.js';
import { createMemoryFrequencyCaps } from './memory-frequency-caps.js';

frequencyCapsContract('memory', () =>
  Promise.resolve({ caps: createMemoryFrequencyCaps(), cleanup: () => Promise.resolve() }),
);
