// @ts-check
/** One ad's delivery: impressions, clicks and CTR by window, and over time as charts. */
import { adStats, deliveryReport, getAd, orNull, statsHistory } from './api.js';
import { count, h, heading, localTime, percent, TIME_ZONE, timeEl } from './dom.js';
import { lineChart } from './chart.js';
import { goalsSummary, pacingChart } from './goals.js';

/** @typedef {import('../api-types.js').Stats} Stats */
/** @typedef {import('../api-types.js').StatsHistory} StatsHistory */
/** @typedef {import('../api-types.js').Window5} Window5 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** @type {readonly Window5[]} */
const WINDOWS = ['5m', '1h', '1d', '2d', '3d'];
/** @typedef {{ label: string, by: 'hour' | 'day', span: number, unit: number }} Range */
/** @type {Readonly<Record<string, Range>>} */
const RANGES = {
  '48h': { label: 'Last 48 hours, by hour', by: 'hour', span: 48 * HOUR, unit: HOUR },
  '30d': { label: 'Last 30 days, by day', by: 'day', span: 30 * DAY, unit: DAY },
};

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/**
 * @param {HTMLElement} view
 * @param {string} id
 */
export async function deliveryView(view, id) {
  const ad = await orNull(getAd(id));
  if (!ad) {
    view.append(
      heading('Ad not found'),
      h('p', { role: 'alert', class: 'alert' }, 'No ad has this id.'),
      h('a', { href: '#/ads' }, 'Back to the ads'),
    );
    return;
  }
  const range = h(
    'select',
    { id: 'range', name: 'range' },
    Object.entries(RANGES).map(([key, r]) => h('option', { value: key }, r.label)),
  );
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const goals = h('section', { class: 'goals', 'aria-label': 'Goals and pacing' });
  const totals = h('div', { class: 'totals' });
  const charts = h('div', { class: 'charts', 'aria-live': 'polite' });
  view.append(
    heading(`Delivery of “${ad.title}”`),
    h(
      'p',
      {},
      h('a', { href: `#/ads/${encodeURIComponent(ad.id)}` }, 'Edit this ad'),
      ' · ',
      h('a', { href: '#/ads' }, 'All ads'),
    ),
    h('p', { class: 'muted' }, `Times are local (${TIME_ZONE}); hover one for UTC.`),
    goals,
    h('h2', {}, 'Counted by window'),
    totals,
    h('div', { class: 'toolbar' }, h('label', { for: 'range' }, 'Period'), range, refresh),
    charts,
  );

  async function load() {
    const report = await orNull(deliveryReport(id));
    goals.replaceChildren(...(report ? [...goalsSummary(report), ...(await pacingChart(report))] : []));
    totals.replaceChildren(...windowTotals(await orNull(adStats(id))));
    const r = RANGES[range.value] ?? /** @type {Range} */ (RANGES['48h']);
    const to = Math.floor(Date.now() / r.unit) * r.unit + r.unit;
    const q = new URLSearchParams({
      from: new Date(to - r.span).toISOString(),
      to: new Date(to).toISOString(),
      by: r.by,
    });
    const history = await orNull(statsHistory(id, q));
    charts.replaceChildren(
      ...(history ? historyCharts(history, r) : [h('p', { class: 'muted' }, 'No history for this ad.')]),
    );
  }

  range.addEventListener('change', () => void load());
  refresh.addEventListener('click', () => void load());
  await load();
}

/**
 * The counts of each window as a table, and when the last events were.
 * @param {Stats | null} stats
 * @returns {HTMLElement[]}
 */
function windowTotals(stats) {
  if (!stats)
    return [
      h(
        'p',
        { class: 'muted' },
        'No events recorded for this ad yet (or this server does not track delivery).',
      ),
    ];
  /**
   * @param {string} name
   * @param {(w: Window5) => string} cell
   */
  const row = (name, cell) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, name),
      WINDOWS.map((w) => h('td', { class: 'num' }, cell(w))),
    );
  /** @param {string | null} iso */
  const when = (iso) => (iso ? timeEl(iso) : '–');
  return [
    h(
      'table',
      { class: 'totals-table' },
      h('caption', {}, 'Totals as of ', timeEl(stats.asOf)),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Window'),
          WINDOWS.map((w) => h('th', { scope: 'col' }, w)),
        ),
      ),
      h(
        'tbody',
        {},
        row('Impressions', (w) => count(stats.impressions[w])),
        row('Clicks', (w) => count(stats.clicks[w])),
        row('CTR', (w) => percent(stats.ctr[w])),
      ),
    ),
    h(
      'p',
      { class: 'muted last-events' },
      'Last impression: ',
      when(stats.last.impression),
      ' · last click: ',
      when(stats.last.click),
    ),
  ];
}

/**
 * Impressions and clicks, and CTR, per hour or day, as charts and as a table.
 * @param {StatsHistory} history
 * @param {Range} r
 */
function historyCharts(history, r) {
  /** @param {string} iso */
  const label = (iso) => (r.by === 'hour' ? hourLabel : dayLabel).format(new Date(iso));
  const labels = history.items.map((i) => label(i.start));
  const ctr = history.items.map((i) => (i.impressions > 0 ? i.clicks / i.impressions : null));
  return [
    h('h2', {}, 'Impressions and clicks'),
    lineChart({
      title: `Impressions and clicks per ${r.by}, ${r.label.toLowerCase()}`,
      labels,
      series: [
        { name: 'Impressions', values: history.items.map((i) => i.impressions), className: 'impressions' },
        { name: 'Clicks', values: history.items.map((i) => i.clicks), className: 'clicks' },
      ],
      format: (v) => count(Math.round(v)),
    }),
    h('h2', {}, 'Click-through rate'),
    lineChart({
      title: `Click-through rate per ${r.by}, ${r.label.toLowerCase()}`,
      labels,
      series: [{ name: 'CTR', values: ctr, className: 'ctr' }],
      format: (v) => percent(v),
    }),
    h(
      'details',
      {},
      h('summary', {}, 'The same figures as a table'),
      h(
        'table',
        { class: 'history' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Start', 'Impressions', 'Clicks', 'CTR'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          history.items.map((i, k) =>
            h(
              'tr',
              {},
              h('td', {}, h('time', { datetime: i.start, title: i.start }, localTime(i.start))),
              h('td', { class: 'num' }, count(i.impressions)),
              h('td', { class: 'num' }, count(i.clicks)),
              h('td', { class: 'num' }, percent(ctr[k])),
            ),
          ),
        ),
      ),
    ),
  ];
}
