// @ts-check
/** "Who sees what", second half: a decision for one user key, with the matching ads it left out and why. */
import { ApiError, decide, getAd, orNull, publicQuery } from './api.js';
import { h, messageOf, newId, timeEl } from './dom.js';

/** @typedef {import('../api-types.js').AdJson} AdJson */
/** @typedef {import('../api-types.js').DecisionRequest} DecisionRequest */
/** @typedef {import('../api-types.js').DecisionAnswer} DecisionAnswer */
/** @typedef {NonNullable<DecisionRequest['viewer']>} Viewer */

/**
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement} input
 * @param {string} [hint]
 */
const field = (label, input, hint) => {
  input.id = newId('decide');
  const err = h('p', { class: 'error', id: newId('err') });
  const hintEl = hint ? h('p', { class: 'hint', id: newId('hint') }, hint) : null;
  input.setAttribute('aria-describedby', [err.id, hintEl?.id].filter(Boolean).join(' '));
  return h(
    'div',
    { class: 'field', 'data-path': input.name },
    h('label', { for: input.id }, label),
    input,
    hintEl,
    err,
  );
};

/**
 * The decision form and its answer. `viewer` reads the viewer fields of the page's first form
 * (the same viewer as the public answer), or answers the query parameter's 400 itself.
 * @param {() => Viewer} viewer
 */
