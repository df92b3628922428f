/** `setup()` helpers: make sure the server holds the seed dataset and learn the ids of its ads. */
import { fail } from 'k6';
import http from 'k6/http';
import { ADMIN_HEADERS, BASE_URL, envInt } from './env.ts';
import { adBody } from './mix.ts';

interface Page {
  items: { id: string }[];
}

/** Ids of up to `max` active ads, read through the public API 100 at a time. */
export function activeIds(max: number): string[] {
  const ids: string[] = [];
  while (ids.length < max) {
    const res = http.get(`${BASE_URL}/api/v1/ad?limit=100&offset=${ids.length}`, { tags: { name: 'setup' } });
    if (res.status !== 200) fail(`GET /api/v1/ad answered ${res.status}: ${String(res.body)}`);
    const page = res.json() as unknown as Page;
    ids.push(...page.items.map((item) => item.id));
    if (page.items.length < 100) break;
  }
  return ids.slice(0, max);
}

/**
 * Creates SEED_ADS (default 1,000) seed ads when the server has no active ad, or always with
 * SEED=always; SEED=never skips it. Returns the ids of the active ads (at most 10,000).
 */
export function ensureSeed(): string[] {
  const mode = __ENV.SEED ?? 'auto';
  const wanted = envInt('SEED_ADS', 1_000);
  if (mode === 'always' || (mode === 'auto' && activeIds(1).length === 0)) {
    for (let done = 0; done < wanted; done += 50) {
      const batch = [];
      for (let i = done; i < Math.min(done + 50, wanted); i++) {
        batch.push({
          method: 'POST',
          url: `${BASE_URL}/api/v1/ad`,
          body: JSON.stringify(adBody(`AD ${i}`)),
          params: { headers: ADMIN_HEADERS, tags: { name: 'setup' } },
        });
      }
      for (const res of http.batch(batch)) {
        if (res.status !== 201) fail(`seeding: POST /api/v1/ad answered ${res.status}: ${String(res.body)}`);
      }
    }
  }
  return activeIds(10_000);
}
