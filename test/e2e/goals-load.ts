/** Helpers of the goals process tests: ads with goals, and a load of decisions that keeps score. */
import { sleep } from './cluster.js';
import { post, type Server } from './process.js';

const HOUR = 3_600_000;

export async function createAd(
  s: Server,
  goals: Record<string, number>,
  over: { startAt?: string; endAt?: string; pacing?: 'asap' | 'even' } = {},
) {
  const res = await post(s.url, {
    title: 'goal',
    startAt: over.startAt ?? new Date(Date.now() - HOUR).toISOString(),
    endAt: over.endAt ?? new Date(Date.now() + 24 * HOUR).toISOString(),
    delivery: { goals, pacing: over.pacing ?? 'asap' },
  });
  if (res.status !== 201) throw new Error(`create ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Decisions from `concurrency` clients per server until `stop()`: counts, per ad, the decisions
 * that included it in an answer received (what a platform served), with the time each arrived.
 * An empty server list pauses the clients; `pending(s)` is how many requests to `s` await an answer.
 */
export function decisionLoad(servers: () => readonly Server[], concurrency: number, count = 3) {
  const served = new Map<string, number>();
  const onServed: ((ad: string, n: number, at: number) => void)[] = [];
  let errors = 0;
  let answers = 0;
  const pending = new Map<Server, number>();
  let stopped = false;
  /** One decision from `s`: its answer's ads, or null after a refusal or a failure. */
  const ask = async (s: Server): Promise<{ adId: string }[] | null> => {
    pending.set(s, (pending.get(s) ?? 0) + 1);
    try {
      const res = await fetch(`${s.url}/api/v1/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count }),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        return null;
      }
      return ((await res.json()) as { decisions: { adId: string }[] }).decisions;
    } catch {
      return null;
    } finally {
      pending.set(s, pending.get(s)! - 1);
    }
  };
  const worker = async (i: number) => {
    while (!stopped) {
      const list = servers();
      if (list.length === 0) {
        await sleep(5);
        continue;
      }
      const decisions = await ask(list[i % list.length]!);
      if (decisions === null) {
        errors++;
        await sleep(20);
        continue;
      }
      const at = Date.now();
      answers++;
      for (const d of decisions) {
        const n = (served.get(d.adId) ?? 0) + 1;
        served.set(d.adId, n);
        for (const f of onServed) f(d.adId, n, at);
      }
    }
  };
  const running = Array.from({ length: concurrency }, (_, i) => worker(i));
  return {
    served,
    onServed,
    answers: () => answers,
    errors: () => errors,
    pending: (s: Server) => pending.get(s) ?? 0,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** Waits until `ad`'s count in `served` has not moved for `quietMs`, or `timeoutMs` passed. */
export async function settled(
  served: Map<string, number>,
  ids: readonly string[],
  quietMs: number,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  let last = ids.map((id) => served.get(id) ?? 0).join();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const now = ids.map((id) => served.get(id) ?? 0).join();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

export async function statusOn(s: Server, id: string): Promise<string> {
  const res = await fetch(`${s.url}/api/v1/ad/${id}`);
  return ((await res.json()) as { status: string }).status;
}

export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(200);
  }
  return check();
}
