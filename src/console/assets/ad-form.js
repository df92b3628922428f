// @ts-check
/** Create and edit forms for every field of an ad, with the API's validation errors beside each field. */
import { ApiError, createAd, deleteAd, getAd, replaceAd } from './api.js';
import { confirmDialog, flash, focusTitle, h, heading, messageOf, newId } from './dom.js';
import { alertBox, clearErrors, dateField, field, showDetails } from './form-parts.js';
import { conditionSet } from './condition-set.js';
import { creativeSection, deliverySection } from './delivery-fields.js';

/** @typedef {import('../api-types.js').AdJson} AdJson */
/** @typedef {import('../api-types.js').AdBody} AdBody */
/** @typedef {import('../api-types.js').ConditionSetJson} ConditionSetJson */

const DAY = 86_400_000;

/**
 * The form for a new ad (`id` undefined) or for the ad with this id.
 * @param {HTMLElement} view
 * @param {string} [id]
 */
export async function adFormView(view, id) {
  if (id === undefined) return renderForm(view, undefined);
  try {
    renderForm(view, await getAd(id));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    view.append(
      heading('Ad not found'),
      h('p', { role: 'alert', class: 'alert' }, 'No ad has this id: it may have been deleted.'),
      h('p', {}, h('a', { href: '#/ads' }, 'Back to the ads')),
    );
  }
}

/**
 * The whole form: its sections, the alert above them, and what a submit does.
 * @param {HTMLElement} view
 * @param {AdJson | undefined} ad The ad being edited; undefined for a new one.
 * @param {string} [notice] A message shown above the form from the start.
 */
function renderForm(view, ad, notice = '') {
  const alert = alertBox(notice);
  const basics = basicFields(ad);
  const targeting = targetingSection(ad?.conditions ?? []);
  const delivery = deliverySection(ad?.delivery);
  const creative = creativeSection(ad?.creative);
  const submit = h('button', { type: 'submit', class: 'primary' }, ad ? 'Save changes' : 'Create ad');
  const form = h(
    'form',
    { novalidate: true, class: 'ad-form', 'aria-labelledby': 'view-title' },
    alert.el,
    ...basics.els,
    targeting.el,
    delivery.el,
    creative.el,
    actionBar(ad, submit, () => void removeAd()),
  );
  const sender = ad ? replacer(ad) : creator();

  /** @returns {AdBody | undefined} The body to send; undefined (with the problem shown) when the form cannot make one. */
  const body = () => {
    const made = creative.read();
    if ('problem' in made) {
      showDetails(form, alert, [made.problem]);
      return undefined;
    }
    return {
      ...basics.read(),
      conditions: targeting.read(),
      delivery: delivery.read(),
      creative: made.creative,
    };
  };

  let submitting = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });

  const meta = ad
    ? h(
        'p',
        { class: 'muted' },
        `Version ${ad.version} · id ${ad.id} · created ${new Date(ad.createdAt).toISOString()}`,
      )
    : null;
  view.replaceChildren(
    ...[heading(ad ? `Edit “${ad.title}”` : 'New ad'), meta, form].filter((el) => el !== null),
  );

  async function save() {
    if (submitting) return;
    submitting = true;
    submit.disabled = true;
    clearErrors(form, alert);
    try {
      const sent = body();
      if (!sent) return;
      const saved = await sender.send(sent);
      flash(ad ? `Saved “${saved.title}” (version ${saved.version}).` : `Created “${saved.title}”.`);
      location.hash = '#/ads';
    } catch (err) {
      if (err instanceof ApiError) explain(err);
      else
        alert.say(
          'error',
          `The server could not be reached; nothing is known to be saved. ${messageOf(err)}`,
        );
    } finally {
      submitting = false;
      submit.disabled = false;
    }
  }

  /** @param {ApiError} err */
  function explain(err) {
    if (err.status === 400) return showDetails(form, alert, err.details);
    if (err.status === 412 && ad) return void conflict(ad);
    if (err.status === 429)
      return alert.say(
        'error',
        h('strong', {}, 'Quota reached: nothing was saved. '),
        `${err.message}. The server limits how many ads are created per UTC day (MAX_ADS_PER_DAY) and how many are active at any one instant (MAX_ACTIVE_ADS). Shorten the dates, wait for other ads to end, or ask the operator to raise the limit.`,
      );
    if (err.status === 404)
      return alert.say(
        'error',
        'This ad no longer exists: someone deleted it. ',
        h('a', { href: '#/ads' }, 'Back to the ads'),
      );
    if (err.status === 422) {
      sender.renew();
      return alert.say(
        'error',
        'This form was already submitted with other values. Submit again to create a new ad.',
      );
    }
    alert.say('error', `The server refused: ${err.message} (${err.code}).`);
  }

  /**
   * 412: someone changed the ad since it was opened; offer to load their version.
   * @param {AdJson} mine
   */
  async function conflict(mine) {
    /** @type {AdJson | undefined} */
    let current;
    try {
      current = await getAd(mine.id);
    } catch {
      current = undefined;
    }
    const reload = h('button', { type: 'button' }, 'Reload the ad');
    reload.addEventListener('click', () => {
      if (current)
        renderForm(view, current, `Reloaded version ${current.version}. Make your changes again and save.`);
      else location.hash = '#/ads';
      focusTitle(view);
    });
    alert.say(
      'error',
      h('strong', {}, 'Someone else changed this ad while you were editing it. '),
      current
        ? `You edited version ${mine.version}; it is now version ${current.version}. Your changes were not saved. Reload to see theirs (your edits here will be lost).`
        : 'It has since been deleted. Your changes were not saved.',
      ' ',
      reload,
    );
    reload.focus();
  }

  async function removeAd() {
    if (!ad || !(await confirmDialog(`Delete “${ad.title}”? This cannot be undone.`, 'Delete'))) return;
    try {
      await deleteAd(ad);
      flash(`Deleted “${ad.title}”.`);
      location.hash = '#/ads';
    } catch (err) {
      if (err instanceof ApiError) explain(err);
      else throw err;
    }
  }
}

