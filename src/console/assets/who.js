// @ts-check
/** "Who sees what": one viewer's answer from the public query, exactly as ad platforms get it. */
import { ApiError, publicQuery } from './api.js';
import { h, heading, newId, resolveCountry, timeEl, vocabulary } from './dom.js';
import { decisionPanel } from './who-decides.js';

/** @typedef {import('../api-types.js').PublicPage} PublicPage */

/**
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement} input
 * @param {HTMLElement} [hint]
 */
const field = (label, input, hint) => {
  const id = newId('who');
  input.id = id;
  const err = h('p', { class: 'error', id: newId('err') });
  input.setAttribute('aria-describedby', err.id);
  return h(
    'div',
    { class: 'field', 'data-path': input.name },
    h('label', { for: id }, label),
    input,
    hint,
    err,
  );
};

/**
 * @param {string} name
 * @param {ReadonlyArray<readonly [string, string]>} options
 * @param {string} value
 */
const select = (name, options, value) =>
  h(
    'select',
    { name },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );

/**
 * @param {HTMLElement} view
 * @param {URLSearchParams} params
 */
export async function whoView(view, params) {
  const age = h('input', {
    name: 'age',
    type: 'number',
    min: '1',
    max: '100',
    inputmode: 'numeric',
    value: params.get('age') ?? '',
  });
  const gender = select('gender', [['', 'Any'], ...vocabulary.genders], params.get('gender') ?? '');
  const country = h('input', {
    name: 'country',
    type: 'text',
    list: 'countries',
    autocomplete: 'off',
    placeholder: 'Taiwan or TW',
    value: params.get('country') ?? '',
  });
  const platform = select('platform', [['', 'Any'], ...vocabulary.platforms], params.get('platform') ?? '');
  const limit = select(
    'limit',
    [
      ['10', '10'],
      ['20', '20'],
      ['50', '50'],
      ['100', '100'],
    ],
    params.get('limit') ?? '10',
  );
  const form = h(
    'form',
    { class: 'who card', 'aria-label': 'Viewer' },
    h(
      'div',
      { class: 'row wrap' },
      field('Age', age),
      field('Gender', gender),
      field('Country (name or code)', country),
      field('Platform', platform),
      field('Per page', limit),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Show ads'),
  );
  const results = h('section', { 'aria-labelledby': 'who-results', class: 'results' });
  view.append(
    heading('Who sees what'),
    h(
      'p',
      { class: 'muted' },
      'The public answer (GET /api/v1/ad) for one viewer, right now: active ads, ending soonest first. Leave a field empty to not filter on it.',
    ),
    form,
    results,
    decisionPanel(viewer),
  );

  /** The viewer as a decision names it (the same fields as the public query). */
  function viewer() {
    /** @type {import('./who-decides.js').Viewer} */
    const v = {};
    if (age.value.trim()) v.age = Number(age.value);
    if (gender.value) v.gender = gender.value;
    const c = country.value.trim();
    if (c) v.country = resolveCountry(c) ?? c;
    if (platform.value) v.platform = platform.value;
    return v;
  }

  let offset = Number(params.get('offset') ?? 0) || 0;

  const query = () => {
    const p = new URLSearchParams();
    if (age.value.trim()) p.set('age', age.value.trim());
    if (gender.value) p.set('gender', gender.value);
    const c = country.value.trim();
    if (c) p.set('country', resolveCountry(c) ?? c);
    if (platform.value) p.set('platform', platform.value);
    p.set('limit', limit.value);
    p.set('offset', String(offset));
    return p;
  };

  async function show() {
    for (const el of form.querySelectorAll('.error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const p = query();
    results.replaceChildren(h('p', { role: 'status' }, 'Asking…'));
    history.replaceState(null, '', `#/who?${p}`);
    /** @type {PublicPage} */
    let page;
    try {
      page = await publicQuery(p);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 400) throw err;
      for (const d of err.details) {
        const target = form.querySelector(`[data-path="${CSS.escape(d.path)}"]`);
        const error = target?.querySelector('.error');
        if (!target || !error) continue;
        error.textContent = d.message;
        target.querySelector('input, select')?.setAttribute('aria-invalid', 'true');
      }
      results.replaceChildren(
        h('p', { role: 'alert', class: 'alert' }, 'The query was refused: see the fields above.'),
      );
      return;
    }
    const size = Number(limit.value);
    const prev = h('button', { type: 'button', disabled: offset === 0 }, '← Previous');
    const next = h('button', { type: 'button', disabled: page.items.length < size }, 'Next →');
    prev.addEventListener('click', () => {
      offset = Math.max(0, offset - size);
      void show().then(() => results.querySelector('h2')?.focus());
    });
    next.addEventListener('click', () => {
      offset += size;
      void show().then(() => results.querySelector('h2')?.focus());
    });
    results.replaceChildren(
      ...[
        h('h2', { id: 'who-results', tabindex: '-1' }, 'Answer'),
        h(
          'p',
          { role: 'status' },
          page.items.length === 0
            ? 'No ad for this viewer on this page.'
            : `Ads ${offset + 1}–${offset + page.items.length} for this viewer.`,
        ),
        page.items.length === 0
          ? null
          : h(
              'table',
              { class: 'who-items' },
              h('caption', { class: 'visually-hidden' }, 'Ads this viewer gets'),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['#', 'Title', 'Ends', 'Id'].map((t) => h('th', { scope: 'col' }, t)),
                ),
              ),
              h(
                'tbody',
                {},
                page.items.map((item, i) =>
                  h(
                    'tr',
                    {},
                    h('td', { 'data-label': '#' }, String(offset + i + 1)),
                    h(
                      'td',
                      { 'data-label': 'Title' },
                      h('a', { href: `#/ads/${encodeURIComponent(item.id)}` }, item.title),
                    ),
                    h('td', { 'data-label': 'Ends' }, timeEl(item.endAt)),
                    h('td', { 'data-label': 'Id', class: 'mono' }, item.id),
                  ),
                ),
              ),
            ),
        h(
          'nav',
          { class: 'pager', 'aria-label': 'Answer pages' },
          prev,
          h('span', {}, `offset ${offset}`),
          next,
        ),
        h(
          'details',
          {},
          h('summary', {}, 'Raw answer'),
          h('pre', { class: 'mono' }, `GET /api/v1/ad?${p}\n\n${JSON.stringify(page, null, 2)}`),
        ),
      ].filter((el) => el !== null),
    );
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    offset = 0;
    void show().then(() => results.querySelector('h2')?.focus());
  });
  if ([...params.keys()].length > 0) await show();
}
