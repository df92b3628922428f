/**
 * Headless Chromium for browser tests, driven by playwright-core. The browser is Debian's
 * `chromium` (installed by `.ci/run`); a missing browser fails the test rather than skipping it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no browser at ${CHROMIUM_PATH}: install Debian's chromium (bash .ci/run) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true });
}

/**
 * Aborts every request the page makes to an origin other than `origin` (e.g. a CDN), as on a
 * host without internet; answers the URLs it blocked, in order.
 */
export async function blockAllBut(page: Page, origin: string): Promise<string[]> {
  const allowed = new URL(origin).origin;
  const blocked: string[] = [];
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === allowed) {
      await route.continue();
    } else {
      blocked.push(url);
      await route.abort('blockedbyclient');
    }
  });
  return blocked;
}
