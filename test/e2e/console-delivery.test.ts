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
  type ConsolePage,
  type Target,
} from './console-fixture.js';

/**
 * The console's delivery control in a real browser: the ad form's delivery settings and creative,
 * and the list's layout. Each scenario runs embedded and on a two-replica cluster.
 */

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(MODES)('console delivery control, %s mode', (mode, make) => {
  let target: Target;
  let api: ReturnType<typeof adminApi>;
  const opened: ConsolePage[] = [];
  const open = async (viewport?: { width: number; height: number }) => {
    const c = await openConsole(browser, target.url, `${mode}-delivery`, viewport);
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

  it('sets delivery settings and a creative on create, shows them on edit, and changes them', async () => {
    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.getByRole('link', { name: 'New ad' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Paced');
    await page.getByLabel('Priority').fill('10');
    await page.getByLabel('Weight').fill('3');
    await page.getByLabel('Impressions, lifetime').fill('1000');
    await page.getByLabel('Impressions per UTC day').fill('100');
    await page.getByLabel('Pacing').selectOption('even');
    await page.getByRole('button', { name: 'Add frequency cap' }).click();
    const cap1 = page.getByRole('group', { name: 'Frequency cap 1' });
    await cap1.getByLabel('At most (times)').fill('3');
    await cap1.getByLabel('In any').fill('1');
    await cap1.getByLabel('Unit').selectOption('hours');
    await page.getByRole('button', { name: 'Add frequency cap' }).click();
    const cap2 = page.getByRole('group', { name: 'Frequency cap 2' });
    await cap2.getByLabel('At most (times)').fill('10');
    await cap2.getByLabel('In any').fill('7');
    await cap2.getByLabel('Unit').selectOption('days');
    await page.getByLabel('Landing URL').fill('https://shop.example/spring');
    await page.getByLabel('Data (a JSON object)').fill('{"image": "/a.png", "alt": "Spring"}');
    await c.shot('delivery-form');
    await page.getByRole('button', { name: 'Create ad' }).click();
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();

    const [made] = await onBrowserReplica.list('q=paced');
    expect(made).toMatchObject({
      delivery: {
        priority: 10,
        weight: 3,
        goals: { impressions: 1000, clicks: null, dailyImpressions: 100, dailyClicks: null },
        pacing: 'even',
        frequencyCaps: [
          { impressions: 3, seconds: 3600 },
          { impressions: 10, seconds: 7 * 86400 },
        ],
      },
      creative: { landingUrl: 'https://shop.example/spring', data: { image: '/a.png', alt: 'Spring' } },
    });

    await page.getByRole('link', { name: 'Edit “Paced”' }).click();
    await page.getByRole('heading', { name: 'Edit “Paced”' }).waitFor();
    expect(await page.getByLabel('Priority').inputValue()).toBe('10');
    expect(await page.getByLabel('Impressions per UTC day').inputValue()).toBe('100');
    expect(await page.getByLabel('Clicks, lifetime').inputValue()).toBe('');
    expect(await page.getByLabel('Pacing').inputValue()).toBe('even');
    expect(await cap2.getByLabel('In any').inputValue()).toBe('7');
    expect(await cap2.getByLabel('Unit').inputValue()).toBe(String(86400));
    expect(JSON.parse(await page.getByLabel('Data (a JSON object)').inputValue())).toEqual({
      image: '/a.png',
      alt: 'Spring',
    });
    await page.getByLabel('Weight').fill('5');
    await page.getByRole('button', { name: 'Remove frequency cap 1' }).click();
    await page.getByLabel('Landing URL').fill('');
    await page.getByLabel('Data (a JSON object)').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
    await eventually(async () =>
      expect(await api.list('q=paced')).toMatchObject([
        {
          version: 2,
          delivery: { weight: 5, priority: 10, frequencyCaps: [{ impressions: 10, seconds: 7 * 86400 }] },
          creative: null,
        },
      ]),
    );
  });

  it('explains refused delivery settings beside their fields, and bad JSON before sending', async () => {
    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.getByRole('link', { name: 'New ad' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Refused pacing');
    await page.getByLabel('Data (a JSON object)').fill('{"image": ');
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') sent.push(r.url());
    });
    await page.getByRole('button', { name: 'Create ad' }).click();
    await expect
      .poll(() => page.locator('[data-path="creative.data"] > .error').textContent())
      .toBe('is not valid JSON');
    expect(await page.getByLabel('Data (a JSON object)').getAttribute('aria-invalid')).toBe('true');
    expect(sent, 'nothing sent').toEqual([]);

    await page.getByLabel('Data (a JSON object)').fill('[1, 2]');
    await page.getByRole('button', { name: 'Create ad' }).click();
    await expect
      .poll(() => page.locator('[data-path="creative.data"] > .error').textContent())
      .toContain('must be a JSON object');
    await page.getByLabel('Data (a JSON object)').fill('');

    await page.getByLabel('Pacing').selectOption('even');
    await page.getByLabel('Priority').fill('101');
    await page.getByRole('button', { name: 'Add frequency cap' }).click();
    const cap = page.getByRole('group', { name: 'Frequency cap 1' });
    await cap.getByLabel('In any').fill('30');
    await cap.getByLabel('Unit').selectOption('minutes');
    await cap.getByLabel('At most (times)').fill('0');
    await page.getByLabel('Landing URL').fill('ftp://files.example/a');
    await page.getByRole('button', { name: 'Create ad' }).click();
    await expect
      .poll(() => page.locator('[data-path="delivery.pacing"] > .error').textContent())
      .toContain('needs an impressions goal');
    expect(await page.locator('[data-path="delivery.priority"] > .error').textContent()).toContain(
      'at most 100',
    );
    expect(await page.getByLabel('Priority').getAttribute('aria-invalid')).toBe('true');
    expect(
      await page.locator('[data-path="delivery.frequencyCaps.0.impressions"] > .error').textContent(),
    ).toContain('at least 1');
    expect(await page.locator('[data-path="creative.landingUrl"] > .error').textContent()).toContain(
      'http or https',
    );
    expect(await page.getByRole('alert').textContent()).toContain('not saved');
    await c.shot('delivery-refused');
    expect(sent).toHaveLength(1);
    expect(await api.list('q=refused')).toEqual([]);
  });

  it('asks for a decision for a user key: the chosen ads, and the one a cap left out', async () => {
    // Only this test's ads match its viewer (Iceland, android).
    for (const other of await api.list('q=paced'))
      await api.call('DELETE', `/api/v1/ad/${other.id}`, undefined, { 'If-Match': '*' });
    const capped = await api.create({
      title: 'Once an hour',
      startAt: isoIn(-HOUR),
      endAt: isoIn(DAY),
      conditions: [{ country: ['IS'] }],
      delivery: { priority: 1, frequencyCaps: [{ impressions: 1, seconds: 3600 }] },
      creative: { landingUrl: 'https://shop.example/once', data: null },
    });
    const free = await api.create({
      title: 'Any time',
      startAt: isoIn(-HOUR),
      endAt: isoIn(DAY),
      conditions: [{ country: ['IS'], platform: ['android'] }],
      delivery: { priority: 2 },
    });
    await eventually(async () => expect(await onBrowserReplica.list('q=time')).toHaveLength(1));
    await eventually(async () => expect(await onBrowserReplica.list('q=once')).toHaveLength(1));

    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.getByRole('link', { name: 'Who sees what' }).click();
    await page.getByLabel('Country (name or code)').fill('Iceland');
    await page.getByLabel('Platform', { exact: true }).selectOption('android');
    await page.getByLabel('User key').fill('u-console-e2e');
    await page.getByLabel('How many ads').selectOption('3');
    const ask = async () => {
      await page.getByRole('button', { name: 'Ask for a decision' }).click();
      await page.getByRole('heading', { name: 'Decision', exact: true }).waitFor();
      const chosen = await Promise.all(
        (await page.locator('table.decisions tbody tr').all()).map((r) => r.getAttribute('data-id')),
      );
      const leftOut = await page.locator('ul.left-out li').allTextContents();
      // The next answer draws its own heading.
      await page.evaluate("document.getElementById('decision-results').remove()");
      return { chosen, leftOut };
    };

    const first = await ask();
    expect(first.chosen, 'priority 1 first, then 2').toEqual([capped.id, free.id]);
    expect(first.leftOut).toEqual([]);
    expect(await page.locator('table.decisions').textContent()).toContain('https://shop.example/once');
    await c.shot('decision-first');

    const second = await ask();
    expect(second.chosen, 'the cap holds for this key').toEqual([free.id]);
    expect(second.leftOut).toEqual(['Once an hour: left out by a frequency cap (1 per hour) for this user']);
    await c.shot('decision-capped');

    await page.getByLabel('User key').fill('');
    const keyless = await ask();
    expect(keyless.chosen).toEqual([free.id]);
    expect(keyless.leftOut[0]).toContain('without a user key never gets a capped ad');

    await page.getByLabel('User key').fill('another-user');
    expect((await ask()).chosen, 'another key has its own caps').toEqual([capped.id, free.id]);
  });

  it('shows goals, served, remaining and the pacing chart; a completed ad under its own tab', async () => {
    const goals = (impressions: number) => ({
      impressions,
      clicks: null,
      dailyImpressions: null,
      dailyClicks: null,
    });
    const paced = await api.create({
      title: 'Paced over two hours',
      startAt: isoIn(-HOUR),
      endAt: isoIn(HOUR),
      conditions: [{ country: ['NO'] }],
      delivery: { goals: goals(50), pacing: 'even' },
    });
    const small = await api.create({
      title: 'Goal of two',
      startAt: isoIn(-HOUR),
      endAt: isoIn(DAY),
      conditions: [{ country: ['FI'] }],
      delivery: { goals: goals(2) },
    });
    const decide = async (country: string) => {
      const res = await api.call('POST', '/api/v1/decisions', { viewer: { country }, count: 1 });
      expect(res.status).toBe(200);
      return (res.body as { decisions: { adId: string }[] }).decisions.map((d) => d.adId);
    };
    // The ads reach the browser's replica through the log: each wanted serve is asked for until it comes.
    const serve = (country: string, id: string) =>
      eventually(async () => expect(await decide(country)).toEqual([id]));
    for (let i = 0; i < 2; i++) await serve('NO', paced.id);
    for (let i = 0; i < 2; i++) await serve('FI', small.id);
    expect(await decide('FI'), 'the goal of two is met').toEqual([]);
    const report = async (id: string) =>
      (await onBrowserReplica.call('GET', `/api/v1/ad/${id}/delivery`)).body;
    await eventually(
      async () => expect(await report(paced.id)).toMatchObject({ served: { total: 2 } }),
      15_000,
    );
    await eventually(
      async () => expect(await report(small.id)).toMatchObject({ status: 'completed' }),
      45_000,
    );

    const c = await open();
    const { page } = c;
    await signIn(c);
    await page.goto(`${target.url}/admin#/ads/${encodeURIComponent(paced.id)}/delivery`);
    const goalRow = page.locator('table.goals-table tbody tr', { hasText: 'Impressions, lifetime' });
    await goalRow.waitFor();
    expect(await goalRow.locator('td').allTextContents()).toEqual(['50', '2', '48']);
    const served = page.locator('table.served-table tbody tr', { hasText: 'Served (decisions)' });
    expect(await served.locator('td').allTextContents()).toEqual(['2', '2']);
    expect(await page.locator('.delivery-state').textContent()).toContain('Paced evenly');
    const chart = page.getByRole('img', { name: /against the pacing line/ });
    await chart.waitFor();
    expect(await page.locator('.goals .legend').textContent()).toContain('Pacing line');
    expect(await page.locator('.goals path.line.pacing').count()).toBe(1);
    // The pacing line rises from the period's start to the whole goal at its end.
    const line = await page.locator('.goals path.line.pacing').getAttribute('d');
    const ys = [...line!.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys.length).toBeGreaterThan(1);
    expect(ys[0]!, 'lower at the start (greater y)').toBeGreaterThan(ys[ys.length - 1]!);
    await c.shot('delivery-goals');

    await page.goto(`${target.url}/admin#/ads?status=completed`);
    await page.getByRole('heading', { name: 'Ads', exact: true }).waitFor();
    await page.locator(`tr[data-id="${small.id}"]`).waitFor();
    expect(await page.locator(`tr[data-id="${paced.id}"]`).count()).toBe(0);
    await page.goto(`${target.url}/admin#/ads/${encodeURIComponent(small.id)}/delivery`);
    await page.locator('.delivery-state', { hasText: 'completed' }).waitFor();
    expect(await page.locator('.delivery-state').textContent()).toContain('Completed');
  });

  it('lines up every cell of a row in the ads list at 1280 px', async () => {
    const ad = await api.create({
      title: 'Aligned row with a title long enough to wrap over two lines in its cell',
      startAt: isoIn(-HOUR),
      endAt: isoIn(DAY),
      conditions: [{ country: ['TW', 'JP', 'KR', 'US', 'GB', 'FR', 'DE'], platform: ['ios', 'web'] }],
    });
    await eventually(async () =>
      expect((await onBrowserReplica.call('GET', `/api/v1/ad/${ad.id}`)).status).toBe(200),
    );
    const c = await open({ width: 1280, height: 800 });
    const { page } = c;
    await signIn(c);
    const row = page.locator(`tr[data-id="${ad.id}"]`);
    await row.waitFor();
    // Each cell's top and its first content's top, and the row's top (run in the page).
    const measured = await page.evaluate<{
      row: number;
      cells: { cell: number; content: number }[];
    }>(`(() => {
      const tr = document.querySelector('tr[data-id="${ad.id}"]');
      const top = (el) => Math.round(el.getBoundingClientRect().top);
      return {
        row: top(tr),
        cells: [...tr.cells].map((td) => ({ cell: top(td), content: top(td.querySelector('a, span, time, button') ?? td) })),
      };
    })()`);
    const tops = measured.cells;
    for (const t of tops) expect(t.cell, JSON.stringify(measured)).toBe(measured.row);
    const title = tops[0]!.content;
    const actions = tops[tops.length - 1]!.content;
    expect(Math.abs(actions - title), JSON.stringify(tops)).toBeLessThanOrEqual(2);
    const link = await row.getByRole('link', { name: /^Delivery of/ }).boundingBox();
    const remove = await row.getByRole('button', { name: /^Delete/ }).boundingBox();
    expect(Math.abs(link!.y + link!.height / 2 - (remove!.y + remove!.height / 2))).toBeLessThanOrEqual(2);
    await c.shot('list-1280');
  });
});
