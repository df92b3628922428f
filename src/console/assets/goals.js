// @ts-check
/**
 * One ad's delivery control on its delivery page: served against goals, what remains, and the
 * served count over the pacing period against the pacing line.
 */
import { statsHistory } from './api.js';
import { lineChart } from './chart.js';
import { count, h, localTime, timeEl } from './dom.js';

/** @typedef {import('../api-types.js').DeliveryReportJson} DeliveryReportJson */
/** @typedef {import('../api-types.js').Goals} Goals */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Periods up to this long are charted by hour, longer ones by UTC day. */
const HOURLY_UP_TO = 10 * DAY;
/** The stats history answers at most this many periods. */
const MAX_POINTS = 2000;

/** @type {Readonly<Record<DeliveryReportJson['pacing']['state'], string>>} */
const STATES = {
  ahead: 'ahead of its pacing line',
  on_track: 'on track (within 5% of its pacing line)',
  behind: 'behind its pacing line',
  done: 'goal met',
  none: 'no pacing line',
};

/** @type {ReadonlyArray<readonly [keyof Goals, string, (r: DeliveryReportJson) => number]>} */
const GOAL_ROWS = [
  ['impressions', 'Impressions, lifetime (served)', (r) => r.served.total],
  ['dailyImpressions', 'Impressions per UTC day (served today)', (r) => r.served.today],
  ['clicks', 'Clicks, lifetime (counted)', (r) => r.clicks.total],
  ['dailyClicks', 'Clicks per UTC day (counted today)', (r) => r.clicks.today],
];

/**
 * The report as a summary line and two tables: delivery so far, and goals with what remains.
 * @param {DeliveryReportJson} r
 * @returns {HTMLElement[]}
 */
export function goalsSummary(r) {
  const pacing =
    r.pacing.mode === 'even'
      ? `Paced evenly over ${localTime(r.pacing.periodStart)} – ${localTime(r.pacing.periodEnd)}: ${STATES[r.pacing.state]}` +
        (r.pacing.expectedByNow === null ? '.' : ` (expected by now: ${count(r.pacing.expectedByNow)}).`)
      : `Served as soon as possible${r.pacing.state === 'done' ? ': goal met.' : '.'}`;
  /** @param {string} name @param {{ total: number, today: number }} v */
  const row = (name, v) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, name),
      h('td', { class: 'num' }, count(v.total)),
      h('td', { class: 'num' }, count(v.today)),
    );
  const goals = GOAL_ROWS.filter(([key]) => r.goals[key] !== null);
  return [
    h(
      'p',
      { class: 'delivery-state' },
      h('strong', { class: `status status-${r.status}` }, r.status),
      ' · ',
      pacing,
      r.completedAt ? h('span', {}, ' Completed ', timeEl(r.completedAt), '.') : '',
    ),
    h(
      'table',
      { class: 'report-table served-table' },
      h('caption', {}, 'Delivery as of ', timeEl(r.asOf)),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['', 'Total', 'Today (UTC)'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        row('Served (decisions)', r.served),
        row('Impressions (counted)', r.impressions),
        row('Clicks (counted)', r.clicks),
      ),
    ),
    goals.length === 0
      ? h('p', { class: 'muted' }, 'No goals: this ad is served for its whole flight.')
      : h(
          'table',
          { class: 'report-table goals-table' },
          h('caption', {}, 'Goals'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Goal', 'Target', 'So far', 'Remaining'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            goals.map(([key, name, done]) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, name),
                h('td', { class: 'num' }, count(r.goals[key])),
                h('td', { class: 'num' }, count(done(r))),
                h('td', { class: 'num' }, count(r.remaining[key])),
              ),
            ),
          ),
        ),
  ];
}

/**
 * The paced goal (the daily one when there is one, as the server paces it) and the served count
 * that goes with it; `null` without an impressions goal.
 * @param {DeliveryReportJson} r
 */
function pacedGoal(r) {
  if (r.goals.dailyImpressions !== null) return { goal: r.goals.dailyImpressions, served: r.served.today };
  if (r.goals.impressions !== null) return { goal: r.goals.impressions, served: r.served.total };
  return null;
}

/**
 * The pacing period's buckets: counted impressions accumulated per hour (or UTC day), the pacing
 * line (or the goal, for `asap`) at each bucket's end, and the served count now, as a chart.
 * Nothing without an impressions goal.
 * @param {DeliveryReportJson} r
 * @returns {Promise<HTMLElement[]>}
 */
export async function pacingChart(r) {
  const paced = pacedGoal(r);
  if (!paced) return [];
  const p0 = Date.parse(r.pacing.periodStart);
  const p1 = Date.parse(r.pacing.periodEnd);
  const now = Date.parse(r.asOf);
  const by = p1 - p0 <= HOURLY_UP_TO ? 'hour' : 'day';
  const unit = by === 'hour' ? HOUR : DAY;
  const end = Math.ceil(p1 / unit) * unit;
  const start = Math.max(Math.floor(p0 / unit) * unit, end - MAX_POINTS * unit);
  const upTo = Math.min(end, Math.ceil((now + 1) / unit) * unit);
  const ends = [];
  for (let t = start + unit; t <= end; t += unit) ends.push(t);

  const cumulative = /** @type {Array<number | null>} */ (ends.map(() => null));
  if (upTo > start) {
    const q = new URLSearchParams({
      from: new Date(start).toISOString(),
      to: new Date(upTo).toISOString(),
      by,
    });
    const history = await statsHistory(r.id, q).catch(() => null);
    let sum = 0;
    history?.items.forEach((item, i) => {
      sum += item.impressions;
      if (i < cumulative.length) cumulative[i] = sum;
    });
  }
  const line = ends.map((t) =>
    r.pacing.mode === 'even'
      ? Math.ceil(paced.goal * Math.min(1, Math.max(0, (t - p0) / (p1 - p0))))
      : paced.goal,
  );
  const served = /** @type {Array<number | null>} */ (ends.map(() => null));
  const nowIndex = ends.findIndex((t) => t > now);
  if (nowIndex >= 0) served[nowIndex] = paced.served;
  const label = new Intl.DateTimeFormat(
    undefined,
    by === 'hour' ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' },
  );
  const lineName = r.pacing.mode === 'even' ? 'Pacing line' : 'Goal';
  return [
    h('h2', {}, 'Served against the pacing line'),
    lineChart({
      title: `Served now and counted impressions so far, per ${by}, against the ${lineName.toLowerCase()} over the period`,
      labels: ends.map((t) => label.format(new Date(t))),
      series: [
        { name: 'Counted impressions, cumulative', values: cumulative, className: 'impressions' },
        { name: 'Served now', values: served, className: 'served' },
        { name: lineName, values: line, className: 'pacing', dashed: true },
      ],
      format: (v) => count(Math.round(v)),
    }),
  ];
}
