/** One ad's delivery: impressions, clicks and CTR by window, and over time as charts. */
import { adPath, api, ApiError } from './api.js';
import { count, h, heading, percent } from './dom.js';
import { lineChart } from './chart.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOWS = ['5m', '1h', '1d', '2d', '3d'];
const RANGES = {
  '48h': { label: 'Last 48 hours, by hour', by: 'hour', span: 48 * HOUR, unit: HOUR },
  '30d': { label: 'Last 30 days, by day', by: 'day', span: 30 * DAY, unit: DAY },
};

const orNull = async (path) => {
  try {
    return (await api('GET', path)).body;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
};

export async function deliveryView(view, id) {
  const ad = await orNull(adPath(id));
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
    totals,
    h('div', { class: 'toolbar' }, h('label', { for: 'range' }, 'Period'), range, refresh),
    charts,
  );

  async function load() {
    const stats = await orNull(`${adPath(id)}/stats`);
    totals.replaceChildren(
      ...[
        stats
          ? h(
              'table',
              { class: 'totals-table' },
              h('caption', {}, `Totals as of ${new Date(stats.asOf).toLocaleString()}`),
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
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, 'Impressions'),
                  WINDOWS.map((w) => h('td', { class: 'num' }, count(stats.impressions[w]))),
                ),
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, 'Clicks'),
                  WINDOWS.map((w) => h('td', { class: 'num' }, count(stats.clicks[w]))),
                ),
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, 'CTR'),
                  WINDOWS.map((w) => h('td', { class: 'num' }, percent(stats.ctr[w]))),
                ),
              ),
            )
          : h(
              'p',
              { class: 'muted' },
              'No events recorded for this ad yet (or this server does not track delivery).',
            ),
        stats?.last
          ? h(
              'p',
              { class: 'muted' },
              `Last impression: ${stats.last.impression ?? '–'} · last click: ${stats.last.click ?? '–'}`,
            )
          : null,
      ].filter(Boolean),
    );

    const r = RANGES[range.value];
    const to = Math.floor(Date.now() / r.unit) * r.unit + r.unit;
    const from = to - r.span;
    const q = new URLSearchParams({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      by: r.by,
    });
    const history = await orNull(`${adPath(id)}/stats/history?${q}`);
    if (!history) {
      charts.replaceChildren(h('p', { class: 'muted' }, 'No history for this ad.'));
      return;
    }
    const label = (iso) => {
      const d = new Date(iso);
      return r.by === 'hour'
        ? `${String(d.getHours()).padStart(2, '0')}:00`
        : `${d.getMonth() + 1}/${d.getDate()}`;
    };
    const labels = history.items.map((i) => label(i.start));
    const impressions = history.items.map((i) => i.impressions);
    const clicks = history.items.map((i) => i.clicks);
    const ctr = history.items.map((i) => (i.impressions > 0 ? i.clicks / i.impressions : null));
    charts.replaceChildren(
      h('h2', {}, 'Impressions and clicks'),
      lineChart({
        title: `Impressions and clicks per ${r.by}, ${r.label.toLowerCase()}`,
        labels,
        series: [
          { name: 'Impressions', values: impressions, className: 'impressions' },
          { name: 'Clicks', values: clicks, className: 'clicks' },
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
              ['Start (UTC)', 'Impressions', 'Clicks', 'CTR'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            history.items.map((i, k) =>
              h(
                'tr',
                {},
                h('td', {}, i.start),
                h('td', { class: 'num' }, count(i.impressions)),
                h('td', { class: 'num' }, count(i.clicks)),
                h('td', { class: 'num' }, percent(ctr[k])),
              ),
            ),
          ),
        ),
      ),
    );
  }

  range.addEventListener('change', () => void load());
  refresh.addEventListener('click', () => void load());
  await load();
}
