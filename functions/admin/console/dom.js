// The one way the console builds DOM: h(tag, props, ...children). Children that are strings
// become text nodes, so a value from the API is always text, never markup; the console never
// assigns innerHTML (tests/tests/e2e/console.rs checks the sources for it).

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
