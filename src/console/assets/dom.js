// @ts-check
/** DOM building and formatting shared by the console's views. Text always goes in as text, never as HTML. */

/** @typedef {import('../api-types.js').ConditionSetJson} ConditionSetJson */
/** @typedef {import('../api-types.js').Vocabulary} Vocabulary */
/** @typedef {string | number | boolean | null | undefined | ((event: any) => void)} AttrValue */
/** @typedef {Record<string, AttrValue>} Attrs */
/** @typedef {Node | string | number | null | undefined | false | ChildList} Child */
/** @typedef {Child[]} ChildList */

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @template {string} T
 * @typedef {T extends `svg:${infer S extends keyof SVGElementTagNameMap}` ? SVGElementTagNameMap[S]
 *   : T extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[T] : Element} ElementOf
 */

/**
 * `h('p', { class: 'x', onclick: fn }, 'text', child)`: an element with attributes, listeners
 * (`on…`) and children. A tag written `svg:line` is made in the SVG namespace.
 * @template {string} T
 * @param {T} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {ElementOf<T>}
 */
export function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS(SVG_NS, tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return /** @type {ElementOf<T>} */ (el);
}

/**
 * @param {Element} el
 * @param {ChildList} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/**
 * The element with this id, which the page or the view is known to hold.
 * @template {HTMLElement} [E=HTMLElement]
 * @param {string} id
 * @returns {E}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return /** @type {E} */ (el);
}

let uid = 0;
/**
 * A fresh element id with a readable prefix.
 * @param {string} prefix
 */
export const newId = (prefix) => `${prefix}-${++uid}`;

/**
 * A view's heading: focused after navigation so keyboard and screen-reader users start there.
 * @param {string} text
 */
export function heading(text) {
  document.title = `${text} · adsm console`;
  return h('h1', { tabindex: '-1', id: 'view-title' }, text);
}

/**
 * Moves focus to the view's heading (after a view is redrawn in place).
 * @param {ParentNode} [root]
 */
export function focusTitle(root = document) {
  const title = root.querySelector('#view-title');
  if (title instanceof HTMLElement) title.focus();
}

export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const numbers = new Intl.NumberFormat('en');

/**
 * An ISO instant in the admin's local time, short.
 * @param {string | number} iso
 */
export const localTime = (iso) => dateTime.format(new Date(iso));

/**
 * A `<time>` showing an instant in local time, the exact UTC instant on hover.
 * @param {string} iso
 */
export const timeEl = (iso) =>
  h('time', { datetime: iso, title: new Date(iso).toISOString() }, localTime(iso));

/**
 * `2026-12-10T11:00:00` (a `datetime-local` value) for an ISO instant, in local time.
 * @param {string} iso
 */
export function toLocalInput(iso) {
  const d = new Date(iso);
  /** @type {(n: number, w?: number) => string} */
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * The ISO instant of a `datetime-local` value read as local time; '' when empty or invalid.
 * @param {string} value
 */
export function fromLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** @param {number | null | undefined} n */
export const count = (n) => (n === null || n === undefined ? '–' : numbers.format(n));
/** @param {number | null | undefined} x */
export const percent = (x) =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(x >= 0.1 ? 1 : 2)}%`;

/**
 * The lists the API accepts (countries, genders, platforms), as the server put them in the page.
 * @type {Vocabulary}
 */
export const vocabulary = JSON.parse(byId('vocabulary').textContent ?? '{}');

const genderNames = new Map(vocabulary.genders.map(([value, label]) => [value, label.toLowerCase()]));

/**
 * One condition set in words: `age 20–30, female, TW JP, ios`.
 * @param {ConditionSetJson} set
 */
export function describeSet(set) {
  const parts = [];
  if (set.ageStart !== undefined && set.ageEnd !== undefined) parts.push(`age ${set.ageStart}–${set.ageEnd}`);
  else if (set.ageStart !== undefined) parts.push(`age ≥ ${set.ageStart}`);
  else if (set.ageEnd !== undefined) parts.push(`age ≤ ${set.ageEnd}`);
  if (set.gender) parts.push(set.gender.map((g) => genderNames.get(g) ?? g).join(' or '));
  if (set.country) {
    const shown = set.country.slice(0, 5).join(' ');
    parts.push(set.country.length > 5 ? `${shown} +${set.country.length - 5}` : shown);
  }
  if (set.platform) parts.push(set.platform.join(' or '));
  return parts.join(', ');
}

/**
 * A targeting summary: `everyone`, or the sets joined by `or`.
 * @param {readonly ConditionSetJson[]} conditions
 */
export const describeConditions = (conditions) =>
  conditions.length === 0 ? 'everyone' : conditions.map((s) => `(${describeSet(s)})`).join(' or ');

const countryByCode = new Map(vocabulary.countries);
const countryByName = new Map(vocabulary.countries.map(([code, name]) => [name.toLowerCase(), code]));

/** Fills the page's `#countries` datalist (the pickers' suggestions) with every country's name. */
export function fillCountryList() {
  byId('countries').replaceChildren(
    ...vocabulary.countries.map(([code, name]) => h('option', { value: name }, code)),
  );
}

/**
 * The code for `Taiwan`, `taiwan`, `tw` or `TW`, or for the one name that contains the text
 * (`taiw`); undefined when nothing matches or several names do.
 * @param {string} text
 * @returns {string | undefined}
 */
export function resolveCountry(text) {
  const t = text.trim().toLowerCase();
  if (!t) return undefined;
  if (t.length === 2 && countryByCode.has(t.toUpperCase())) return t.toUpperCase();
  const exact = countryByName.get(t);
  if (exact) return exact;
  const partial = [...countryByName.entries()].filter(([name]) => name.includes(t));
  return partial.length === 1 ? partial[0]?.[1] : undefined;
}

/**
 * True when `text` is a country's whole name (as picked from the suggestions).
 * @param {string} text
 */
export const isCountryName = (text) => countryByName.has(text.trim().toLowerCase());

/** @param {string} code */
export const countryName = (code) => countryByCode.get(code) ?? code;

/**
 * A modal yes/no question in a native dialog; resolves true when confirmed.
 * @param {string} question
 * @param {string} confirmLabel
 * @returns {Promise<boolean>}
 */
export function confirmDialog(question, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { 'aria-labelledby': 'confirm-text' },
      h('p', { id: 'confirm-text' }, question),
      h(
        'form',
        { method: 'dialog', class: 'actions' },
        h('button', { value: 'cancel', type: 'submit' }, 'Cancel'),
        h('button', { value: 'ok', type: 'submit', class: 'danger' }, confirmLabel),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A message carried to the next view (after a save, a delete). */
let flashText = '';
/** @param {string} text */
export const flash = (text) => void (flashText = text);
export function takeFlash() {
  const text = flashText;
  flashText = '';
  return h('p', { class: text ? 'flash' : 'flash empty', role: 'status' }, text);
}

/**
 * The message of anything thrown.
 * @param {unknown} err
 */
export const messageOf = (err) => (err instanceof Error ? err.message : String(err));
