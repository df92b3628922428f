/** DOM building and formatting shared by the console's views. Text always goes in as text, never as HTML. */

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * `h('p', { class: 'x', onclick: fn }, 'text', child)`: an element with attributes, listeners
 * (`on…`) and children. A tag written `svg:line` is made in the SVG namespace.
 */
export function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS(SVG_NS, tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

let uid = 0;
/** A fresh element id with a readable prefix. */
export const newId = (prefix) => `${prefix}-${++uid}`;

/** A view's heading: focused after navigation so keyboard and screen-reader users start there. */
export function heading(text) {
  document.title = `${text} · adsm console`;
  return h('h1', { tabindex: '-1', id: 'view-title' }, text);
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

/** An ISO instant in the admin's local time, short. */
export const localTime = (iso) => dateTime.format(new Date(iso));

/** `2026-12-10T11:00:00` (a `datetime-local` value) for an ISO instant, in local time. */
export function toLocalInput(iso) {
  const d = new Date(iso);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The ISO instant of a `datetime-local` value read as local time; '' when empty or invalid. */
export function fromLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export const count = (n) => (n === null || n === undefined ? '–' : numbers.format(n));
export const percent = (x) =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(x >= 0.1 ? 1 : 2)}%`;

const GENDER_NAMES = { M: 'male', F: 'female' };

/** One condition set in words: `age 20–30, female, TW JP, ios`. */
export function describeSet(set) {
  const parts = [];
  if (set.ageStart !== undefined && set.ageEnd !== undefined) parts.push(`age ${set.ageStart}–${set.ageEnd}`);
  else if (set.ageStart !== undefined) parts.push(`age ≥ ${set.ageStart}`);
  else if (set.ageEnd !== undefined) parts.push(`age ≤ ${set.ageEnd}`);
  if (set.gender) parts.push(set.gender.map((g) => GENDER_NAMES[g] ?? g).join(' or '));
  if (set.country) {
    const shown = set.country.slice(0, 5).join(' ');
    parts.push(set.country.length > 5 ? `${shown} +${set.country.length - 5}` : shown);
  }
  if (set.platform) parts.push(set.platform.join(' or '));
  return parts.join(', ');
}

/** A targeting summary: `everyone`, or the sets joined by `or`. */
export const describeConditions = (conditions) =>
  conditions.length === 0 ? 'everyone' : conditions.map((s) => `(${describeSet(s)})`).join(' or ');

/** Country names and codes from the page's datalist (`Taiwan (TW)`), for pickers. */
let countryIndex;
export function countries() {
  if (countryIndex) return countryIndex;
  const byCode = new Map();
  const byName = new Map();
  for (const option of document.querySelectorAll('#countries option')) {
    const m = /^(.*) \(([A-Z]{2})\)$/.exec(option.value);
    if (!m) continue;
    byCode.set(m[2], m[1]);
    byName.set(m[1].toLowerCase(), m[2]);
  }
  countryIndex = { byCode, byName };
  return countryIndex;
}

/** The code for `Taiwan`, `tw`, `TW` or `Taiwan (TW)`; undefined when nothing matches. */
export function resolveCountry(text) {
  const t = text.trim();
  if (!t) return undefined;
  const { byCode, byName } = countries();
  const paren = /\(([A-Za-z]{2})\)\s*$/.exec(t);
  if (paren && byCode.has(paren[1].toUpperCase())) return paren[1].toUpperCase();
  if (/^[A-Za-z]{2}$/.test(t) && byCode.has(t.toUpperCase())) return t.toUpperCase();
  const exact = byName.get(t.toLowerCase());
  if (exact) return exact;
  const lower = t.toLowerCase();
  const partial = [...byName.entries()].filter(([name]) => name.includes(lower));
  return partial.length === 1 ? partial[0][1] : undefined;
}

export const countryName = (code) => countries().byCode.get(code) ?? code;

/** A modal yes/no question in a native dialog; resolves true when confirmed. */
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
export const flash = (text) => void (flashText = text);
export function takeFlash() {
  const text = flashText;
  flashText = '';
  return h('p', { class: text ? 'flash' : 'flash empty', role: 'status' }, text);
}
