/**
 * Frequency caps of replicated mode, in Redis: one hash per user key (`<prefix>:caps:<user key>`),
 * one field per ad holding its recent decision times for that user, expiring once the longest
 * window of the ads it records has passed. Every take is one step of `frequency-caps.lua`, which
 * checks every candidate's caps and records the taken ones atomically, so replicas deciding for
 * the same user at once never overshoot a cap. The takes asked for in one turn of the event loop
 * go to Redis as one script call (one key and one run of the steps per take, in order): one
 * command to build, write and parse per turn instead of one per decision. This is state that
 * lives only in Redis: when Redis is lost, the caps' history is lost with it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { FrequencyCap } from '../model/delivery.js';
import type { CapCandidate, FrequencyCapStore } from './frequency-caps.js';

const TAKE_LUA = readFileSync(new URL('./frequency-caps.lua', import.meta.url), 'utf8');
const TAKE_SHA = createHash('sha1').update(TAKE_LUA).digest('hex');

/** How long a take may wait for Redis before the decision goes on without capped ads. */
export const CAPS_TIMEOUT_MS = 250;

/** An ad's caps as the script reads them: `impressions:window-ms` joined by commas. */
const specs = new WeakMap<readonly FrequencyCap[], string>();
const specOf = (caps: readonly FrequencyCap[]): string => {
  if (caps.length === 0) return '';
  let spec = specs.get(caps);
  if (spec === undefined) {
    spec = caps.map((cap) => `${cap.impressions}:${cap.seconds * 1000}`).join(',');
    specs.set(caps, spec);
  }
  return spec;
};

/** The takes of one turn: the script's keys and arguments, and who waits for which answer. */
interface Batch {
  readonly keys: string[];
  readonly argv: string[];
  readonly resolves: ((taken: number[]) => void)[];
  readonly rejects: ((err: Error) => void)[];
}

/** The indexes marked "1" in a take's answer. */
function positions(marks: string): number[] {
  const taken: number[] = [];
  for (let i = 0; i < marks.length; i++) if (marks.charCodeAt(i) === 49) taken.push(i);
  return taken;
}

export function createRedisFrequencyCaps(deps: {
  /** Best a connection of its own: the takes are batched here, no auto-pipelining is needed. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly timeoutMs?: number;
}): FrequencyCapStore {
  const { redis } = deps;
  const keyPrefix = `${deps.prefix}:caps:`;
  const timeoutMs = deps.timeoutMs ?? CAPS_TIMEOUT_MS;
  let batch: Batch | undefined;

  const fail = (b: Batch, err: Error) => {
    for (const reject of b.rejects) reject(err);
  };

  const send = () => {
    const b = batch!;
    batch = undefined;
    if (redis.status !== 'ready') {
      fail(b, new Error(`redis is ${redis.status}`));
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      fail(b, new Error('frequency caps: redis did not answer in time'));
    }, timeoutMs);
    const n = b.keys.length;
    const args = b.keys.concat(b.argv);
    const run = (): Promise<unknown> =>
      redis.evalsha(TAKE_SHA, n, ...args).catch((err: Error) => {
        // A Redis that restarted or flushed its scripts: send the script itself, once.
        if (!err.message.includes('NOSCRIPT')) throw err;
        return redis.eval(TAKE_LUA, n, ...args);
      });
    run().then(
      (answers) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const marks = answers as string[];
        for (let k = 0; k < b.resolves.length; k++) b.resolves[k]!(positions(marks[k]!));
      },
      (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fail(b, err);
      },
    );
  };

  return {
    take(userKey: string, candidates: readonly CapCandidate[], count: number, now: number) {
      if (redis.status !== 'ready') return Promise.reject(new Error(`redis is ${redis.status}`));
      if (batch === undefined) {
        batch = { keys: [], argv: [], resolves: [], rejects: [] };
        setImmediate(send);
      }
      const { keys, argv } = batch;
      keys.push(keyPrefix + userKey);
      argv.push(String(now), String(count), String(candidates.length));
      for (const c of candidates) argv.push(c.adId, specOf(c.caps));
      const b = batch;
      return new Promise<number[]>((resolve, reject) => {
        b.resolves.push(resolve);
        b.rejects.push(reject);
      });
    },
    close: () => Promise.resolve(),
  };
}
