// @ts-check
/** Line charts in plain SVG: no library, nothing fetched, readable by screen readers through a title and a table. */
import { h, newId } from './dom.js';

const W = 720;
const H = 240;
const M = { top: 16, right: 16, bottom: 36, left: 56 };

/**
 * A pleasant axis maximum: 1, 2 or 5 times a power of ten, at least `max`.
 * @param {number} max
 */
function niceMax(max) {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * @typedef {object} Series
 * @property {string} name
 * @property {ReadonlyArray<number | null>} values One per label; `null` leaves a gap.
 * @property {string} className
 * @property {boolean} [dashed] Drawn dashed, without dots (a reference line).
 */

/**
 * `series` over the same `labels`. `format` writes the y ticks.
 * Answers a figure: the SVG plus a legend.
 * @param {{ title: string, labels: readonly string[], series: readonly Series[], format?: (v: number) => string }} chart
 */
export function lineChart({ title, labels, series, format = String }) {
  const n = labels.length;
  const all = series.flatMap((s) => s.values.filter((v) => v !== null));
  const top = niceMax(Math.max(0, ...all));
  /** @param {number} i */
  const x = (i) => M.left + (n <= 1 ? 0 : (i * (W - M.left - M.right)) / (n - 1));
  /** @param {number} v */
  const y = (v) => H - M.bottom - (v / top) * (H - M.top - M.bottom);
  const titleId = newId('chart');
  const svg = h(
    'svg:svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': titleId, class: 'chart' },
    h('svg:title', { id: titleId }, title),
  );

  for (let t = 0; t <= 4; t++) {
    const v = (top * t) / 4;
    svg.append(
      h('svg:line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: 'grid' }),
      h('svg:text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, format(v)),
    );
  }
  const every = Math.max(1, Math.ceil(n / 8));
  labels.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    svg.append(
      h('svg:text', { x: x(i), y: H - M.bottom + 18, 'text-anchor': 'middle', class: 'tick' }, label),
    );
  });
  svg.append(h('svg:line', { x1: M.left, x2: W - M.right, y1: y(0), y2: y(0), class: 'axis' }));

  for (const s of series) {
    let d = '';
    s.values.forEach((v, i) => {
      if (v === null) return;
      d += `${d && s.values[i - 1] !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    });
    svg.append(h('svg:path', { d, class: `line ${s.className}${s.dashed ? ' dashed' : ''}` }));
    if (s.dashed) continue;
    s.values.forEach((v, i) => {
      if (v !== null && v > 0)
        svg.append(h('svg:circle', { cx: x(i), cy: y(v), r: 2.5, class: `dot ${s.className}` }));
    });
  }
  const legend = h(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    series.map((s) => h('li', {}, h('span', { class: `swatch ${s.className}` }), s.name)),
  );
  return h('figure', { class: 'chart-figure' }, svg, legend);
}