export function decisionPanel(viewer) {
  const key = h('input', {
    name: 'user.key',
    type: 'text',
    maxlength: '128',
    autocomplete: 'off',
    value: 'console-test-user',
  });
  const count = h(
    'select',
    { name: 'count' },
    [1, 2, 3, 5, 10, 20].map((n) => h('option', { value: n, selected: n === 3 }, String(n))),
  );
  const token = h('input', { name: 'eventsToken', type: 'password', autocomplete: 'off' });
  const answer = h('section', { 'aria-labelledby': 'decision-results', class: 'results' });
  const form = h(
    'form',
    { class: 'who card', 'aria-label': 'Decision' },
    h(
      'p',
      { class: 'hint' },
      'POST /api/v1/decisions for the viewer above. A decision is a real serve: the chosen ads count it toward their goals and this user key’s frequency caps. Use a test key.',
    ),
    h(
      'div',
      { class: 'row wrap' },
      field('User key', key, 'Caps are kept per key; empty: no key (capped ads are never chosen)'),
      field('How many ads', count),
      field('Events token', token, 'Only if the server runs with EVENTS_TOKEN'),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Ask for a decision'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void ask().then(() => answer.querySelector('h2')?.focus());
  });

  async function ask() {
    for (const el of form.querySelectorAll('.error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const wanted = Number(count.value);
    /** @type {DecisionRequest} */
    const body = { viewer: viewer(), count: wanted };
    if (key.value.trim()) body.user = { key: key.value.trim() };
    answer.replaceChildren(h('p', { role: 'status' }, 'Deciding…'));
    /** @type {DecisionAnswer} */
    let result;
    try {
      result = await decide(body, token.value.trim());
    } catch (err) {
      answer.replaceChildren(h('p', { role: 'alert', class: 'alert' }, refusal(err)));
      if (err instanceof ApiError) placeDetails(err);
      return;
    }
    const chosen = new Set(result.decisions.map((d) => d.adId));
    const leftOut = await unchosenMatches(body.viewer ?? {}, chosen);
    answer.replaceChildren(
      h('h2', { id: 'decision-results', tabindex: '-1' }, 'Decision'),
      h(
        'p',
        { role: 'status' },
        result.decisions.length === 0
          ? 'No ad was chosen.'
          : `${result.decisions.length} of ${wanted} wanted ${result.decisions.length === 1 ? 'ad' : 'ads'} chosen, in the order drawn.`,
      ),
      ...(result.decisions.length === 0 ? [] : [chosenTable(result)]),
      leftOutList(leftOut, result.decisions.length < wanted, body.user !== undefined),
      h(
        'details',
        {},
        h('summary', {}, 'Raw answer'),
        h(
          'pre',
          { class: 'mono' },
          `POST /api/v1/decisions\n${JSON.stringify(body)}\n\n${JSON.stringify(result, null, 2)}`,
        ),
      ),
    );
  }

  /** @param {ApiError} err */
  function placeDetails(err) {
    for (const d of err.details) {
      const target = form.querySelector(`[data-path="${CSS.escape(d.path)}"]`);
      const error = target?.querySelector('.error');
      if (!target || !error) continue;
      error.textContent = d.message;
      target.querySelector('input, select')?.setAttribute('aria-invalid', 'true');
    }
  }

  return h('div', {}, h('h2', {}, 'Decide for a user'), form, answer);
}

/** @param {unknown} err */
function refusal(err) {
  if (!(err instanceof ApiError)) return `The server could not be reached: ${messageOf(err)}`;
  if (err.status === 401) return 'The server wants its EVENTS_TOKEN for decisions: enter it above.';
  if (err.status === 400)
    return `The decision was refused: ${err.details.map((d) => `${d.path || 'request'}: ${d.message}`).join('; ')}`;
  return `The server refused: ${err.message} (${err.code}).`;
}

/**
 * The ads the public query gives this viewer now (first 100) that the decision did not choose,
 * with their settings.
 * @param {Viewer} viewer
 * @param {Set<string>} chosen
 * @returns {Promise<AdJson[]>}
 */
async function unchosenMatches(viewer, chosen) {
  const p = new URLSearchParams({ limit: '100' });
  for (const [k, v] of Object.entries(viewer)) if (v !== undefined) p.set(k, String(v));
  const page = await orNull(publicQuery(p));
  const ids = (page?.items ?? []).map((i) => i.id).filter((id) => !chosen.has(id));
  const ads = await Promise.all(ids.map((id) => orNull(getAd(id))));
  return ads.filter((ad) => ad !== null);
}

/** @param {DecisionAnswer} result */
function chosenTable(result) {
  return h(
    'table',
    { class: 'who-items decisions' },
    h('caption', { class: 'visually-hidden' }, 'Chosen ads'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['#', 'Title', 'Landing URL', 'URLs expire', 'Decision id'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      result.decisions.map((d, i) =>
        h(
          'tr',
          { 'data-id': d.adId },
          h('td', { 'data-label': '#' }, String(i + 1)),
          h(
            'td',
            { 'data-label': 'Title' },
            h('a', { href: `#/ads/${encodeURIComponent(d.adId)}` }, d.title),
          ),
          h('td', { 'data-label': 'Landing URL', class: 'mono' }, d.creative?.landingUrl ?? '–'),
          h('td', { 'data-label': 'URLs expire' }, timeEl(d.expiresAt)),
          h('td', { 'data-label': 'Decision id', class: 'mono' }, d.decisionId),
        ),
      ),
    ),
  );
}

/**
 * Why an ad the viewer matches was not chosen. The answer does not say; the console reads it
 * from the ad's settings and from whether the answer was full.
 * @param {AdJson} ad
 * @param {boolean} short The answer held fewer ads than wanted: every one left out was not eligible.
 * @param {boolean} keyed The request named a user key.
 */
function reasonFor(ad, short, keyed) {
  const caps = ad.delivery.frequencyCaps;
  const capText = caps.map((c) => `${c.impressions} per ${windowText(c.seconds)}`).join(', ');
  if (!short) return 'not drawn: the answer was already full (priority, then weight)';
  if (caps.length > 0 && !keyed)
    return `left out by a frequency cap (${capText}): a request without a user key never gets a capped ad`;
  if (caps.length > 0) return `left out by a frequency cap (${capText}) for this user`;
  return 'not eligible now (a daily goal met, or pacing)';
}

/** @param {number} seconds */
function windowText(seconds) {
  for (const [unit, s] of /** @type {const} */ ([
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ]))
    if (seconds % s === 0) return seconds === s ? unit : `${seconds / s} ${unit}s`;
  return `${seconds} s`;
}

/**
 * @param {AdJson[]} ads
 * @param {boolean} short
 * @param {boolean} keyed
 */
function leftOutList(ads, short, keyed) {
  if (ads.length === 0) return h('p', { class: 'muted' }, 'Every ad this viewer matches was chosen.');
  return h(
    'div',
    {},
    h('h3', {}, 'Matching ads not chosen'),
    h(
      'ul',
      { class: 'left-out' },
      ads.map((ad) =>
        h(
          'li',
          { 'data-id': ad.id },
          h('a', { href: `#/ads/${encodeURIComponent(ad.id)}` }, ad.title),
          `: ${reasonFor(ad, short, keyed)}`,
        ),
      ),
    ),
  );
}
