/**
 * The contract every Log adapter meets, run by each adapter's test file. An adapter whose
 * subscriptions go live asynchronously exposes `ready: Promise<void>` on the subscription; the
 * suite waits for it before publishing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Entry } from '../statemachine/entries.js';
import type { Log, Subscription } from './log.js';

export interface LogFixture {
  readonly log: Log;
  /** Another handle on the same transport (another replica); may be `log` itself. */
  readonly peer: Log;
  cleanup(): Promise<void>;
}

export const entry = (seq: number): Entry => ({
  type: 'delete',
  seq,
  at: 1_700_000_000_000 + seq,
  id: `ad-${seq}`,
});

export interface Collected {
  readonly seqs: number[];
  readonly resets: number;
  readonly sub: Subscription;
}

/** Subscribes, collecting the delivered `seq`s and counting resets, once the subscription is live. */
export async function collect(log: Log): Promise<Collected> {
  const seqs: number[] = [];
  let resets = 0;
  const sub = log.subscribe({
    onEntries: (entries) => seqs.push(...entries.map((e) => e.seq)),
    onReset: () => resets++,
  });
  await live(sub);
  return {
    seqs,
    get resets() {
      return resets;
    },
    sub,
  };
}

export function live(sub: Subscription): Promise<void> {
  return 'ready' in sub && sub.ready instanceof Promise ? sub.ready.then(() => undefined) : Promise.resolve();
}

const eventually = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });

export function logContract(name: string, make: () => Promise<LogFixture>): void {
  describe(`Log contract: ${name}`, () => {
    let fx: LogFixture;
    beforeEach(async () => {
      fx = await make();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('delivers published entries to every subscriber in publish order', async () => {
      const a = await collect(fx.log);
      const b = await collect(fx.peer);
      for (let seq = 1; seq <= 50; seq++) await fx.log.publish([entry(seq)]);
      const all = Array.from({ length: 50 }, (_, i) => i + 1);
      await eventually(() => expect(a.seqs).toEqual(all));
      await eventually(() => expect(b.seqs).toEqual(all));
      await Promise.all([a.sub.close(), b.sub.close()]);
    });

    it('keeps publish order for concurrent publishes from one handle', async () => {
      const a = await collect(fx.peer);
      await Promise.all([1, 2, 3, 4, 5].map((seq) => fx.log.publish([entry(seq)])));
      await eventually(() => expect(a.seqs).toEqual([1, 2, 3, 4, 5]));
      await a.sub.close();
    });

    it('does not require entries published before subscribe', async () => {
      await fx.log.publish([entry(1)]);
      const a = await collect(fx.peer);
      await fx.log.publish([entry(2)]);
      await fx.log.publish([entry(3)]);
      await eventually(() => expect(a.seqs.slice(-2)).toEqual([2, 3]));
      expect(a.seqs.every((s) => s >= 1 && s <= 3)).toBe(true);
      await a.sub.close();
    });

    it('stops delivering to a closed subscription', async () => {
      const a = await collect(fx.log);
      const b = await collect(fx.peer);
      await fx.log.publish([entry(1)]);
      await eventually(() => expect(a.seqs).toEqual([1]));
      await a.sub.close();
      await fx.log.publish([entry(2)]);
      await eventually(() => expect(b.seqs).toEqual([1, 2]));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(a.seqs).toEqual([1]);
      await b.sub.close();
    });

    it('publishes without throwing after a subscription closed, and closes twice', async () => {
      const a = await collect(fx.log);
      await a.sub.close();
      await expect(fx.log.publish([entry(1)])).resolves.toBeUndefined();
      await expect(a.sub.close()).resolves.toBeUndefined();
    });

    it('stops every subscription on close', async () => {
      const a = await collect(fx.log);
      await fx.log.close();
      await fx.peer.publish([entry(1)]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(a.seqs).toEqual([]);
    });
  });
}
