/**
 * Checks a sample of the query mix against a brute-force reference computed from the ads the
 * benchmark created, so a fast answer is never a wrong one. The matcher here is written from the
 * API contract on purpose and shares no code with the server.
 */
import type { AdQuery, ConditionSet } from '../src/model/ad.js';
import { createRng, seedQueryMix, type SeedQuery } from './dataset.js';
import { createHttpClient, forEachConcurrent } from './http-client.js';

/** An ad as the benchmark sent it, with the id the server gave. Times are epoch ms. */
export interface RefAd {
  readonly id: string;
  readonly title: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly conditions: readonly ConditionSet[];
}

/** The public query path for one query of the mix. */
export function queryPath({ query, offset, limit }: SeedQuery): string {
  const params = new URLSearchParams({ offset: String(offset), limit: String(limit) });
  if (query.age !== undefined) params.set('age', String(query.age));
  if (query.gender !== undefined) params.set('gender', query.gender);
  if (query.country !== undefined) params.set('country', query.country);
  if (query.platform !== undefined) params.set('platform', query.platform);
  return `/api/v1/ad?${params.toString()}`;
}

function setMatches(set: ConditionSet, q: AdQuery): boolean {
  if (q.age !== undefined && ((set.ageStart ?? 1) > q.age || (set.ageEnd ?? 100) < q.age)) return false;
  if (q.gender !== undefined && set.gender && !set.gender.includes(q.gender)) return false;
  if (q.country !== undefined && set.country && !set.country.includes(q.country.toUpperCase())) return false;
  if (q.platform !== undefined && set.platform && !set.platform.includes(q.platform)) return false;
  return true;
}

/** Ads sorted once by (endAt, id); `page` scans them in order and stops when the page is full. */
export function createReference(ads: readonly RefAd[]) {
  const sorted = [...ads].sort((a, b) => a.endAt - b.endAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    page(q: SeedQuery, now: number): RefAd[] {
      const out: RefAd[] = [];
      let skip = q.offset;
      for (const ad of sorted) {
        if (ad.startAt > now || now >= ad.endAt) continue;
        if (ad.conditions.length > 0 && !ad.conditions.some((s) => setMatches(s, q.query))) continue;
        if (skip > 0) skip--;
        else if (out.push(ad) >= q.limit) break;
      }
      return out;
    },
  };
}

export interface CheckResult {
  readonly queries: number;
  readonly wrong: number;
  /** Answers that were not 200 with `{"items": [...]}`. */
  readonly failed: number;
  /** Mean number of items per answer, and mean body size in bytes. */
  readonly meanItems: number;
  readonly meanBytes: number;
  /** Up to 5 disagreements, for the report. */
  readonly examples: string[];
}

interface Item {
  readonly id: string;
  readonly title: string;
  readonly endAt: string;
}

/** Sends `n` queries of the mix (PRNG `seed`) and compares every page with the reference. */
export async function checkAnswers(
  baseUrl: string,
  ads: readonly RefAd[],
  n: number,
  seed = 4242,
): Promise<CheckResult> {
  const ref = createReference(ads);
  const queries = seedQueryMix(n, createRng(seed));
  const client = createHttpClient(baseUrl, 8);
  let wrong = 0;
  let failed = 0;
  let items = 0;
  let bytes = 0;
  const examples: string[] = [];
  const note = (msg: string) => examples.length < 5 && examples.push(msg);
  await forEachConcurrent(queries.length, 8, async (i) => {
    const q = queries[i]!;
    const path = queryPath(q);
    const res = await client.request('GET', path);
    bytes += Buffer.byteLength(res.body);
    let got: Item[] | undefined;
    try {
      const parsed = JSON.parse(res.body) as { items?: Item[] };
      got = Array.isArray(parsed.items) ? parsed.items : undefined;
    } catch {
      got = undefined;
    }
    if (res.status !== 200 || !got) {
      failed++;
      return void note(`${path}: ${res.status} ${res.body.slice(0, 200)}`);
    }
    items += got.length;
    const want = ref
      .page(q, Date.now())
      .map((a) => ({ id: a.id, title: a.title, endAt: new Date(a.endAt).toISOString() }));
    const same =
      got.length === want.length &&
      got.every((g, k) => g.id === want[k]!.id && g.title === want[k]!.title && g.endAt === want[k]!.endAt);
    if (!same) {
      wrong++;
      note(
        `${path}: got ${JSON.stringify(got.map((g) => g.id))} want ${JSON.stringify(want.map((w) => w.id))}`,
      );
    }
  });
  client.close();
  return {
    queries: queries.length,
    wrong,
    failed,
    meanItems: Math.round((items / queries.length) * 100) / 100,
    meanBytes: Math.round(bytes / queries.length),
    examples,
  };
}
