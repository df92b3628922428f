// @ts-check
/** The ads list: status tabs, title search, cursor paging, delivery figures per row, delete. */
import { adStats, ApiError, deleteAd, listAds } from './api.js';
import {
  confirmDialog,
  count,
  describeConditions,
  flash,
  focusTitle,
  h,
  heading,
  percent,
  takeFlash,
  timeEl,
} from './dom.js';

/** @typedef {import('../api-types.js').AdJson} AdJson */
/** @typedef {import('../api-types.js').Stats} Stats */
/** @typedef {import('../api-types.js').Window5} Window5 */

/** @type {ReadonlyArray<readonly [string, string]>} */
const TABS = [
  ['', 'All'],
  ['scheduled', 'Scheduled'],
  ['active', 'Active'],
  ['completed', 'Completed'],
  ['expired', 'Expired'],
];
/** The figures columns: class, header. */
const STAT_COLUMNS = [
  ['impressions', 'Impressions 5m / 1h / 1d'],
  ['clicks', 'Clicks 5m / 1h / 1d'],
  ['ctr', 'CTR 5m / 1h / 1d'],
];
const PAGE_SIZE = 50;

/**
 * Cursors of the pages seen for the current filter: `stack[i]` opens page i + 1.
 * @type {{ key: string, stack: Array<string | null>, index: number }}
 */
let paging = { key: '', stack: [null], index: 0 };

/**
 * @param {string} status
 * @param {string} q
 */
const listHash = (status, q) => {
  const p = new URLSearchParams();
  if (status) p.set('status', status);
  if (q) p.set('q', q);
  const s = p.toString();
  return s ? `#/ads?${s}` : '#/ads';
};

/**
 * @param {HTMLElement} view
 * @param {URLSearchParams} params
 */
