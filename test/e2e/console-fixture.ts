import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { blockAllBut } from '../support/browser.js';
import type { AdJson } from '../http/helpers.js';
import { Cluster } from './cluster.js';
import { startServer, tempDir, type Server } from './process.js';

/** Screenshots of the console scenarios (gitignored): `test-results/console/<mode>-<name>.png`. */
export const SHOTS_DIR = new URL('../../test-results/console/', import.meta.url).pathname;
mkdirSync(SHOTS_DIR, { recursive: true });

export const TOKEN = 'console-e2e-token';
/** The browser runs in a zone far from UTC, so local-time handling shows. */
export const TIME_ZONE = 'Asia/Taipei';

export interface ConsolePage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Requests the page tried to send anywhere but the server (all were blocked). */
  readonly blocked: string[];
  /** Uncaught page errors and console errors other than answers the scenario provoked. */
  readonly errors: string[];
  shot(name: string): Promise<void>;
}

export async function openConsole(
  browser: Browser,
  url: string,
  mode: string,
  viewport = { width: 1366, height: 768 },
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport, timezoneId: TIME_ZONE, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const blocked = await blockAllBut(page, url);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  await page.goto(`${url}/admin`);
  return {
    page,
    context,
    blocked,
    errors,
    shot: async (name) =>
      void (await page.screenshot({ path: `${SHOTS_DIR}${mode}-${name}.png`, fullPage: true })),
  };
}

export async function signIn(c: ConsolePage): Promise<void> {
  await c.page.getByLabel('Admin token').fill(TOKEN);
  await c.page.getByRole('button', { name: 'Sign in' }).click();
  await c.page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
}

/** The admin API from the test itself, as another admin (or tool) would use it meanwhile. */
export function adminApi(url: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  return {
    call,
    async create(body: Record<string, unknown>): Promise<AdJson> {
      const res = await call('POST', '/api/v1/ad', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as unknown as AdJson;
    },
    async list(search: string): Promise<AdJson[]> {
      const res = await call('GET', `/api/v1/admin/ads?${search}`);
      expect(res.status).toBe(200);
      return (res.body as unknown as { items: AdJson[] }).items;
    },
  };
}

export type { AdJson } from '../http/helpers.js';
export { HOUR, DAY } from '../support/ads.js';
export const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Polls `check` until it stops throwing (a replica catching up with another). */
export { expectEventually as eventually } from './store-failures.js';

/** A server for the browser, and where the test's own API calls go. */
export interface Target {
  /** The replica the browser uses. */
  url: string;
  /** Where the test's own API calls go (the other replica in replicated mode). */
  apiUrl: string;
  stop(): Promise<void>;
}

async function embedded(): Promise<Target> {
  const dir = tempDir();
  const server = await startServer({ env: { DATA_DIR: dir.path, ADMIN_TOKEN: TOKEN } });
  return {
    url: server.url,
    apiUrl: server.url,
    async stop() {
      await server.stop();
      dir.remove();
    },
  };
}

async function replicated(): Promise<Target> {
  const cluster = new Cluster(13, { ADMIN_TOKEN: TOKEN });
  await cluster.setup();
  // Each replica keeps its own event spool.
  const spools = [tempDir(), tempDir()];
  const [a, b] = [
    await cluster.start({ env: { SPOOL_DIR: spools[0]!.path } }),
    await cluster.start({ env: { SPOOL_DIR: spools[1]!.path } }),
  ] as [Server, Server];
  return {
    url: a.url,
    apiUrl: b.url,
    async stop() {
      await cluster.teardown();
      for (const dir of spools) dir.remove();
    },
  };
}

export const MODES = [
  ['embedded', embedded],
  ['replicated', replicated],
] as const;
