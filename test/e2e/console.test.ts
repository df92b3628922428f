import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import {
  adminApi,
  DAY,
  eventually,
  HOUR,
  isoIn,
  MODES,
  openConsole,
  signIn,
  TOKEN,
  type ConsolePage,
  type Target,
} from './console-fixture.js';
import { startServer, tempDir } from './process.js';

/**
 * The admin console in a real browser (Debian's chromium), every request to anything but the
 * server blocked. Each scenario runs against an embedded server and against a two-replica
 * cluster, where the browser talks to one replica and "another admin" to the other.
 */

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(MODES)('console, %s mode', (mode, make) => {
  let target: Target;
  let api: ReturnType<typeof adminApi>;
  const opened: ConsolePage[] = [];
  const open = async (viewport?: { width: number; height: number }) => {
    const c = await openConsole(browser, target.url, mode, viewport);
    opened.push(c);
    return c;
  };
  /** Reads on the browser's replica once it has caught up with a write made through the other. */
  const onBrowserReplica = adminApi('');

  beforeAll(async () => {
    target = await make();
    api = adminApi(target.apiUrl);
    Object.assign(onBrowserReplica, adminApi(target.url));
  }, 60_000);
  afterAll(async () => {
    for (const c of opened) {
      expect(c.blocked, 'requests to other origins').toEqual([]);
      expect(c.errors, 'page errors').toEqual([]);
      await c.context.close();
    }
    await target?.stop();
  });

  it('signs in: a wrong token is told so, the right one opens the ads', async () => {
    const c = await open();
    const { page } = c;
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That token is wrong');
    await c.shot('sign-in-wrong-token');
    await signIn(c);
    expect(await page.evaluate('sessionStorage.getItem("adsm.adminToken")')).toBe(TOKEN);
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.getByRole('heading', { name: 'Cluster' }).waitFor();
    await expect.poll(() => page.locator('[data-fact="Readiness"]').textContent()).toContain('ready');
    expect(Number(await page.locator('[data-fact="Applied seq"]').textContent())).toBeGreaterThanOrEqual(0);
    await c.shot('cluster');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('creates an ad with two condition sets; the list and "who sees what" show it', async () => {
    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.getByRole('link', { name: 'New ad' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Night owls');
    // Taipei is UTC+8: 08:00 local is midnight UTC.
    await page.getByLabel(/^Start/).fill('2026-01-01T08:00:00');
    await expect
      .poll(() => page.locator('[data-path="startAt"] output').textContent())
      .toBe('UTC 2026-01-01T00:00:00.000Z');
    const end = new Date(Date.now() + 30 * DAY);
    await page
      .getByLabel(/^End/)
      .fill(
        `${end.getUTCFullYear()}-${String(end.getUTCMonth() + 1).padStart(2, '0')}-${String(end.getUTCDate()).padStart(2, '0')}T08:00:00`,
      );

    await page.getByRole('button', { name: 'Add condition set' }).click();
    const first = page.getByRole('group', { name: 'Condition set 1' });
    await first.getByLabel('Age from').fill('20');
    await first.getByLabel('Age to').fill('30');
    await first.getByLabel(/^Countries/).fill('Taiwan');
    await first.getByRole('button', { name: 'Add country' }).click();
    await first.getByLabel(/^Countries/).fill('jp');
    await first.getByLabel(/^Countries/).press('Enter');
    await first.getByLabel('iOS').check();
    await page.getByRole('button', { name: 'Add condition set' }).click();
    const second = page.getByRole('group', { name: 'Condition set 2' });
    await second.getByLabel('Female').check();
    await second.getByLabel('Web').check();
    // A third set, added then removed.
    await page.getByRole('button', { name: 'Add condition set' }).click();
    await page.getByRole('button', { name: 'Remove condition set 3' }).click();
    await c.shot('create-form');
    await page.getByRole('button', { name: 'Create ad' }).dblclick();
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Created “Night owls”');

    const made = await onBrowserReplica.list('q=night%20owls');
    expect(made, 'a double click creates one ad').toHaveLength(1);
    expect(made[0]).toMatchObject({
      startAt: '2026-01-01T00:00:00.000Z',
      conditions: [
        { ageStart: 20, ageEnd: 30, country: ['TW', 'JP'], platform: ['ios'] },
        { gender: ['F'], platform: ['web'] },
      ],
    });
    const row = page.locator(`tr[data-id="${made[0]!.id}"]`);
    await expect.poll(() => row.textContent()).toContain('Night owls');
    expect(await row.textContent()).toContain('(age 20–30, TW JP, ios) or (female, web)');
    expect(await row.textContent()).toContain('active');
    await c.shot('list-after-create');

    await page.getByRole('link', { name: 'Who sees what' }).click();
    const ask = async (viewer: { age: string; gender: string; country: string; platform: string }) => {
      await page.getByLabel('Age', { exact: true }).fill(viewer.age);
      await page.getByLabel('Gender', { exact: true }).selectOption(viewer.gender);
      await page.getByLabel('Country (name or code)').fill(viewer.country);
      await page.getByLabel('Platform', { exact: true }).selectOption(viewer.platform);
      await page.getByRole('button', { name: 'Show ads' }).click();
      await page.getByRole('heading', { name: 'Answer' }).waitFor();
      return (await page.locator('section[aria-labelledby="who-results"]').textContent()) ?? '';
    };
    expect(await ask({ age: '25', gender: 'M', country: 'Japan', platform: 'ios' })).toContain('Night owls');
    await c.shot('who-sees-matching');
    expect(await ask({ age: '40', gender: 'M', country: 'TW', platform: 'ios' })).not.toContain('Night owls');
    expect(await ask({ age: '40', gender: 'F', country: 'TW', platform: 'web' })).toContain('Night owls');
    expect(await ask({ age: '25', gender: 'F', country: 'TW', platform: 'android' })).not.toContain(
      'Night owls',
    );
    await c.shot('who-sees-not-matching');
  });

  it('a create whose answer was lost, clicked again, makes one ad', async () => {
    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.getByRole('link', { name: 'New ad' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Lost answer');

    // The first create reaches the server and is committed; its answer never reaches the page
    // (the connection is reset). Later requests pass.
    const creates: string[] = [];
    let answered: number | undefined;
    await page.route(`${target.url}/api/v1/ad`, async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.fallback();
      creates.push(request.headers()['idempotency-key'] ?? '');
      if (creates.length > 1) return route.fallback();
      answered = (await route.fetch()).status();
      await route.abort('connectionreset');
    });
    await page.getByRole('button', { name: 'Create ad' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('could not be reached');
    expect(answered, 'the first create was committed').toBe(201);
    await eventually(async () => expect(await onBrowserReplica.list('q=lost%20answer')).toHaveLength(1));
    await c.shot('create-answer-lost');

    await page.getByRole('button', { name: 'Create ad' }).click();
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Created “Lost answer”');
    expect(creates, 'two create requests were sent').toHaveLength(2);
    expect(await onBrowserReplica.list('q=lost%20answer'), 'the retry created nothing more').toHaveLength(1);
    expect(await api.list('q=lost%20answer')).toHaveLength(1);
  });

  it('shows a validation error beside the field it names', async () => {
    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.getByRole('link', { name: 'New ad' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Backwards');
    await page.getByLabel(/^Start/).fill('2026-06-01T10:00:00');
    await page.getByLabel(/^End/).fill('2026-05-01T10:00:00');
    await page.getByRole('button', { name: 'Add condition set' }).click();
    await page.getByRole('group', { name: 'Condition set 1' }).getByLabel('Age from').fill('0');
    await page.getByRole('button', { name: 'Create ad' }).click();
    await expect
      .poll(() => page.locator('[data-path="endAt"] > .error').textContent())
      .toBe('must be strictly after startAt');
    expect(await page.getByLabel(/^End/).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-path="conditions.0.ageStart"] > .error').textContent()).toMatch(
      /1|small|greater/,
    );
    expect(await page.locator('[data-path="title"] > .error').textContent()).toBe('');
    expect(await page.getByRole('alert').textContent()).toContain('not saved');
    await c.shot('validation-error');
    expect(await api.list('q=backwards')).toEqual([]);
  });

  it('an edit that meets a conflicting API edit is told so (412), and reload works', async () => {
    const ad = await api.create({ title: 'Contested', startAt: isoIn(-HOUR), endAt: isoIn(DAY) });
    const c = await open();
    const { page } = c;
    await signIn(c);
    await eventually(async () =>
      expect((await onBrowserReplica.call('GET', `/api/v1/ad/${ad.id}`)).status).toBe(200),
    );
    await page.goto(`${target.url}/admin#/ads/${ad.id}`);
    await page.getByRole('heading', { name: 'Edit “Contested”' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Contested (mine)');

    const theirs = await api.call(
      'PUT',
      `/api/v1/ad/${ad.id}`,
      { title: 'Contested (theirs)', startAt: ad.startAt, endAt: ad.endAt },
      { 'If-Match': '"1"' },
    );
    expect(theirs.status).toBe(200);
    await eventually(async () =>
      expect((await onBrowserReplica.call('GET', `/api/v1/ad/${ad.id}`)).body?.version).toBe(2),
    );

    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Someone else changed this ad');
    expect(await page.getByRole('alert').textContent()).toContain('it is now version 2');
    await c.shot('edit-conflict');
    await page.getByRole('button', { name: 'Reload the ad' }).click();
    await expect
      .poll(() => page.getByLabel('Title', { exact: true }).inputValue())
      .toBe('Contested (theirs)');
    await page.getByLabel('Title', { exact: true }).fill('Contested (both)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
    const after = await api.call('GET', `/api/v1/ad/${ad.id}`);
    await eventually(async () =>
      expect((await api.call('GET', `/api/v1/ad/${ad.id}`)).body).toMatchObject({
        title: 'Contested (both)',
        version: 3,
      }),
    );
    expect(after.status).toBe(200);
  });

  it('deletes an ad from the list', async () => {
    const ad = await api.create({ title: 'Short-lived', startAt: isoIn(-HOUR), endAt: isoIn(DAY) });
    const c = await open();
    const { page } = c;
    await signIn(c);
    await eventually(async () => expect(await onBrowserReplica.list('q=short-lived')).toHaveLength(1));
    await page.getByLabel('Search titles').fill('short-lived');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Delete “Short-lived”' }).click();
    await page.getByRole('dialog').waitFor();
    await c.shot('delete-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Deleted “Short-lived”');
    expect(await page.locator(`tr[data-id="${ad.id}"]`).count()).toBe(0);
    await eventually(async () => expect((await api.call('GET', `/api/v1/ad/${ad.id}`)).status).toBe(404));
  });

  it('pages through 120 ads by cursor, forth and back', async () => {
    for (let i = 0; i < 120; i++) {
      await api.create({
        title: `Bulk ${String(i).padStart(3, '0')}`,
        startAt: isoIn(-HOUR),
        endAt: isoIn(DAY + i * 1000),
      });
    }
    const c = await open();
    const { page } = c;
    await signIn(c);
    await eventually(async () => expect(await onBrowserReplica.list('q=bulk&limit=200')).toHaveLength(120));
    await page.getByLabel('Search titles').fill('BULK');
    await page.getByRole('button', { name: 'Search' }).click();
    const titles = () => page.locator('table.ads tbody tr td:first-child').allTextContents();
    const seen: string[] = [];
    await expect.poll(titles).toHaveLength(50);
    seen.push(...(await titles()));
    expect(await page.getByRole('button', { name: '← Newer' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Older →' }).click();
    await expect.poll(() => page.locator('.page-label').textContent()).toBe('Page 2');
    seen.push(...(await titles()));
    await page.getByRole('button', { name: 'Older →' }).click();
    await expect.poll(() => page.locator('.page-label').textContent()).toBe('Page 3');
    const last = await titles();
    expect(last).toHaveLength(20);
    seen.push(...last);
    expect(await page.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true);
    await c.shot('paging-last-page');
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `Bulk ${String(119 - i).padStart(3, '0')}`));
    await page.getByRole('button', { name: '← Newer' }).click();
    await expect.poll(() => page.locator('.page-label').textContent()).toBe('Page 2');
    expect(await titles()).toEqual(seen.slice(50, 100));
  });

  it('can be used from the keyboard alone, and every control has an accessible name', async () => {
    const c = await open();
    const { page } = c;
    await page.getByLabel('Admin token').pressSequentially(TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
    const focused = () =>
      page.evaluate('document.activeElement && document.activeElement.textContent.trim()');
    for (let i = 0; i < 40 && (await focused()) !== 'New ad'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New ad' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed only');
    for (let i = 0; i < 40 && (await focused()) !== 'Add condition set'; i++)
      await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.keyboard.type('21');
    await expectNamedControls(page.locator('main'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
    await eventually(async () =>
      expect(await onBrowserReplica.list('q=typed%20only')).toMatchObject([
        { conditions: [{ ageStart: 21 }] },
      ]),
    );
    await expectNamedControls(page.locator('body'));
    await page.getByRole('link', { name: 'Who sees what' }).click();
    await page.getByRole('button', { name: 'Show ads' }).click();
    await page.getByRole('heading', { name: 'Answer' }).waitFor();
    await expectNamedControls(page.locator('body'));
  });

  it("draws an ad's delivery after events are recorded", async () => {
    const ad = await api.create({ title: 'Tracked', startAt: isoIn(-3 * DAY), endAt: isoIn(DAY) });
    await eventually(async () =>
      expect((await onBrowserReplica.call('GET', `/api/v1/ad/${ad.id}`)).status).toBe(200),
    );
    const hourAgo = (h: number) => new Date(Date.now() - h * HOUR).toISOString();
    const events = [0, 1, 2, 5, 9].flatMap((h, i) => [
      { type: 'impression', adId: ad.id, at: hourAgo(h), count: 100 * (i + 1) },
      { type: 'click', adId: ad.id, at: hourAgo(h), count: i + 1 },
    ]);
    const res = await fetch(`${target.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    expect(await res.json()).toEqual({ accepted: 10, rejected: [] });

    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.getByLabel('Search titles').fill('tracked');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator(`tr[data-id="${ad.id}"]`);
    await expect.poll(() => row.locator('td.stat-impressions').textContent()).toMatch(/ \/ 1,500$/);
    expect(await row.locator('td.stat-clicks').textContent()).toMatch(/ \/ 15$/);
    expect(await row.locator('td.stat-ctr').textContent()).toMatch(/ \/ 1\.00%$/);
    await page.getByRole('link', { name: 'Delivery of “Tracked”' }).click();
    await page.getByRole('heading', { name: 'Delivery of “Tracked”' }).waitFor();
    await expect.poll(() => page.locator('.totals-table').textContent()).toContain('1,500');
    const line = page.locator('svg.chart path.line.impressions');
    await expect.poll(() => line.getAttribute('d')).toMatch(/^M[\d.,]+(L[\d.,]+){40,}$/);
    expect(await page.locator('svg.chart circle.dot.impressions').count()).toBe(5);
    expect(await page.locator('svg.chart circle.dot.clicks').count()).toBe(5);
    expect(await page.locator('svg.chart path.line.ctr').getAttribute('d')).toMatch(/^M/);
    expect(await page.getByRole('img', { name: /Impressions and clicks per hour/ }).count()).toBe(1);
    await c.shot('delivery-chart');
    await page.getByLabel('Period').selectOption('30d');
    await expect.poll(() => page.getByRole('img', { name: /per day/ }).count()).toBe(2);
  });

  it('is readable at phone width', async () => {
    const c = await open({ width: 390, height: 844 });
    const { page } = c;
    await signIn(c);
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(Number(width)).toBeLessThanOrEqual(390);
    await c.shot('phone-list');
  });
});

/** No interactive element in `root` lacks an accessible name (as the accessibility tree shows it). */
async function expectNamedControls(root: import('playwright-core').Locator): Promise<void> {
  const tree = await root.ariaSnapshot();
  const unnamed = tree
    .split('\n')
    .filter((line) =>
      /- (textbox|button|combobox|checkbox|spinbutton|link|searchbox|radio)\b(?! ")/.test(line),
    );
  expect(unnamed, tree).toEqual([]);
}

describe('console, open admin (no ADMIN_TOKEN)', () => {
  it('needs no sign-in, and explains a quota answer (429)', async () => {
    const dir = tempDir();
    const server = await startServer({ env: { DATA_DIR: dir.path, MAX_ADS_PER_DAY: '1' } });
    try {
      const first = await fetch(`${server.url}/api/v1/ad`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'The only one today', startAt: isoIn(-HOUR), endAt: isoIn(DAY) }),
      });
      expect(first.status).toBe(201);
      const c = await openConsole(browser, server.url, 'open');
      const { page } = c;
      await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
      expect(await page.getByRole('button', { name: 'Sign out' }).isHidden()).toBe(true);
      expect(await page.getByText('Open admin').isVisible()).toBe(true);
      await page.getByRole('link', { name: 'New ad' }).click();
      await page.getByLabel('Title', { exact: true }).fill('One too many');
      await page.getByRole('button', { name: 'Create ad' }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent())
        .toContain('Quota reached: nothing was saved.');
      expect(await page.getByRole('alert').textContent()).toContain('MAX_ADS_PER_DAY');
      await c.shot('quota');
      expect(c.blocked).toEqual([]);
      expect(c.errors).toEqual([]);
      await c.context.close();
    } finally {
      await server.stop();
      dir.remove();
    }
  });
});
