import { describe, expect, it } from 'vitest';
import type { Ad, AdQuery } from '../../model/ad.js';
import { COUNTRY_CODES } from './countries.js';
import { createPageCache, questionKey, uncachedPages } from './page-cache.js';
import { parsePublicQuery } from './query.js';

/** A service whose answers name the question, the page and how many times it was queried. */
function fakeService() {
  let epoch = 0;
  let queries = 0;
  return {
    now: () => 1_000,
    answersEpoch: () => epoch,
    query(q: AdQuery, offset: number, limit: number): readonly Ad[] {
      queries++;
      const title = `${JSON.stringify(q)} ${offset} ${limit} #${queries}`;
      return [{ id: 'a', title, endAt: 0 } as Ad];
    },
    move: () => void epoch++,
    queries: () => queries,
  };
}

const ask = (pages: ReturnType<typeof createPageCache>, url: string) => pages.page(parsePublicQuery(url));

describe('questionKey', () => {
  it('gives every question of the space its own key', () => {
    const seen = new Set<number>();
    let n = 0;
    for (const age of [undefined, ...Array.from({ length: 100 }, (_, i) => i + 1)])
      for (const gender of [undefined, 'M', 'F'] as const)
        for (const country of [undefined, ...COUNTRY_CODES])
          for (const platform of [undefined, 'android', 'ios', 'web'] as const) {
            const q: AdQuery = {
              ...(age !== undefined && { age }),
              ...(gender && { gender }),
              ...(country && { country }),
              ...(platform && { platform }),
            };
            seen.add(questionKey(q));
            n++;
          }
    expect(seen.size).toBe(n);
    expect([...seen].every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 31)).toBe(true);
  });
});

describe('the page cache', () => {
  it('keeps a page on its second miss and answers it from memory after', () => {
    const service = fakeService();
    const pages = createPageCache(service, 64);
    const first = ask(pages, '/api/v1/ad?age=30&country=TW');
    const second = ask(pages, '/api/v1/ad?age=30&country=TW');
    expect(second).not.toBe(first);
    expect(service.queries()).toBe(2);
    expect(ask(pages, '/api/v1/ad?age=30&country=TW')).toBe(second);
    expect(ask(pages, '/api/v1/ad?age=30&country=TW')).toBe(second);
    expect(service.queries()).toBe(2);
    expect(pages.counts()).toEqual({ hits: 2, misses: 2 });
  });

  it('shares an entry between the same question in any parameter order, letter case or with unknown parameters', () => {
    const service = fakeService();
    const pages = createPageCache(service, 64);
    ask(pages, '/api/v1/ad?age=30&country=TW&limit=5');
    const kept = ask(pages, '/api/v1/ad?country=tw&limit=5&age=30');
    expect(ask(pages, '/api/v1/ad?limit=5&utm=x&age=30&country=TW')).toBe(kept);
    expect(service.queries()).toBe(2);
  });

  it('never answers another page or another question from an entry', () => {
    const service = fakeService();
    const pages = createPageCache(service, 2);
    const urls = [
      '/api/v1/ad?age=30',
      '/api/v1/ad?age=30&offset=1',
      '/api/v1/ad?age=30&limit=11',
      '/api/v1/ad?age=31',
      '/api/v1/ad?age=30&gender=F',
      '/api/v1/ad?age=30&platform=web',
      '/api/v1/ad?age=30&country=US',
      '/api/v1/ad',
    ];
    for (let round = 0; round < 4; round++)
      for (const url of urls) {
        const { query, offset, limit } = parsePublicQuery(url);
        const title = (JSON.parse(ask(pages, url)) as { items: { title: string }[] }).items[0]!.title;
        expect(title.startsWith(`${JSON.stringify(query)} ${offset} ${limit} #`)).toBe(true);
      }
  });

  it('drops every kept page when the answers epoch moves', () => {
    const service = fakeService();
    const pages = createPageCache(service, 64);
    ask(pages, '/api/v1/ad?age=30');
    const kept = ask(pages, '/api/v1/ad?age=30');
    expect(ask(pages, '/api/v1/ad?age=30')).toBe(kept);
    service.move();
    const fresh = ask(pages, '/api/v1/ad?age=30');
    expect(fresh).not.toBe(kept);
    expect(service.queries()).toBe(3);
  });

  it('answers offsets too large to key without keeping them', () => {
    const service = fakeService();
    const pages = createPageCache(service, 64);
    for (let i = 0; i < 3; i++) ask(pages, `/api/v1/ad?offset=${2 ** 40}`);
    expect(service.queries()).toBe(3);
  });

  it('uncached pages query every time and count misses', () => {
    const service = fakeService();
    const pages = uncachedPages(service);
    for (let i = 0; i < 3; i++) pages.page(parsePublicQuery('/api/v1/ad?age=30'));
    expect(service.queries()).toBe(3);
    expect(pages.counts()).toEqual({ hits: 0, misses: 3 });
  });
});
