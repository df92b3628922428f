import type { ExpiryJob, Scheduler } from '../scheduler/scheduler.js';
import type { Entry } from '../statemachine/entries.js';

/** How long entries another replica wrote wait before this one checks their expiry jobs. */
export const FOLLOW_DELAY_MS = 500;

/**
 * Keeps the expiry job of every applied ad version scheduled, at a third of the cost in a
 * cluster. The replica that committed an entry schedules its job at once. Every other replica
 * only makes sure the job exists, later and in bulk (`scheduleMany`: one pipelined existence
 * check per job, an add only for those missing), instead of each adding the same job again. A
 * job still missing by then (its writer died between its commit and its add) is added by them.
 */
export function createExpiryJobs(
  scheduler: Scheduler,
  onError: (err: unknown) => void,
  delayMs = FOLLOW_DELAY_MS,
) {
  /** Seqs this process committed and has not applied yet. */
  const own = new Set<number>();
  /** Newest version per ad id heard from other replicas, not yet checked. */
  const heard = new Map<string, ExpiryJob>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const flush = (): void => {
    timer = undefined;
    if (stopped || heard.size === 0) return;
    const jobs = [...heard.values()];
    heard.clear();
    scheduler.scheduleMany(jobs).catch(onError);
  };

  return {
    /** The entries this process just committed, before they are applied. */
    committed(entries: readonly Entry[]): void {
      for (const e of entries) own.add(e.seq);
    },

    /** Called for every entry applied, in `seq` order. */
    applied(entry: Entry): void {
      const mine = own.delete(entry.seq);
      if (entry.type === 'delete') {
        heard.delete(entry.id);
        scheduler.cancel(entry.id).catch(onError);
        return;
      }
      if (entry.type !== 'create' && entry.type !== 'update') return;
      const { id, version, endAt } = entry.ad;
      if (mine) {
        heard.delete(id);
        scheduler.schedule(id, version, endAt).catch(onError);
        return;
      }
      heard.set(id, { id, version, at: endAt });
      if (!timer && !stopped) {
        timer = setTimeout(flush, delayMs);
        timer.unref();
      }
    },

    /** No more checks; those not done yet are left to the writers (and any replica's restart). */
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      heard.clear();
    },
  };
}
