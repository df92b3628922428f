import { lockContract } from './lock.contract.js';
import { createLocalLock } from './local-lock.js';

lockContract('local', () => {
  const lock = createLocalLock();
  return { a: lock, b: lock };
});
