import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_CSP } from '../../src/http/docs/docs.js';
import { blockAllBut, launchBrowser } from '../support/browser.js';
import { setup, type Client } from './helpers.js';

/** `/docs` works without internet: a real browser, every other origin blocked. */

let client: Client;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  client = await setup();
  origin = `http://127.0.0.1:${await client.t.listen()}`;
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await client.t.close();
});

describe('/docs', () => {
  it('renders the operation list offline, under its Content-Security-Policy', async () => {
    const page = await browser.newPage();
    const blocked = await blockAllBut(page, origin);
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const res = await page.goto(`${origin}/docs`);
    expect(res?.headers()['content-security-policy']).toBe(DOCS_CSP);
    await page.getByText('Create an ad').first().waitFor({ timeout: 20_000 });
    expect(await page.getByText('Delete an ad').count()).toBeGreaterThan(0);
    expect(blocked).toEqual([]);
    expect(problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
    await page.close();
  });

  it('names no other origin anywhere in the page or its script', async () => {
    const html = await (await fetch(`${origin}/docs`)).text();
    const init = await (await fetch(`${origin}/docs/init.js`)).text();
    for (const text of [html, init]) expect(text).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>[^<]/);
  });

  it('serves the UI assets from the installed package with their types', async () => {
    for (const [file, type] of [
      ['swagger-ui-bundle.js', /^text\/javascript/],
      ['swagger-ui.css', /^text\/css/],
      ['init.js', /^text\/javascript/],
    ] as const) {
      const res = await fetch(`${origin}/docs/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const missing = await fetch(`${origin}/docs/nope.js`);
    expect(missing.status).toBe(404);
  });
});

describe('GET /', () => {
  it('points to /docs and /openapi.json', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ docs: '/docs', openapi: '/openapi.json' });
  });
});
