// The admin API from the page: the key, every request, and what each error code means.
//
// The key lives in this module's memory. Only when the user ticks "remember for this tab" is it
// also put in sessionStorage (gone when the tab closes); never in localStorage, a cookie or a
// URL, and never logged.

const STORE = 'keyturn.adminKey';
let adminKey = null;

/** Where the admin API is: this page's path without `/admin/console` (a stage prefix stays). */
const BASE = location.pathname.replace(/\/admin\/console\/?$/, '');

export function signIn(key, remember) {
  adminKey = key;
  if (remember) sessionStorage.setItem(STORE, key);
  else sessionStorage.removeItem(STORE);
}

export function signOut() {
  adminKey = null;
  sessionStorage.removeItem(STORE);
}

/** The key remembered for this tab, if the user asked for that. */
export function restore() {
  adminKey = sessionStorage.getItem(STORE);
  return adminKey !== null;
}

export const signedIn = () => adminKey !== null;

/** An error answer of the API: its Keyturn code, message and HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** What each code means to someone at the console (docs/api.md, error codes). */
const MEANING = {
  401: 'This app no longer exists.',
  402: 'This app is suspended.',
  403: 'A required field is missing.',
  406: 'This app does not take invitations: turn invitationEnabled on in its JWT settings.',
  500: 'Keyturn failed internally; its log says why.',
  503: 'The store is shedding load; nothing was written. Try again in a moment.',
  601: 'This handle already has an account.',
  602: 'Invalid data',
  603: 'No such user (deleted meanwhile?).',
  604: 'Invalid metadata',
  615: 'Too many requests; wait and try again.',
  616: 'The request is too large (over 100 KiB).',
  617: 'The admin key was refused.',
  618: 'Keyturn does not know this route (is the console newer than the server?).',
  630: 'The app\'s stored settings are invalid; fix them below.',
  631: 'There is no staged signing key to activate.',
  632: 'A signing key is already staged.',
  633: 'There is no previous signing key to retire.',
  634: 'An app with this id exists.',
};

/** A sentence for the user: the code's meaning, with the server's detail where it helps. */
export function describe(err) {
  if (!(err instanceof ApiError)) return `Cannot reach Keyturn (${err.message}).`;
  const meaning = MEANING[err.code];
  if (err.code === 602 || err.code === 604) return `${meaning}: ${err.message}`;
  if (err.code === 615 && err.retryAfter) return `${meaning} (retry after ${err.retryAfter} s)`;
  return meaning ? meaning : `Error ${err.code}: ${err.message}`;
}

const status = () => document.getElementById('status');
let inFlight = 0;

/** Shows a message in the status line (`failed` for errors). */
export function say(text, failed = false) {
  const s = status();
  s.textContent = text;
  s.className = failed ? 'failed' : '';
}

/**
 * One admin API call: `{status, data}` on success; an ApiError otherwise. The status line says
 * "Loading…" while any call is in flight. `key` is for trying a typed key before keeping it;
 * when the kept key is refused (617: rotated meanwhile) it is forgotten, and the page hears
 * `keyturn:signed-out`.
 */
export async function call(method, path, body, key = adminKey) {
  const headers = { authorization: `Bearer ${key ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  inFlight += 1;
  const s = status();
  s.textContent = 'Loading…';
  s.className = 'busy';
  try {
    const resp = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!resp.ok) {
      const code = data && typeof data.code === 'number' ? data.code : resp.status;
      const message = data && typeof data.message === 'string' ? data.message : resp.statusText;
      const err = new ApiError(resp.status, code, message);
      err.retryAfter = resp.headers.get('retry-after');
      if (code === 617 && key === adminKey && adminKey !== null) {
        signOut();
        window.dispatchEvent(new CustomEvent('keyturn:signed-out', { detail: describe(err) }));
      }
      throw err;
    }
    return { status: resp.status, data };
  } finally {
    inFlight -= 1;
    if (inFlight === 0 && s.className === 'busy') { s.textContent = ''; s.className = ''; }
  }
}

/** `encodeURIComponent` for a path segment (app ids are safe, but a typed value may not be). */
export const seg = encodeURIComponent;
