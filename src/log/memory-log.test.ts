import { logContract } from './log.contract.js';
import { createMemoryLog } from './memory-log.js';

logContract('memory', () => {
  const log = createMemoryLog();
  return Promise.resolve({ log, peer: log, cleanup: () => log.close() });
});
