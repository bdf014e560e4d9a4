// The one way the console builds DOM: h(tag, props, ...children). Children that are strings
// become text nodes, so a value from the API is always text, never markup; the console never
// assigns innerHTML (tests/tests/e2e/console.rs checks the sources for it).

import { describe, say } from './api.js';

/** An element: `props` are attributes, except `on*` (listeners) and a few DOM properties. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'value' || name === 'checked' || name === 'disabled') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let nextId = 0;
/** A fresh element id, to tie a label to its control. */
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled form row: label, control, a hint, and a slot for the field's error. */
export function field(label, control, hint) {
  const id = control.id || uid('f');
  control.id = id;
  const error = h('span', { class: 'error', role: 'alert' });
  const row = h('div', { class: 'field' },
    h('label', { for: id }, label), control,
    hint ? h('span', { class: 'hint' }, hint) : null, error);
  return { row, control, error };
}

/** A local date and time for an ISO timestamp, or the text itself when it is not one. */
export function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? '') : d.toLocaleString();
}

/** Fills `pager` with Previous / Page n / Next for a cursor-paged list: `go(-1)` or `go(1)`. */
export function pageButtons(pager, page, hasNext, go) {
  fill(pager,
    h('button', { type: 'button', disabled: page === 0, onclick: () => go(-1) }, 'Previous page'),
    h('span', {}, `Page ${page + 1}`),
    h('button', { type: 'button', disabled: !hasNext, onclick: () => go(1) }, 'Next page'));
}

/** The links between an app's pages, the current one marked for screen readers. */
export function appLinks(appId, current) {
  const id = encodeURIComponent(appId);
  const pages = [['jwt', 'JWT settings'], ['users', 'Users'], ['invites', 'Invites'], ['keys', 'Keys'],
    ['templates', 'Templates'], ['audit', 'Audit']];
  return h('nav', { class: 'row app-links', 'aria-label': 'App pages' },
    h('a', { href: '#/apps' }, '← Apps'),
    pages.map(([p, label]) => h('a', { href: `#/apps/${id}/${p}`, 'aria-current': p === current ? 'page' : null }, label)));
}

/**
 * A form that runs a destructive action once `expected` (an app name or handle) is typed:
 * the button stays disabled until the text matches.
 */
export function typedConfirm(title, what, expected, label, act) {
  const typed = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const f = field(`Type the ${what} to confirm`, typed);
  const go = h('button', { type: 'submit', disabled: true }, label);
  typed.addEventListener('input', () => { go.disabled = typed.value !== expected; });
  return h('form', {
    class: 'panel', novalidate: true, 'aria-label': title,
    onsubmit: async (event) => {
      event.preventDefault();
      if (typed.value !== expected) return;
      go.disabled = true;
      try { await act(); } catch (err) { f.error.textContent = describe(err); say(''); go.disabled = false; }
    },
  }, h('h3', {}, title), f.row, go);
}

/**
 * A cursor-paged table: `fetchPage(cursor)` answers `{items, cursor}`, `row(item)` draws one.
 * `reset()` goes back to the first page (a new filter), `load()` redraws this one.
 */
export function pagedTable(label, heads, fetchPage, row) {
  const rows = h('tbody');
  const pager = h('div', { class: 'row' });
  let cursors = [null];
  let page = 0;
  let latest = 0; // only the newest request draws: a slow older page never overwrites it
  async function load() {
    const mine = ++latest;
    try {
      const { items, cursor } = await fetchPage(cursors[page]);
      if (mine !== latest) return;
      cursors[page + 1] = cursor ?? null;
      fill(rows, items.length ? items.map(row) : h('tr', {}, h('td', { colspan: heads.length }, 'None.')));
      pageButtons(pager, page, Boolean(cursor), (step) => { page += step; load(); });
    } catch (err) {
      say(describe(err), true);
    }
  }
  const el = [h('table', { 'aria-label': label },
    h('thead', {}, h('tr', {}, heads.map(([t, c]) => h('th', { scope: 'col', class: c }, t)))), rows), pager];
  return { el, load, reset: () => { cursors = [null]; page = 0; return load(); } };
}

/** `?limit=&cursor=` plus `extra` for a listing. */
export function pageQuery(limit, cursor, extra = {}) {
  const q = new URLSearchParams({ limit: String(limit), ...extra });
  if (cursor) q.set('cursor', cursor);
  return q;
}
