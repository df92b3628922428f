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
    // Swagger UI takes its time on a busy machine.
  }, 90_000);

  it('shows the public query first, on the first screen, with the notes folded away', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await blockAllBut(page, origin);
    await page.goto(`${origin}/docs`);
    const tags = page.locator('.opblock-tag-section h3');
    await tags.first().waitFor({ timeout: 20_000 });
    const names = await Promise.all((await tags.all()).map((t) => t.getAttribute('data-tag')));
    expect(names).toEqual(['public', 'delivery', 'admin', 'tracking', 'service']);
    const first = await tags.first().boundingBox();
    expect(first!.y + first!.height, 'the first tag is on the first screen').toBeLessThan(768);
    expect(await page.getByText('Order of checks.').isVisible()).toBe(false);
    await page.getByText('How this server reads the contract').click();
    expect(await page.getByText('Order of checks.').isVisible()).toBe(true);
    await page.close();
  }, 90_000);

  it('shows each error status with the body the server sends for it', async () => {
    const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            responses: Record<
              string,
              { content?: Record<string, { example?: { error: { code: string } } }> }
            >;
          }
        >
      >;
    };
    const codes = new Map<string, Set<string>>();
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        for (const [status, res] of Object.entries(op.responses)) {
          const code = res.content?.['application/json']?.example?.error.code;
          if (code) codes.set(status, (codes.get(status) ?? new Set()).add(code));
        }
    expect([...(codes.get('500') ?? [])]).toEqual(['internal']);
    expect([...(codes.get('503') ?? [])]).toEqual(['not_ready']);
    expect([...(codes.get('401') ?? [])]).toEqual(['unauthorized']);
    expect([...(codes.get('400') ?? [])]).toEqual(['validation_failed']);
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
