import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrackingUrls } from '../../src/delivery/tracking-urls.js';
import { metric } from './cluster.js';
import { adBody, post, startServer, tempDir, type Server } from './process.js';

const SECRET = 'e2e-tracking-secret-of-at-least-32-chars';
/** Tokens made as the server makes them, by a signer of the test's own (the HMAC is what counts). */
const minter = (secret: string, ttlSeconds = 86_400) =>
  createTrackingUrls({ secret, signer: 4_000_000_000, ttlSeconds });

const fire = (server: Server, path: string, method = 'GET') =>
  fetch(`${server.url}${path}`, { method, redirect: 'manual' });
const createAd = async (s: Server, over: Record<string, unknown> = {}) =>
  ((await (await post(s.url, adBody(0, over))).json()) as { id: string }).id;
const counts = async (s: Server, ad: string) => {
  const body = (await (await fetch(`${s.url}/api/v1/ad/${ad}/stats`)).json()) as {
    impressions: { '1h': number };
    clicks: { '1h': number };
  };
  return { impressions: body.impressions['1h'], clicks: body.clicks['1h'] };
};
/** Waits for the counts to settle at `expected` (a flush is due every 200 ms), then one more flush. */
async function settled(s: Server, ad: string, expected: { impressions: number; clicks: number }) {
  const deadline = Date.now() + 10_000;
  while (JSON.stringify(await counts(s, ad)) !== JSON.stringify(expected) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 600));
  expect(await counts(s, ad)).toEqual(expected);
}

describe('tracking URLs, embedded, as a process', () => {
  const dir = tempDir();
  let server: Server;
  const urls = minter(SECRET);

  beforeAll(async () => {
    server = await startServer({
      env: { DATA_DIR: dir.path, TRACKING_SECRET: SECRET, FLUSH_INTERVAL_MS: '200' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  it('counts the first fire of an impression URL once; later fires answer 204 and count nothing', async () => {
    const ad = await createAd(server);
    const d = urls.issue(ad, Date.now());
    const first = await fire(server, d.impressionUrl);
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    expect(first.headers.get('cache-control')).toBe('no-store');
    for (const method of ['GET', 'POST', 'GET'])
      expect((await fire(server, d.impressionUrl, method)).status).toBe(204);
    await settled(server, ad, { impressions: 1, clicks: 0 });
    // The click of the same decision counts apart, even with no impression fired for it.
    const other = urls.issue(ad, Date.now());
    expect((await fire(server, other.clickUrl, 'POST')).status).toBe(204);
    expect((await fire(server, other.clickUrl)).status).toBe(204);
    await settled(server, ad, { impressions: 1, clicks: 1 });
  });

  it('answers a click of an ad with a landing URL with 302 to it, counted once', async () => {
    const landingUrl = 'https://example.com/landing?from=adsm';
    const ad = await createAd(server, { creative: { landingUrl, data: { size: '300x250' } } });
    const d = urls.issue(ad, Date.now());
    const click = await fire(server, d.clickUrl);
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe(landingUrl);
    expect((await fire(server, d.impressionUrl)).status).toBe(204);
    expect((await fire(server, d.clickUrl)).headers.get('location')).toBe(landingUrl);
    await settled(server, ad, { impressions: 1, clicks: 1 });
  });

  it('refuses forged, altered and expired URLs, counting nothing', async () => {
    const ad = await createAd(server);
    const d = urls.issue(ad, Date.now());
    const token = d.impressionUrl.slice('/api/v1/t/'.length);
    const altered = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    const forged = minter('another-cluster-secret-of-32-characters').issue(ad, Date.now()).impressionUrl;
    for (const path of [
      `/api/v1/t/${altered}`,
      forged,
      '/api/v1/t/',
      '/api/v1/t/nope',
      `/api/v1/t/${token}/x`,
    ]) {
      const res = await fire(server, path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    const old = urls.issue(ad, Date.now() - 86_400_000 - 1000);
    const expired = await fire(server, old.clickUrl);
    expect(expired.status).toBe(410);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('gone');
    const wrong = await fire(server, d.impressionUrl, 'DELETE');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    await new Promise((r) => setTimeout(r, 600));
    expect(await counts(server, ad)).toEqual({ impressions: 0, clicks: 0 });
    expect(
      await metric(server, 'adsm_tracking_fires_total{kind="unknown",outcome="invalid"}'),
    ).toBeGreaterThanOrEqual(5);
    expect(await metric(server, 'adsm_tracking_fires_total{kind="click",outcome="expired"}')).toBe(1);
  });

  it('reports fires counted and deduplicated by kind', async () => {
    expect(await metric(server, 'adsm_tracking_fires_total{kind="impression",outcome="counted"}')).toBe(2);
    expect(await metric(server, 'adsm_tracking_fires_total{kind="impression",outcome="duplicate"}')).toBe(3);
    expect(await metric(server, 'adsm_tracking_fires_total{kind="click",outcome="counted"}')).toBe(2);
    expect(await metric(server, 'adsm_tracking_fires_total{kind="click",outcome="duplicate"}')).toBe(2);
  });
});

describe('the tracking secret, embedded', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('is made at first start, kept under DATA_DIR and used again after a restart', async () => {
    let server = await startServer({ env: { DATA_DIR: dir.path, FLUSH_INTERVAL_MS: '200' } });
    try {
      const db = new BetterSqlite3(join(dir.path, 'tracking.sqlite'), { readonly: true });
      const { secret } = db.prepare('SELECT secret FROM tracking_secret').get() as { secret: string };
      db.close();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(server.output()).not.toContain(secret);
      const ad = await createAd(server);
      const d = minter(secret).issue(ad, Date.now());
      expect((await fire(server, d.impressionUrl)).status).toBe(204);
      await server.stop();
      server = await startServer({ env: { DATA_DIR: dir.path, FLUSH_INTERVAL_MS: '200' } });
      expect((await fire(server, d.impressionUrl)).status).toBe(204);
      expect((await fire(server, d.clickUrl)).status).toBe(204);
      await settled(server, ad, { impressions: 1, clicks: 1 });
      expect(server.output()).not.toContain(secret);
    } finally {
      await server.stop();
    }
  });
});
