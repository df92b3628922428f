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
 */
export function decisionLoad(servers: () => readonly Server[], concurrency: number, count = 3) {
  const served = new Map<string, number>();
  const onServed: ((ad: string, n: number, at: number) => void)[] = [];
  let errors = 0;
  let answers = 0;
  let stopped = false;
  const worker = async (i: number) => {
    while (!stopped) {
      const list = servers();
      const s = list[i % list.length]!;
      try {
        const res = await fetch(`${s.url}/api/v1/decisions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ count }),
        });
        if (res.status !== 200) {
          errors++;
          await res.body?.cancel();
          await sleep(20);
          continue;
        }
        const body = (await res.json()) as { decisions: { adId: string }[] };
        const at = Date.now();
        answers++;
        for (const d of body.decisions) {
          const n = (served.get(d.adId) ?? 0) + 1;
          served.set(d.adId, n);
          for (const f of onServed) f(d.adId, n, at);
        }
      } catch {
        errors++;
        await sleep(20);
      }
    }
  };
  const running = Array.from({ length: concurrency }, (_, i) => worker(i));
  return {
    served,
    onServed,
    answers: () => answers,
    errors: () => errors,
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
