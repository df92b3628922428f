// @ts-check
/** Parts of the console's forms: labelled fields, date fields, the alert line, errors placed beside fields. */
import { fromLocalInput, h, newId, TIME_ZONE, toLocalInput } from './dom.js';

/** @typedef {import('../api-types.js').ErrorDetail} ErrorDetail */
/** @typedef {import('./dom.js').Child} Child */

/**
 * The message line above the form.
 * @param {string} notice
 */
export function alertBox(notice) {
  const el = h('div', { class: notice ? 'flash' : 'flash empty', role: 'status', id: 'form-alert' }, notice);
  return {
    el,
    /**
     * @param {'error' | 'info'} kind
     * @param {...Child} content
     */
    say(kind, ...content) {
      el.className = kind === 'error' ? 'alert' : 'flash';
      el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
      el.replaceChildren(h('span', {}, ...content));
    },
    clear() {
      el.className = 'flash empty';
      el.replaceChildren();
    },
  };
}

/** @typedef {ReturnType<typeof alertBox>} AlertBox */

/**
 * @param {HTMLFormElement} form
 * @param {AlertBox} alert
 */
export function clearErrors(form, alert) {
  for (const el of form.querySelectorAll('.error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  alert.clear();
}

/**
 * Puts each `details` message beside the field its path names (the longest matching `data-path`);
 * the rest go to the alert.
 * @param {HTMLFormElement} form
 * @param {AlertBox} alert
 * @param {readonly ErrorDetail[]} details
 */
export function showDetails(form, alert, details) {
  const fields = [...form.querySelectorAll('[data-path]')].filter((el) => el instanceof HTMLElement);
  /** @type {string[]} */
  const unplaced = [];
  /** @type {HTMLElement | null | undefined} */
  let first;
  /** @type {(el: HTMLElement) => HTMLElement | null} */
  const control = (el) => el.querySelector('input, select, textarea, button');
  for (const d of details) {
    /** @type {{ el: HTMLElement, path: string } | undefined} */
    let target;
    for (const el of fields) {
      const p = el.dataset.path ?? '';
      if ((d.path === p || d.path.startsWith(`${p}.`)) && (!target || p.length > target.path.length))
        target = { el, path: p };
    }
    const error = target?.el.querySelector(':scope > .error');
    if (!target || !error) {
      unplaced.push(`${d.path || 'request'}: ${d.message}`);
      continue;
    }
    const rest = d.path.slice(target.path.length + 1);
    const text = rest ? `${rest}: ${d.message}` : d.message;
    error.textContent = error.textContent ? `${error.textContent} ${text}` : text;
    for (const input of target.el.querySelectorAll(
      ':scope > input, :scope > select, :scope > textarea, :scope > .control input',
    ))
      input.setAttribute('aria-invalid', 'true');
    first ??= control(target.el);
  }
  alert.say(
    'error',
    `The ad was not saved: ${details.length === 1 ? 'one field needs' : 'some fields need'} fixing.`,
    ...unplaced.map((u) => h('span', { class: 'block' }, u)),
  );
  first?.focus();
}

/**
 * A labelled control with its error line; `data-path` names the API field it reports.
 * @template {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} I
 * @param {string} path
 * @param {string} label
 * @param {I} input
 * @param {...HTMLElement} extra
 */
export function field(path, label, input, ...extra) {
  const id = newId(path);
  const errId = newId('err');
  input.id = id;
  input.name = path;
  input.setAttribute('aria-describedby', [errId, ...extra.map((e) => e.id)].join(' '));
  const el = h(
    'div',
    { class: 'field', 'data-path': path },
    h('label', { for: id }, label),
    input,
    ...extra,
    h('p', { class: 'error', id: errId }),
  );
  return { el, input };
}

/**
 * A `datetime-local` input in the admin's time zone, with the UTC instant it stands for.
 * @param {string} path
 * @param {string} label
 * @param {string} iso
 */
export function dateField(path, label, iso) {
  const initial = toLocalInput(iso);
  const utc = h('output', { id: newId('utc'), class: 'utc' });
  const input = h('input', { type: 'datetime-local', step: '1', value: initial });
  const f = field(path, `${label} (${TIME_ZONE})`, input, utc);
  // Unchanged inputs keep their exact instant (milliseconds included).
  const value = () => (input.value === initial ? iso : fromLocalInput(input.value));
  const show = () => {
    const v = value();
    utc.textContent = v ? `UTC ${v}` : 'UTC: not a valid date and time';
  };
  input.addEventListener('input', show);
  show();
  return { el: f.el, input, value };
}