export async function adsView(view, params) {
  const status = params.get('status') ?? '';
  const q = params.get('q') ?? '';
  const key = `${status}\n${q}`;
  if (paging.key !== key) paging = { key, stack: [null], index: 0 };

  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Status' },
    TABS.map(([value, label]) =>
      h('a', { href: listHash(value, q), 'aria-current': value === status ? 'page' : undefined }, label),
    ),
  );
  const search = h('input', { id: 'search', type: 'search', name: 'q', value: q, maxlength: '256' });
  const searchForm = h(
    'form',
    { role: 'search', class: 'search' },
    h('label', { for: 'search' }, 'Search titles'),
    search,
    h('button', { type: 'submit' }, 'Search'),
  );
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = listHash(status, search.value.trim());
  });

  const summary = h('p', { role: 'status', id: 'list-status', class: 'muted' }, 'Loading…');
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'ads' },
    h('caption', { class: 'visually-hidden' }, 'Ads, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          'Title',
          'Status',
          'Start',
          'End',
          'Targeting',
          ...STAT_COLUMNS.map(([, label]) => label),
          'Actions',
        ].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    body,
  );
  const newer = h('button', { type: 'button' }, '← Newer');
  const older = h('button', { type: 'button' }, 'Older →');
  const pageLabel = h('span', { class: 'page-label', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, newer, pageLabel, older);

  view.append(
    heading('Ads'),
    takeFlash(),
    h(
      'div',
      { class: 'toolbar' },
      tabs,
      searchForm,
      h('a', { href: '#/ads/new', class: 'button primary' }, 'New ad'),
    ),
    summary,
    h('div', { class: 'table-wrap' }, table),
    pager,
  );

  async function load() {
    const cursor = paging.stack[paging.index];
    const p = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status) p.set('status', status);
    if (q) p.set('q', q);
    if (cursor) p.set('cursor', cursor);
    newer.disabled = older.disabled = true;
    const page = await listAds(p);
    if (page.nextCursor) paging.stack[paging.index + 1] = page.nextCursor;
    else paging.stack.length = paging.index + 1;
    body.replaceChildren(...page.items.map(row));
    const first = paging.index * PAGE_SIZE + 1;
    summary.textContent =
      page.items.length === 0
        ? q || status
          ? 'No ads match.'
          : 'No ads yet.'
        : `Ads ${first}–${first + page.items.length - 1}${page.nextCursor ? ', more follow' : ''}.`;
    pageLabel.textContent = `Page ${paging.index + 1}`;
    newer.disabled = paging.index === 0;
    older.disabled = !page.nextCursor;
    for (const ad of page.items) void fillStats(ad);
  }

  newer.addEventListener('click', () => {
    paging.index = Math.max(0, paging.index - 1);
    void load().then(() => newer.disabled || newer.focus());
  });
  older.addEventListener('click', () => {
    paging.index++;
    void load().then(() => older.disabled || older.focus());
  });

  /** @param {AdJson} ad */
  function row(ad) {
    const stats = STAT_COLUMNS.map(([k, label]) =>
      h('td', { 'data-label': label, class: `num stat-${k}` }, '…'),
    );
    const remove = h(
      'button',
      { type: 'button', class: 'link danger', 'aria-label': `Delete “${ad.title}”` },
      'Delete',
    );
    remove.addEventListener('click', () => void removeAd(ad));
    return h(
      'tr',
      { 'data-id': ad.id },
      h(
        'td',
        { 'data-label': 'Title' },
        h('a', { href: `#/ads/${encodeURIComponent(ad.id)}`, 'aria-label': `Edit “${ad.title}”` }, ad.title),
      ),
      h('td', { 'data-label': 'Status' }, h('span', { class: `badge ${ad.status}` }, ad.status)),
      h('td', { 'data-label': 'Start' }, timeEl(ad.startAt)),
      h('td', { 'data-label': 'End' }, timeEl(ad.endAt)),
      h('td', { 'data-label': 'Targeting', class: 'targeting' }, describeConditions(ad.conditions)),
      stats,
      h(
        'td',
        { 'data-label': 'Actions', class: 'row-actions' },
        h(
          'span',
          {},
          h(
            'a',
            {
              href: `#/ads/${encodeURIComponent(ad.id)}/delivery`,
              'aria-label': `Delivery of “${ad.title}”`,
            },
            'Delivery',
          ),
          remove,
        ),
      ),
    );
  }

  /** @param {AdJson} ad */
  async function fillStats(ad) {
    const tr = body.querySelector(`tr[data-id="${CSS.escape(ad.id)}"]`);
    if (!tr) return;
    /** @type {Stats | undefined} */
    let s;
    try {
      s = await adStats(ad.id);
    } catch {
      s = undefined;
    }
    /** @type {Window5[]} */
    const windows = ['5m', '1h', '1d'];
    /**
     * @param {string} kind
     * @param {Record<Window5, number | null> | undefined} figures
     * @param {(n: number | null) => string} fmt
     */
    const show = (kind, figures, fmt) => {
      const cell = tr.querySelector(`td.stat-${kind}`);
      if (cell) cell.textContent = figures ? windows.map((w) => fmt(figures[w])).join(' / ') : '–';
    };
    show('impressions', s?.impressions, count);
    show('clicks', s?.clicks, count);
    show('ctr', s?.ctr, percent);
  }

  /** @param {AdJson} ad */
  async function removeAd(ad) {
    if (!(await confirmDialog(`Delete “${ad.title}”? This cannot be undone.`, 'Delete'))) return;
    try {
      await deleteAd(ad);
      flash(`Deleted “${ad.title}”.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      flash(
        err.status === 412
          ? `“${ad.title}” was changed by someone else since this list was loaded; nothing was deleted. Check it and try again.`
          : err.status === 404
            ? `“${ad.title}” was already deleted.`
            : `Could not delete “${ad.title}”: ${err.message}`,
      );
    }
    view.replaceChildren();
    await adsView(view, params);
    focusTitle(view);
  }

  await load();
}
