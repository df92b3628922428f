import { systemClock } from '../clock/clock.js';
import { schedulerContract } from './scheduler.contract.js';
import { createTimerScheduler } from './timer-scheduler.js';

schedulerContract('timer', () => {
  const scheduler = createTimerScheduler({ clock: systemClock });
  return Promise.resolve({ scheduler, clock: systemClock, cleanup: () => scheduler.close() });
});
