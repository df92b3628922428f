// @ts-check
/** One condition set in the ad form: ages, genders, countries (by name or code), platforms. */
import { countryName, h, isCountryName, newId, resolveCountry, vocabulary } from './dom.js';

/** @typedef {import('../api-types.js').ConditionSetJson} ConditionSetJson */

/**
 * @typedef {object} ConditionSetEditor
 * @property {HTMLFieldSetElement} el
 * @property {() => ConditionSetJson} read The set as the admin filled it in now.
 * @property {(index: number) => void} number Names the set by its place in the list (legend, error paths).
 */

/**
 * A fieldset editing `set`; `onRemove` runs after the admin removes it.
 * @param {ConditionSetJson} set
 * @param {() => void} onRemove
 * @returns {ConditionSetEditor}
 */
export function conditionSet(set, onRemove) {
  const legend = h('legend', {});
  const root = h('fieldset', { class: 'set' }, legend);
  const ageStart = ageField('ageStart', 'Age from', set.ageStart);
  const ageEnd = ageField('ageEnd', 'Age to', set.ageEnd);
  const gender = choices('gender', 'Gender', vocabulary.genders, set.gender ?? []);
  const platform = choices('platform', 'Platform', vocabulary.platforms, set.platform ?? []);
  const country = countryPicker(set.country ?? []);

  const remove = h('button', { type: 'button', class: 'link danger' });
  remove.addEventListener('click', onRemove);

  root.append(
    h('div', { class: 'row' }, ageStart.el, ageEnd.el),
    gender.el,
    country.el,
    platform.el,
    h('p', { class: 'error' }),
    remove,
  );
  return {
    el: root,
    number(i) {
      legend.textContent = `Condition set ${i + 1}`;
      remove.textContent = `Remove condition set ${i + 1}`;
      root.dataset.path = `conditions.${i}`;
      for (const el of root.querySelectorAll('[data-key]'))
        if (el instanceof HTMLElement) el.dataset.path = `conditions.${i}.${el.dataset.key}`;
    },
    read() {
      /** @type {ConditionSetJson} */
      const out = {};
      const a = ageStart.read();
      const b = ageEnd.read();
      if (a !== undefined) out.ageStart = a;
      if (b !== undefined) out.ageEnd = b;
      const g = gender.read();
      if (g.length) out.gender = g;
      const c = country.read();
      if (c.length) out.country = c;
      const p = platform.read();
      if (p.length) out.platform = p;
      return out;
    },
  };
}

/**
 * @param {'ageStart' | 'ageEnd'} key
 * @param {string} label
 * @param {number | undefined} value
 */
function ageField(key, label, value) {
  const id = newId(key);
  const input = h('input', {
    id,
    name: key,
    type: 'number',
    min: '1',
    max: '100',
    step: '1',
    inputmode: 'numeric',
    value: value ?? '',
  });
  const err = h('p', { class: 'error', id: newId('err') });
  input.setAttribute('aria-describedby', err.id);
  return {
    el: h('div', { class: 'field small', 'data-key': key }, h('label', { for: id }, label), input, err),
    /** The number typed, undefined when empty (the API judges the rest). */
    read: () => (input.value.trim() === '' ? undefined : Number(input.value)),
  };
}

/**
 * Check boxes for a subset of `options`; none ticked means "any".
 * @template {string} V
 * @param {string} key
 * @param {string} legendText
 * @param {ReadonlyArray<readonly [V, string]>} options
 * @param {readonly V[]} ticked
 */
function choices(key, legendText, options, ticked) {
  const boxes = options.map(([value, label]) => {
    const id = newId(key);
    const input = h('input', { id, type: 'checkbox', name: key, value, checked: ticked.includes(value) });
    return { input, value, el: h('span', { class: 'choice' }, input, h('label', { for: id }, label)) };
  });
  const el = h(
    'fieldset',
    { class: 'field choices', 'data-key': key },
    h('legend', {}, legendText, h('span', { class: 'hint' }, ' (none ticked: any)')),
    h(
      'div',
      { class: 'control' },
      boxes.map((b) => b.el),
    ),
    h('p', { class: 'error' }),
  );
  return { el, read: () => boxes.filter((b) => b.input.checked).map((b) => b.value) };
}

/**
 * Countries as removable chips, added by name (suggested from the page's list) or code.
 * @param {readonly string[]} initial
 */
function countryPicker(initial) {
  const codes = [...initial];
  const chips = h('ul', { class: 'chips', 'aria-label': 'Chosen countries' });
  const inputId = newId('country');
  const error = h('p', { class: 'error', id: newId('err') });
  const input = h('input', {
    id: inputId,
    type: 'text',
    list: 'countries',
    autocomplete: 'off',
    placeholder: 'Taiwan or TW',
    'aria-describedby': error.id,
  });
  const addButton = h('button', { type: 'button' }, 'Add country');

  const draw = () =>
    chips.replaceChildren(
      ...codes.map((code) => {
        const label = `${countryName(code)} (${code})`;
        const remove = h(
          'button',
          { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${label}` },
          '×',
        );
        remove.addEventListener('click', () => {
          codes.splice(codes.indexOf(code), 1);
          draw();
          input.focus();
        });
        return h('li', { 'data-code': code }, h('span', { title: label }, label), remove);
      }),
    );
  const add = () => {
    const text = input.value;
    if (!text.trim()) return;
    const code = resolveCountry(text);
    if (!code) {
      error.textContent = `“${text.trim()}” is not a country name or ISO code this console knows.`;
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    if (!codes.includes(code)) codes.push(code);
    input.value = '';
    draw();
  };
  addButton.addEventListener('click', add);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      add();
    }
  });
  // A name picked from the suggestions is added at once.
  input.addEventListener('change', () => {
    if (isCountryName(input.value)) add();
  });
  draw();
  const el = h(
    'div',
    { class: 'field', 'data-key': 'country' },
    h('label', { for: inputId }, 'Countries (name or code; none: any)'),
    h('div', { class: 'control inline' }, input, addButton),
    chips,
    error,
  );
  return { el, read: () => [...codes] };
}
