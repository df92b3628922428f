// @ts-check
/** The ad form's delivery settings (priority, weight, goals, pacing, frequency caps) and creative. */
import { h, newId, vocabulary } from './dom.js';

/** @typedef {import('../api-types.js').Delivery} Delivery */
/** @typedef {import('../api-types.js').Creative} Creative */
/** @typedef {import('../api-types.js').Goals} Goals */
/** @typedef {import('../api-types.js').FrequencyCap} FrequencyCap */

const { limits, defaults, pacings } = vocabulary.delivery;

/** Units a cap's window is written in; the API takes seconds. */
const UNITS = /** @type {const} */ ([
  ['60', 'minutes'],
  ['3600', 'hours'],
  ['86400', 'days'],
]);

/** @type {ReadonlyArray<readonly [keyof Goals, string]>} */
const GOALS = [
  ['impressions', 'Impressions, lifetime'],
  ['dailyImpressions', 'Impressions per UTC day'],
  ['clicks', 'Clicks, lifetime'],
  ['dailyClicks', 'Clicks per UTC day'],
];

/**
 * A labelled control reporting the API field `path`, with its error line.
 * @param {string} path
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} input
 * @param {string} [hint]
 */
function control(path, label, input, hint) {
  const id = newId('d');
  const err = h('p', { class: 'error', id: newId('err') });
  const hintEl = hint ? h('p', { class: 'hint', id: newId('hint') }, hint) : null;
  input.id = id;
  input.setAttribute('aria-describedby', [err.id, hintEl?.id].filter(Boolean).join(' '));
  return h(
    'div',
    { class: 'field small', 'data-path': path },
    h('label', { for: id }, label),
    input,
    hintEl,
    err,
  );
}

/**
 * @param {number | null | undefined} value
 * @param {{ min: number, max: number }} range
 */
const integer = (value, range) =>
  h('input', {
    type: 'number',
    step: '1',
    min: range.min,
    max: range.max,
    inputmode: 'numeric',
    value: value ?? '',
  });

/**
 * The number typed; null when empty (the API then takes the default or "no goal").
 * @param {HTMLInputElement} input
 */
const numberOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value));

/**
 * Priority, weight, goals, pacing and frequency caps of `delivery` (the defaults for a new ad).
 * @param {Delivery | undefined} delivery
 */
export function deliverySection(delivery = /** @type {Delivery} */ (structuredClone(defaults))) {
  const priority = integer(delivery.priority, limits.priority);
  const weight = integer(delivery.weight, limits.weight);
  const goals = GOALS.map(([key, label]) => ({
    key,
    label,
    input: integer(delivery.goals[key], limits.goal),
  }));
  const pacing = h(
    'select',
    {},
    pacings.map(([value, label]) => h('option', { value, selected: value === delivery.pacing }, label)),
  );
  const caps = capList(delivery.frequencyCaps);
  const el = h(
    'fieldset',
    { class: 'field delivery', 'data-path': 'delivery' },
    h('legend', {}, 'Delivery'),
    h(
      'p',
      { class: 'hint' },
      'How decisions (POST /api/v1/decisions) choose this ad. The public query shows every active ad whatever these say.',
    ),
    h(
      'div',
      { class: 'row wrap' },
      control(
        'delivery.priority',
        'Priority',
        priority,
        `${limits.priority.min}–${limits.priority.max}, lower first`,
      ),
      control(
        'delivery.weight',
        'Weight',
        weight,
        `${limits.weight.min}–${limits.weight.max}, within a priority`,
      ),
      control('delivery.pacing', 'Pacing', pacing, 'Evenly needs an impressions goal'),
    ),
    h(
      'fieldset',
      { class: 'field goals', 'data-path': 'delivery.goals' },
      h('legend', {}, 'Goals', h('span', { class: 'hint' }, ' (empty: no goal)')),
      h(
        'div',
        { class: 'row wrap' },
        goals.map((g) => control(`delivery.goals.${g.key}`, g.label, g.input)),
      ),
      h('p', { class: 'error' }),
    ),
    caps.el,
    h('p', { class: 'error' }),
  );
  return {
    el,
    /** @returns {Delivery} */
    read: () => ({
      priority: /** @type {number} */ (numberOrNull(priority)),
      weight: /** @type {number} */ (numberOrNull(weight)),
      goals: /** @type {Goals} */ (Object.fromEntries(goals.map((g) => [g.key, numberOrNull(g.input)]))),
      pacing: /** @type {Delivery['pacing']} */ (pacing.value),
      frequencyCaps: caps.read(),
    }),
  };
}

