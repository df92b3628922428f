/** Frequency caps in this process's memory (tests, and a reference for the other adapters). */
import { takeFrom, type FrequencyCapStore, type ServeTimes } from './frequency-caps.js';

export function createMemoryFrequencyCaps(): FrequencyCapStore & { readonly size: number } {
  const rows = new Map<string, { times: ServeTimes; keepUntil: number }>();
  const keyOf = (userKey: string, adId: string) => `${userKey}\u0000${adId}`;
  return {
    take(userKey, candidates, count, now) {
      const taken = takeFrom(
        {
          get: (u, a) => {
            const row = rows.get(keyOf(u, a));
            return row && row.keepUntil >= now ? row.times : undefined;
          },
          set: (u, a, times, keepUntil) => rows.set(keyOf(u, a), { times, keepUntil }),
        },
        userKey,
        candidates,
        count,
        now,
      );
      return Promise.resolve(taken);
    },
    get size() {
      return rows.size;
    },
    close: () => Promise.resolve(),
  };
}