/**
 * @typedef {object} Sender
 * @property {(body: AdBody) => Promise<AdJson>} send
 * @property {() => void} renew Forgets what was sent: the next send is a new request.
 */

/**
 * Creates with one `Idempotency-Key` per opened form: a double click, or a retry after an answer
 * lost on the way back, creates one ad.
 * @returns {Sender}
 */
function creator() {
  let key = crypto.randomUUID();
  return {
    send: (body) => createAd(body, key),
    renew: () => void (key = crypto.randomUUID()),
  };
}

/**
 * Replaces the version of `ad` the form was opened on (`If-Match`): a change made meanwhile is a 412.
 * @param {AdJson} ad
 * @returns {Sender}
 */
function replacer(ad) {
  return {
    send: (body) => replaceAd(ad, body),
    renew: () => undefined,
  };
}

/**
 * Title, start and end.
 * @param {AdJson | undefined} ad
 */
function basicFields(ad) {
  const title = field(
    'title',
    'Title',
    h('input', { type: 'text', value: ad?.title ?? '', maxlength: '300', autocomplete: 'off' }),
  );
  // A new ad starts at the current minute (already begun) and runs a week.
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const start = dateField('startAt', 'Start', ad?.startAt ?? new Date(minute).toISOString());
  const end = dateField('endAt', 'End', ad?.endAt ?? new Date(minute + 7 * DAY).toISOString());
  return {
    els: [title.el, start.el, end.el],
    read: () => ({ title: title.input.value, startAt: start.value(), endAt: end.value() }),
  };
}

/**
 * The condition sets, added and removed by the admin, each named by its place.
 * @param {readonly ConditionSetJson[]} conditions
 */
function targetingSection(conditions) {
  const list = h('div', { class: 'sets' });
  const addSet = h('button', { type: 'button' }, 'Add condition set');
  /** @type {import('./condition-set.js').ConditionSetEditor[]} */
  const editors = [];
  const renumber = () => editors.forEach((e, i) => e.number(i));
  /** @param {ConditionSetJson} set */
  const append = (set) => {
    const editor = conditionSet(set, () => {
      editors.splice(editors.indexOf(editor), 1);
      editor.el.remove();
      renumber();
      addSet.focus();
    });
    editors.push(editor);
    list.append(editor.el);
    renumber();
    return editor;
  };
  for (const set of conditions) append(set);
  addSet.addEventListener('click', () => append({}).el.querySelector('input')?.focus());
  const el = h(
    'fieldset',
    { class: 'field targeting', 'data-path': 'conditions' },
    h('legend', {}, 'Targeting'),
    h(
      'p',
      { class: 'hint' },
      'No condition set: everyone sees the ad. With sets, a viewer sees it when they match at least one set; inside a set, every filled-in field must match.',
    ),
    list,
    h('p', { class: 'error', id: newId('err') }),
    addSet,
  );
  return { el, read: () => editors.map((e) => e.read()) };
}

/**
 * Submit and cancel; for an ad being edited, its delivery page and delete too.
 * @param {AdJson | undefined} ad
 * @param {HTMLButtonElement} submit
 * @param {() => void} onDelete
 */
function actionBar(ad, submit, onDelete) {
  const bar = h('div', { class: 'actions' }, submit, h('a', { href: '#/ads', class: 'button' }, 'Cancel'));
  if (ad) {
    bar.append(
      h('a', { href: `#/ads/${encodeURIComponent(ad.id)}/delivery`, class: 'button' }, 'Delivery'),
      h('button', { type: 'button', class: 'danger', onclick: onDelete }, 'Delete ad'),
    );
  }
  return bar;
}
