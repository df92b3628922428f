import type { Clock } from '../clock/clock.js';
import type { OnDue, Scheduler } from './scheduler.js';

/** Node's timers overflow past 2^31-1 ms (~24.8 days); longer waits re-arm. */
const MAX_DELAY = 2 ** 31 - 1;
const RETRY_MS = 1000;

interface Job {
  readonly version: number;
  readonly at: number;
  timer?: NodeJS.Timeout;
}

/**
 * In-process expiry timers (embedded mode): one timer per live ad, held only in memory and
 * rebuilt from state at start-up. Timers are unref'd so they never keep the process alive.
 */
export function createTimerScheduler(deps: { clock: Clock }): Scheduler {
  const jobs = new Map<string, Job>();
  let onDue: OnDue | undefined;

  const arm = (id: string, job: Job): void => {
    if (!onDue) return;
    const delay = Math.min(Math.max(job.at - deps.clock.now(), 0), MAX_DELAY);
    job.timer = setTimeout(() => fire(id, job), delay);
    job.timer.unref();
  };

  const fire = (id: string, job: Job): void => {
    if (jobs.get(id) !== job || !onDue) return;
    if (job.at > deps.clock.now()) return arm(id, job);
    onDue(id, job.version).then(
      (waitMs) => {
        if (jobs.get(id) !== job) return;
        if (typeof waitMs === 'number' && waitMs > 0) {
          job.timer = setTimeout(() => fire(id, job), Math.min(waitMs, MAX_DELAY));
          job.timer.unref();
        } else {
          jobs.delete(id);
        }
      },
      () => {
        job.timer = setTimeout(() => fire(id, job), RETRY_MS);
        job.timer.unref();
      },
    );
  };

  const schedule = (id: string, version: number, at: number): void => {
    const current = jobs.get(id);
    if (current && current.version >= version) return;
    if (current?.timer) clearTimeout(current.timer);
    const job: Job = { version, at };
    jobs.set(id, job);
    arm(id, job);
  };

  return {
    schedule(id, version, at) {
      schedule(id, version, at);
      return Promise.resolve();
    },
    scheduleMany(list) {
      for (const { id, version, at } of list) schedule(id, version, at);
      return Promise.resolve();
    },
    cancel(id) {
      const current = jobs.get(id);
      if (current?.timer) clearTimeout(current.timer);
      jobs.delete(id);
      return Promise.resolve();
    },
    start(handler) {
      onDue = handler;
      for (const [id, job] of jobs) if (!job.timer) arm(id, job);
    },
    close() {
      for (const job of jobs.values()) if (job.timer) clearTimeout(job.timer);
      jobs.clear();
      onDue = undefined;
      return Promise.resolve();
    },
  };
}
