/** One condition set in the ad form: ages, genders, countries (by name or code), platforms. */
import { countryName, h, newId, resolveCountry } from './dom.js';

const GENDERS = [
  ['F', 'Female'],
  ['M', 'Male'],
];
const PLATFORMS = [
  ['android', 'Android'],
  ['ios', 'iOS'],
  ['web', 'Web'],
];

/** A fieldset for `set`; `onRemove` runs after the admin removes it. Listens for `renumber` (detail: index). */
export function conditionSet(set, onRemove) {
  const legend = h('legend', {});
  const root = h('fieldset', { class: 'set' }, legend);

  const age = (key, label) => {
    const id = newId(key);
    const input = h('input', {
      id,
      name: key,
      type: 'number',
      min: '1',
      max: '100',
      step: '1',
      inputmode: 'numeric',
      value: set[key] ?? '',
    });
    const err = h('p', { class: 'error', id: newId('err') });
    input.setAttribute('aria-describedby', err.id);
    return {
      input,
      el: h('div', { class: 'field small', 'data-key': key }, h('label', { for: id }, label), input, err),
    };
  };
  const ageStart = age('ageStart', 'Age from');
  const ageEnd = age('ageEnd', 'Age to');

  const choices = (key, legendText, options) => {
    const boxes = options.map(([value, label]) => {
      const id = newId(key);
      const input = h('input', {
        id,
        type: 'checkbox',
        name: key,
        value,
        checked: set[key]?.includes(value),
      });
      return { input, el: h('span', { class: 'choice' }, input, h('label', { for: id }, label)) };
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
    return { el, read: () => boxes.filter((b) => b.input.checked).map((b) => b.input.value) };
  };
  const gender = choices('gender', 'Gender', GENDERS);
  const platform = choices('platform', 'Platform', PLATFORMS);

  const codes = [...(set.country ?? [])];
  const chips = h('ul', { class: 'chips', 'aria-label': 'Chosen countries' });
  const countryId = newId('country');
  const countryErr = h('p', { class: 'error', id: newId('err') });
  const countryInput = h('input', {
    id: countryId,
    type: 'text',
    list: 'countries',
    autocomplete: 'off',
    placeholder: 'Taiwan or TW',
    'aria-describedby': `${countryErr.id}`,
  });
  const addCountry = h('button', { type: 'button' }, 'Add country');
  const drawChips = () =>
    chips.replaceChildren(
      ...codes.map((code) => {
        const remove = h(
          'button',
          { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${countryName(code)} (${code})` },
          '×',
        );
        remove.addEventListener('click', () => {
          codes.splice(codes.indexOf(code), 1);
          drawChips();
          countryInput.focus();
        });
        return h(
          'li',
          { 'data-code': code },
          h('span', { title: countryName(code) }, `${countryName(code)} (${code})`),
          remove,
        );
      }),
    );
  const add = () => {
    const text = countryInput.value;
    if (!text.trim()) return;
    const code = resolveCountry(text);
    if (!code) {
      countryErr.textContent = `“${text.trim()}” is not a country name or ISO code this console knows.`;
      countryInput.setAttribute('aria-invalid', 'true');
      return;
    }
    countryErr.textContent = '';
    countryInput.removeAttribute('aria-invalid');
    if (!codes.includes(code)) codes.push(code);
    countryInput.value = '';
    drawChips();
  };
  addCountry.addEventListener('click', add);
  countryInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      add();
    }
  });
  countryInput.addEventListener('change', () => {
    if (resolveCountry(countryInput.value) && /\([A-Z]{2}\)$/.test(countryInput.value)) add();
  });
  drawChips();
  const country = h(
    'div',
    { class: 'field', 'data-key': 'country' },
    h('label', { for: countryId }, 'Countries (name or code; none: any)'),
    h('div', { class: 'control inline' }, countryInput, addCountry),
    chips,
    countryErr,
  );

  const remove = h('button', { type: 'button', class: 'link danger' });
  remove.addEventListener('click', onRemove);
  const setError = h('p', { class: 'error' });

  root.append(
    h('div', { class: 'row' }, ageStart.el, ageEnd.el),
    gender.el,
    country,
    platform.el,
    setError,
    remove,
  );
  root.addEventListener('renumber', (event) => {
    const i = event.detail;
    legend.textContent = `Condition set ${i + 1}`;
    remove.textContent = `Remove condition set ${i + 1}`;
    root.dataset.path = `conditions.${i}`;
    for (const el of root.querySelectorAll('[data-key]'))
      el.dataset.path = `conditions.${i}.${el.dataset.key}`;
  });
  root.read = () => {
    const out = {};
    const num = (input) => (input.value.trim() === '' ? undefined : Number(input.value));
    const a = num(ageStart.input);
    const b = num(ageEnd.input);
    if (a !== undefined) out.ageStart = a;
    if (b !== undefined) out.ageEnd = b;
    const g = gender.read();
    if (g.length) out.gender = g;
    if (codes.length) out.country = [...codes];
    const p = platform.read();
    if (p.length) out.platform = p;
    return out;
  };
  return root;
}

/** The condition set a fieldset made by `conditionSet` holds now. */
export const readSet = (el) => el.read();
