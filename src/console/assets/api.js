// @ts-check
/** The admin API as the console calls it: JSON in and out, the admin token as the bearer header. */

/** @typedef {import('../api-types.js').ErrorBody} ErrorBody */
/** @typedef {import('../api-types.js').AdBody} AdBody */
/** @typedef {import('../api-types.js').AdJson} AdJson */
/** @typedef {import('../api-types.js').AdPage} AdPage */
/** @typedef {import('../api-types.js').PublicPage} PublicPage */
/** @typedef {import('../api-types.js').Stats} Stats */
/** @typedef {import('../api-types.js').StatsHistory} StatsHistory */
/** @typedef {import('../api-types.js').ClusterView} ClusterView */
/** @typedef {import('../api-types.js').DecisionRequest} DecisionRequest */
/** @typedef {import('../api-types.js').DecisionAnswer} DecisionAnswer */
/** @typedef {import('../api-types.js').ErrorDetail} ErrorDetail */

const TOKEN_KEY = 'adsm.adminToken';

export const auth = {
  /** The server runs with ADMIN_TOKEN (told by the page it serves). */
  required: document.body.dataset.auth === 'required',
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  /** @param {string} token */
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
  get signedIn() {
    return !this.required || this.token !== null;
  },
};

/** A non-2xx answer: the contract's error body, flattened. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Partial<ErrorBody> | null} body
   * @param {Headers} headers
   */
  constructor(status, body, headers) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'unknown';
    /** @type {ErrorDetail[]} */
    this.details = body?.error?.details ?? [];
    this.headers = headers;
  }
}

/** @type {(message: string) => void} */
let onSignedOut = () => undefined;
/**
 * Called when the server refuses the stored token (it changed, or the server restarted with another).
 * @param {(message: string) => void} fn
 */
export const whenSignedOut = (fn) => void (onSignedOut = fn);

/**
 * @template T
 * @typedef {{ status: number, body: T, headers: Headers }} Answer
 */

/**
 * Sends a request; resolves `{ status, body, headers }` on 2xx, rejects with `ApiError` otherwise.
 * The routes below name the body's shape.
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, headers?: Record<string, string>, token?: string }} [options]
 * @returns {Promise<Answer<unknown>>}
 */
export async function api(method, path, { body, headers, token } = {}) {
  /** @type {Record<string, string>} */
  const h = { accept: 'application/json', ...headers };
  const bearer = token ?? auth.token;
  if (bearer) h.authorization = `Bearer ${bearer}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await res.text();
  /** @type {any} */
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.status === 401 && token === undefined && auth.required) {
    auth.clear();
    onSignedOut('The server no longer accepts your token. Sign in again.');
  }
  if (!res.ok) throw new ApiError(res.status, json, res.headers);
  return { status: res.status, body: json, headers: res.headers };
}

/** @param {string} id */
export const adPath = (id) => `/api/v1/ad/${encodeURIComponent(id)}`;

/**
 * The body of a 2xx answer, as the contract shapes it for the route asked.
 * @template T
 * @param {Promise<Answer<unknown>>} answer
 * @returns {Promise<T>}
 */
const bodyOf = async (answer) => /** @type {T} */ ((await answer).body);

/** @param {number} version */
const ifMatch = (version) => ({ 'If-Match': `"${version}"` });

/**
 * @param {string} id
 * @returns {Promise<AdJson>}
 */
export const getAd = (id) => bodyOf(api('GET', adPath(id)));

/**
 * @param {AdBody} body
 * @param {string} idempotencyKey
 * @returns {Promise<AdJson>}
 */
export const createAd = (body, idempotencyKey) =>
  bodyOf(api('POST', '/api/v1/ad', { body, headers: { 'Idempotency-Key': idempotencyKey } }));

/**
 * @param {AdJson} ad The version the change was made on (a newer one is a 412).
 * @param {AdBody} body
 * @returns {Promise<AdJson>}
 */
export const replaceAd = (ad, body) =>
  bodyOf(api('PUT', adPath(ad.id), { body, headers: ifMatch(ad.version) }));

/** @param {AdJson} ad */
export const deleteAd = async (ad) =>
  void (await api('DELETE', adPath(ad.id), { headers: ifMatch(ad.version) }));

/**
 * @param {URLSearchParams} params
 * @returns {Promise<AdPage>}
 */
export const listAds = (params) => bodyOf(api('GET', `/api/v1/admin/ads?${params}`));

/**
 * @param {string} id
 * @returns {Promise<Stats>}
 */
export const adStats = (id) => bodyOf(api('GET', `${adPath(id)}/stats`));

/**
 * @param {string} id
 * @param {URLSearchParams} params
 * @returns {Promise<StatsHistory>}
 */
export const statsHistory = (id, params) => bodyOf(api('GET', `${adPath(id)}/stats/history?${params}`));

/**
 * @param {string} id
 * @returns {Promise<import('../api-types.js').DeliveryReportJson>}
 */
export const deliveryReport = (id) => bodyOf(api('GET', `${adPath(id)}/delivery`));

/**
 * @param {URLSearchParams} params
 * @returns {Promise<PublicPage>}
 */
export const publicQuery = (params) => bodyOf(api('GET', `/api/v1/ad?${params}`));

/**
 * A decision: a real serve (it counts toward the chosen ads' goals and this user's caps). Sent
 * with the events token when one is given, never with the admin token (a 401 here is about
 * EVENTS_TOKEN, not the admin's sign-in).
 * @param {DecisionRequest} body
 * @param {string} eventsToken
 * @returns {Promise<DecisionAnswer>}
 */
export const decide = (body, eventsToken) =>
  bodyOf(api('POST', '/api/v1/decisions', { body, token: eventsToken }));

/** @returns {Promise<ClusterView>} */
export const clusterFacts = () => bodyOf(api('GET', '/admin/cluster.json'));

/**
 * `null` where the API answers 404.
 * @template T
 * @param {Promise<T>} request
 * @returns {Promise<T | null>}
 */
export async function orNull(request) {
  try {
    return await request;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
