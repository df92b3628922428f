/** The admin API as the console calls it: JSON in and out, the admin token as the bearer header. */

const TOKEN_KEY = 'adsm.adminToken';

export const auth = {
  /** The server runs with ADMIN_TOKEN (told by the page it serves). */
  required: document.body.dataset.auth === 'required',
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
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
  constructor(status, body, headers) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'unknown';
    this.details = body?.error?.details ?? [];
    this.headers = headers;
  }
}

let onSignedOut = () => undefined;
/** Called when the server refuses the stored token (it changed, or the server restarted with another). */
export const whenSignedOut = (fn) => void (onSignedOut = fn);

/** Sends a request; resolves `{ status, body, headers }` on 2xx, rejects with `ApiError` otherwise. */
export async function api(method, path, { body, headers, token } = {}) {
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

export const adPath = (id) => `/api/v1/ad/${encodeURIComponent(id)}`;
