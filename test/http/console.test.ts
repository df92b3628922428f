import { afterEach, describe, expect, it } from 'vitest';
import { expectError, setup, type Client } from './helpers.js';
import { COUNTRY_CODES } from '../../src/http/ads/countries.js';
import { GENDERS, PLATFORMS } from '../../src/model/ad.js';

let client: Client | undefined;
afterEach(async () => {
  await client?.t.close();
  client = undefined;
});

describe('the console at /admin', () => {
  it('serves one page whose every asset comes from this server, under a strict CSP', async () => {
    client = await setup({ adminToken: 'secret-token' });
    const res = await client.app.request('/admin');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe|https?:/);
    const html = await res.text();
    expect(html).toContain('data-auth="required"');
    expect(html).not.toMatch(/<script>|style=|https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(\/admin\/assets\/[^"?]+)/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const path of assets) {
      const asset = await client.app.request(path);
      expect(asset.status, path).toBe(200);
      const text = await asset.text();
      expect(text, path).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      if (path.endsWith('.js')) {
        for (const [, dep] of text.matchAll(/from '\.\/([^']+)'/g)) {
          expect((await client.app.request(`/admin/assets/${dep}`)).status, dep).toBe(200);
        }
      }
    }
    // The pickers' lists come from the API's own (one source), countries by their common name.
    const block = /<script type="application\/json" id="vocabulary">([^<]*)<\/script>/.exec(html);
    const vocabulary = JSON.parse(block![1]!) as {
      countries: [string, string][];
      genders: [string, string][];
      platforms: [string, string][];
    };
    expect(vocabulary.genders.map(([v]) => v)).toEqual([...GENDERS]);
    expect(vocabulary.platforms.map(([v]) => v)).toEqual([...PLATFORMS]);
    expect(vocabulary.countries.map(([code]) => code).sort()).toEqual([...COUNTRY_CODES].sort());
    const names = new Map(vocabulary.countries);
    expect(names.get('TW')).toBe('Taiwan');
    expect(names.get('KR')).toBe('South Korea');
    expect(names.get('GB')).toBe('United Kingdom');
    expect(new Set(names.values()).size, 'no two countries share a name').toBe(names.size);
  });

  it('tells the page when the server runs without a token', async () => {
    client = await setup();
    expect(await (await client.app.request('/admin')).text()).toContain('data-auth="open"');
  });

  it('unknown assets are 404 and other methods 405, in the contract format', async () => {
    client = await setup();
    await expectError(await client.app.request('/admin/assets/nope.js'), 404, 'not_found');
    await expectError(await client.app.request('/admin/assets/..%2Fconsole-routes.ts'), 404, 'not_found');
    await expectError(await client.app.request('/admin', { method: 'POST' }), 405, 'method_not_allowed');
  });

  it('/admin/cluster.json needs the admin token and tells seq, lag, snapshot and readiness', async () => {
    client = await setup({ adminToken: 'secret-token' });
    await expectError(await client.app.request('/admin/cluster.json'), 401, 'unauthorized');
    await client.create({ title: 'a' });
    await client.create({ title: 'b' });
    await client.t.store.saveSnapshot({ seq: 2, data: 'state at seq 2' }, 3);
    const res = await client.request('/admin/cluster.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({
      ready: true,
      appliedSeq: 2,
      knownHeadSeq: 2,
      lagEntries: 0,
      liveAds: 2,
      activeAds: 2,
      snapshot: { seq: 2 },
    });
  });
});