/**
 * Up to four caps, each "at most N times per M units" for one user key.
 * @param {readonly FrequencyCap[]} initial
 */
function capList(initial) {
  const list = h('div', { class: 'caps' });
  const add = h('button', { type: 'button' }, 'Add frequency cap');
  /** @type {Array<{ el: HTMLElement, read: () => FrequencyCap, number: (i: number) => void }>} */
  const rows = [];
  const renumber = () => {
    rows.forEach((r, i) => r.number(i));
    add.disabled = rows.length >= limits.caps.max;
  };
  /** @param {FrequencyCap | undefined} cap */
  const append = (cap) => {
    const unit = [...UNITS].reverse().find(([s]) => cap && cap.seconds % Number(s) === 0) ?? UNITS[0];
    const times = integer(cap?.impressions ?? 3, limits.capImpressions);
    const span = h('input', {
      type: 'number',
      step: '1',
      min: '1',
      inputmode: 'numeric',
      value: cap ? cap.seconds / Number(unit[0]) : 1,
    });
    const unitSelect = h(
      'select',
      {},
      UNITS.map(([s, label]) => h('option', { value: s, selected: s === (cap ? unit[0] : '3600') }, label)),
    );
    const legend = h('legend', {});
    const remove = h('button', { type: 'button', class: 'link danger' });
    const fields = h('div', { class: 'row wrap' });
    const el = h('fieldset', { class: 'cap' }, legend, fields, h('p', { class: 'error' }), remove);
    const row = {
      el,
      read: () => ({
        impressions: Number(times.value),
        seconds: Math.round(Number(span.value) * Number(unitSelect.value)),
      }),
      /** @param {number} i */
      number(i) {
        legend.textContent = `Frequency cap ${i + 1}`;
        remove.textContent = `Remove frequency cap ${i + 1}`;
        el.dataset.path = `delivery.frequencyCaps.${i}`;
        fields.replaceChildren(
          control(`delivery.frequencyCaps.${i}.impressions`, 'At most (times)', times),
          control(`delivery.frequencyCaps.${i}.seconds`, 'In any', span),
          control(`delivery.frequencyCaps.${i}.unit`, 'Unit', unitSelect),
        );
      },
    };
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      el.remove();
      renumber();
      add.focus();
    });
    rows.push(row);
    list.append(el);
    renumber();
    return row;
  };
  for (const cap of initial) append(cap);
  add.addEventListener('click', () => append(undefined).el.querySelector('input')?.focus());
  const el = h(
    'fieldset',
    { class: 'field caps-field', 'data-path': 'delivery.frequencyCaps' },
    h('legend', {}, 'Frequency caps', h('span', { class: 'hint' }, ' (per user key; none: no cap)')),
    list,
    h('p', { class: 'error' }),
    add,
  );
  renumber();
  return { el, read: () => rows.map((r) => r.read()) };
}

/**
 * The landing URL and the JSON data a platform renders. `read` answers undefined (and says why
 * beside the field) when the data is not a JSON object.
 * @param {Creative | null | undefined} creative
 */
export function creativeSection(creative) {
  const landingUrl = h('input', {
    type: 'url',
    value: creative?.landingUrl ?? '',
    maxlength: String(limits.landingUrlChars),
    autocomplete: 'off',
    placeholder: 'https://shop.example/spring',
  });
  const data = h('textarea', { rows: '4', spellcheck: 'false', class: 'mono' });
  data.value = creative?.data ? JSON.stringify(creative.data, null, 2) : '';
  const dataField = control(
    'creative.data',
    'Data (a JSON object)',
    data,
    `Up to ${limits.dataBytes} bytes; empty: none`,
  );
  const el = h(
    'fieldset',
    { class: 'field creative', 'data-path': 'creative' },
    h('legend', {}, 'Creative'),
    h('p', { class: 'hint' }, 'Returned with each decision. A click URL leads to the landing URL.'),
    control('creative.landingUrl', 'Landing URL', landingUrl, 'http or https; empty: none'),
    dataField,
    h('p', { class: 'error' }),
  );
  return {
    el,
    /** @returns {{ creative: Creative | null } | { problem: { path: string, message: string } }} */
    read() {
      const url = landingUrl.value.trim();
      const text = data.value.trim();
      /** @type {Record<string, unknown> | null} */
      let parsed = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          return { problem: { path: 'creative.data', message: 'is not valid JSON' } };
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
          return { problem: { path: 'creative.data', message: 'must be a JSON object ({ … })' } };
      }
      return { creative: url || parsed ? { landingUrl: url || null, data: parsed } : null };
    },
  };
}
