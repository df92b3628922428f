/** Create and edit forms for every field of an ad, with the API's validation errors beside each field. */
import { adPath, api, ApiError } from './api.js';
import { confirmDialog, flash, fromLocalInput, h, heading, newId, TIME_ZONE, toLocalInput } from './dom.js';
import { conditionSet, readSet } from './condition-set.js';

const DAY = 86_400_000;

export async function adFormView(view, id) {
  let ad;
  if (id !== undefined) {
    try {
      ad = (await api('GET', adPath(id))).body;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        view.append(
          heading('Ad not found'),
          h('p', { role: 'alert', class: 'alert' }, 'No ad has this id: it may have been deleted.'),
          h('p', {}, h('a', { href: '#/ads' }, 'Back to the ads')),
        );
        return;
      }
      throw err;
    }
  }
  renderForm(view, ad);
}

function renderForm(view, ad, notice = '') {
  const editing = ad !== undefined;
  /** One key per opened create form: a double click or a retry creates one ad. */
  let idempotencyKey = crypto.randomUUID();
  let submitting = false;

  const alertBox = h(
    'div',
    { class: notice ? 'flash' : 'flash empty', role: 'status', id: 'form-alert' },
    notice,
  );
  const title = field(
    'title',
    'Title',
    h('input', { type: 'text', value: ad?.title ?? '', maxlength: '300', autocomplete: 'off' }),
  );
  // A new ad starts at the current minute (already begun) and runs a week.
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const start = dateField('startAt', 'Start', ad?.startAt ?? new Date(minute).toISOString());
  const end = dateField('endAt', 'End', ad?.endAt ?? new Date(minute + 7 * DAY).toISOString());

  const sets = h('div', { class: 'sets' });
  const addSet = h('button', { type: 'button' }, 'Add condition set');
  const renumber = () =>
    [...sets.children].forEach((el, i) => el.dispatchEvent(new CustomEvent('renumber', { detail: i })));
  const appendSet = (set) => {
    const el = conditionSet(set, () => {
      el.remove();
      renumber();
      addSet.focus();
    });
    sets.append(el);
    renumber();
    return el;
  };
  for (const set of ad?.conditions ?? []) appendSet(set);
  addSet.addEventListener('click', () => appendSet({}).querySelector('input')?.focus());

  const targeting = h(
    'fieldset',
    { class: 'field targeting', 'data-path': 'conditions' },
    h('legend', {}, 'Targeting'),
    h(
      'p',
      { class: 'hint' },
      'No condition set: everyone sees the ad. With sets, a viewer sees it when they match at least one set; inside a set, every filled-in field must match.',
    ),
    sets,
    h('p', { class: 'error', id: newId('err') }),
    addSet,
  );

  const submit = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create ad');
  const actions = h(
    'div',
    { class: 'actions' },
    submit,
    h('a', { href: '#/ads', class: 'button' }, 'Cancel'),
  );
  if (editing) {
    const del = h('button', { type: 'button', class: 'danger' }, 'Delete ad');
    del.addEventListener('click', () => void removeAd());
    actions.append(
      h('a', { href: `#/ads/${encodeURIComponent(ad.id)}/delivery`, class: 'button' }, 'Delivery'),
      del,
    );
  }

  const form = h(
    'form',
    { novalidate: true, class: 'ad-form', 'aria-labelledby': 'view-title' },
    alertBox,
    title.el,
    start.el,
    end.el,
    targeting,
    actions,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });

  const meta = editing
    ? h(
        'p',
        { class: 'muted' },
        `Version ${ad.version} · id ${ad.id} · created ${new Date(ad.createdAt).toISOString()}`,
      )
    : null;
  view.replaceChildren(...[heading(editing ? `Edit “${ad.title}”` : 'New ad'), meta, form].filter(Boolean));

  function body() {
    return {
      title: title.input.value,
      startAt: start.value(),
      endAt: end.value(),
      conditions: [...sets.children].map(readSet),
    };
  }

  function clearErrors() {
    for (const el of form.querySelectorAll('.error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    alertBox.textContent = '';
    alertBox.className = 'flash empty';
    alertBox.replaceChildren();
  }

  function say(kind, ...content) {
    alertBox.className = kind === 'error' ? 'alert' : 'flash';
    alertBox.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    alertBox.replaceChildren(...content);
  }

  /** Puts each `details` message beside the field its path names (the longest matching prefix). */
  function showDetails(details) {
    const fields = [...form.querySelectorAll('[data-path]')];
    const unplaced = [];
    let first;
    for (const d of details) {
      let target;
      for (const el of fields) {
        const p = el.dataset.path;
        if (
          (d.path === p || d.path.startsWith(`${p}.`)) &&
          (!target || p.length > target.dataset.path.length)
        )
          target = el;
      }
      if (!target) {
        unplaced.push(`${d.path || 'request'}: ${d.message}`);
        continue;
      }
      const error = target.querySelector(':scope > .error');
      const rest = d.path.slice(target.dataset.path.length + 1);
      const text = rest ? `${rest}: ${d.message}` : d.message;
      error.textContent = error.textContent ? `${error.textContent} ${text}` : text;
      for (const input of target.querySelectorAll(':scope > input, :scope > .control input'))
        input.setAttribute('aria-invalid', 'true');
      first ??= target.querySelector('input, button');
    }
    say(
      'error',
      `The ad was not saved: ${details.length === 1 ? 'one field needs' : 'some fields need'} fixing.`,
      ...unplaced.map((u) => h('span', { class: 'block' }, u)),
    );
    first?.focus();
  }

  async function save() {
    if (submitting) return;
    submitting = true;
    submit.disabled = true;
    clearErrors();
    try {
      const sent = body();
      const res = editing
        ? await api('PUT', adPath(ad.id), { body: sent, headers: { 'If-Match': `"${ad.version}"` } })
        : await api('POST', '/api/v1/ad', { body: sent, headers: { 'Idempotency-Key': idempotencyKey } });
      flash(
        editing ? `Saved “${res.body.title}” (version ${res.body.version}).` : `Created “${res.body.title}”.`,
      );
      location.hash = '#/ads';
    } catch (err) {
      if (!(err instanceof ApiError)) {
        say(
          'error',
          `The server could not be reached; nothing is known to be saved. ${err instanceof Error ? err.message : ''}`,
        );
        return;
      }
      explain(err);
    } finally {
      submitting = false;
      submit.disabled = false;
    }
  }

  function explain(err) {
    if (err.status === 400) return showDetails(err.details);
    if (err.status === 412) return conflict();
    if (err.status === 429)
      return say(
        'error',
        h('strong', {}, 'Quota reached: nothing was saved. '),
        `${err.message}. The server limits how many ads are created per UTC day (MAX_ADS_PER_DAY) and how many are active at any one instant (MAX_ACTIVE_ADS). Shorten the dates, wait for other ads to end, or ask the operator to raise the limit.`,
      );
    if (err.status === 404)
      return say(
        'error',
        'This ad no longer exists: someone deleted it. ',
        h('a', { href: '#/ads' }, 'Back to the ads'),
      );
    if (err.status === 422) {
      idempotencyKey = crypto.randomUUID();
      return say(
        'error',
        'This form was already submitted with other values. Submit again to create a new ad.',
      );
    }
    say('error', `The server refused: ${err.message} (${err.code}).`);
  }

  /** 412: someone changed the ad since it was opened; offer to load their version. */
  async function conflict() {
    let current;
    try {
      current = (await api('GET', adPath(ad.id))).body;
    } catch {
      current = undefined;
    }
    const reload = h('button', { type: 'button' }, 'Reload the ad');
    reload.addEventListener('click', () => {
      if (current)
        renderForm(view, current, `Reloaded version ${current.version}. Make your changes again and save.`);
      else location.hash = '#/ads';
      view.querySelector('#view-title')?.focus();
    });
    say(
      'error',
      h('strong', {}, 'Someone else changed this ad while you were editing it. '),
      current
        ? `You edited version ${ad.version}; it is now version ${current.version}. Your changes were not saved. Reload to see theirs (your edits here will be lost).`
        : 'It has since been deleted. Your changes were not saved.',
      ' ',
      reload,
    );
    reload.focus();
  }

  async function removeAd() {
    if (!(await confirmDialog(`Delete “${ad.title}”? This cannot be undone.`, 'Delete'))) return;
    try {
      await api('DELETE', adPath(ad.id), { headers: { 'If-Match': `"${ad.version}"` } });
      flash(`Deleted “${ad.title}”.`);
      location.hash = '#/ads';
    } catch (err) {
      if (err instanceof ApiError) explain(err);
      else throw err;
    }
  }
}

/** A labelled input with its error line; `data-path` names the API field it reports. */
function field(path, label, input, ...extra) {
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

/** A `datetime-local` input in the admin's time zone, with the UTC instant it stands for. */
function dateField(path, label, iso) {
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
