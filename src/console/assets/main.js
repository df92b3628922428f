// @ts-check
/** The console's entry: sign-in, navigation between views (hash routes), and the view lifecycle. */
import { api, auth, ApiError, whenSignedOut } from './api.js';
import { byId, fillCountryList, focusTitle, h, heading, messageOf } from './dom.js';
import { adsView } from './ads-list.js';
import { adFormView } from './ad-form.js';
import { whoView } from './who.js';
import { deliveryView } from './delivery.js';
import { clusterView } from './cluster.js';

const main = byId('main');
const nav = byId('nav');
const signOut = byId('sign-out');

/**
 * A view draws itself into `el`; it may answer a function that stops its timers.
 * @typedef {(el: HTMLElement, params: URLSearchParams) => Promise<void | (() => void)>} View
 */

/** @type {ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => View]>} */
const ROUTES = [
  [/^\/ads\/new$/, () => (el) => adFormView(el)],
  [/^\/ads\/([^/]+)\/delivery$/, (m) => (el) => deliveryView(el, decodeURIComponent(m[1] ?? ''))],
  [/^\/ads\/([^/]+)$/, (m) => (el) => adFormView(el, decodeURIComponent(m[1] ?? ''))],
  [/^\/who$/, () => (el, params) => whoView(el, params)],
  [/^\/cluster$/, () => (el) => clusterView(el)],
  [/^\/ads$/, () => (el, params) => adsView(el, params)],
];

/** @type {void | (() => void)} */
let cleanup;
let generation = 0;

/** Renders the view the hash names; a view may return a function that stops its timers. */
async function route() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  const mine = ++generation;
  if (!auth.signedIn) return signInView();
  nav.hidden = false;
  signOut.hidden = !auth.required;
  const hash = location.hash.replace(/^#/, '') || '/ads';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const found = ROUTES.map(([re, make]) => /** @type {const} */ ([re.exec(path ?? ''), make])).find(
    ([m]) => m,
  );
  if (!found?.[0]) {
    location.replace('#/ads');
    return;
  }
  for (const link of nav.querySelectorAll('a')) {
    const here = path?.startsWith((link.getAttribute('href') ?? '').slice(1));
    if (here) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  try {
    const stop = await found[1](found[0])(view, params);
    if (mine === generation) cleanup = stop;
    else if (typeof stop === 'function') stop();
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ApiError && err.status === 401) return;
    view.replaceChildren(
      heading('Something went wrong'),
      h('p', { role: 'alert', class: 'alert' }, messageOf(err)),
      h('p', {}, h('a', { href: '#/ads' }, 'Back to the ads')),
    );
  }
  if (mine === generation) focusTitle();
}

function signInView(message = '') {
  nav.hidden = true;
  const error = h('p', { class: 'error', id: 'token-error', role: 'alert' }, message);
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'token-error token-hint',
  });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'view-title' },
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'Admin token'), input, error),
    h(
      'p',
      { class: 'hint', id: 'token-hint' },
      'The ADMIN_TOKEN the server runs with. It stays in this tab only (session storage) and is sent as the bearer header.',
    ),
    button,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.textContent = 'Enter the admin token.';
      input.setAttribute('aria-invalid', 'true');
      return input.focus();
    }
    button.disabled = true;
    error.textContent = '';
    try {
      await api('GET', '/api/v1/admin/ads?limit=1', { token });
      auth.set(token);
      if (!location.hash || location.hash === '#/sign-in') location.hash = '#/ads';
      else await route();
    } catch (err) {
      const wrong = err instanceof ApiError && err.status === 401;
      error.textContent = wrong
        ? 'That token is wrong: the server refused it. Check it and try again.'
        : `Could not sign in: ${messageOf(err)}`;
      input.setAttribute('aria-invalid', 'true');
      input.select();
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.replaceChildren(h('div', { class: 'view' }, heading('Sign in'), form));
  input.focus();
}

whenSignedOut((message) => {
  generation++;
  signInView(message);
});

signOut.addEventListener('click', () => {
  auth.clear();
  generation++;
  signInView('Signed out.');
});

window.addEventListener('hashchange', () => void route());
fillCountryList();
if (!auth.required) {
  document
    .querySelector('.top')
    ?.append(
      h('p', { class: 'open-note' }, 'Open admin: this server runs without ADMIN_TOKEN (local access only).'),
    );
}
void route();
