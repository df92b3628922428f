/**
 * Frequency caps of replicated mode, in Redis: one hash per user key (`<prefix>:caps:<user key>`),
 * one field per ad holding its recent decision times for that user, expiring once the longest
 * window of the ads it records has passed. Every take is one call of `frequency-caps.lua`, which
 * checks every candidate's caps and records the taken ones atomically, so replicas deciding for
 * the same user at once never overshoot a cap. This is state that lives only in Redis: when
 * Redis is lost, the caps' history is lost with it.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { FrequencyCap } from '../model/delivery.js';
import type { FrequencyCapStore } from './frequency-caps.js';

const TAKE_LUA = readFileSync(new URL('./frequency-caps.lua', import.meta.url), 'utf8');

/** How long a take may wait for Redis before the decision goes on without capped ads. */
export const CAPS_TIMEOUT_MS = 250;

type TakeCommand = (key: string, ...args: (string | number)[]) => Promise<number[]>;

/** An ad's caps as the script reads them: `impressions:window-ms` joined by commas. */
const specs = new WeakMap<readonly FrequencyCap[], string>();
const specOf = (caps: readonly FrequencyCap[]): string => {
  let spec = specs.get(caps);
  if (spec === undefined) {
    spec = caps.map((cap) => `${cap.impressions}:${cap.seconds * 1000}`).join(',');
    specs.set(caps, spec);
  }
  return spec;
};

export function createRedisFrequencyCaps(deps: {
  /** Best a connection of its own with auto-pipelining: the takes of one tick go in one write. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly timeoutMs?: number;
}): FrequencyCapStore {
  const { redis, prefix } = deps;
  const timeoutMs = deps.timeoutMs ?? CAPS_TIMEOUT_MS;
  const name = 'adsmTakeCaps';
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua: TAKE_LUA });
  const command = (redis as unknown as Record<string, TakeCommand>)[name]!.bind(redis);

  return {
    take(userKey, candidates, count, now) {
      if (redis.status !== 'ready') return Promise.reject(new Error(`redis is ${redis.status}`));
      const args: (string | number)[] = [now, count];
      for (const c of candidates) args.push(c.adId, c.caps.length === 0 ? '' : specOf(c.caps));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('frequency caps: redis did not answer in time')),
          timeoutMs,
        );
      });
      return Promise.race([command(`${prefix}:caps:${userKey}`, ...args), timeout])
        .then((positions) => positions.map((p) => p - 1))
        .finally(() => clearTimeout(timer));
    },
    close: () => Promise.resolve(),
  };
}
