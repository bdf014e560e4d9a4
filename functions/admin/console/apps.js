// Apps: the paged list, create (the app token shown once), app-token rotation with grace, and
// deletion after the app's name is typed, with a progress bar over the resumable DELETE.

import { call, describe, say, seg } from './api.js';
import { field, fill, h, pageButtons, when } from './dom.js';

const PAGE_SIZE = 20;

/** A secret shown once, with the reason the user must copy it now. */
function shownOnce(title, token, note) {
  return h('div', { class: 'panel', role: 'region', 'aria-label': title },
    h('h3', {}, title),
    h('p', {}, 'Copy it now: the console will not show it again.', note ? ` ${note}` : ''),
    h('p', { class: 'secret', 'data-secret': 'app-token' }, token));
}

export function appsPage(main) {
  const notice = h('div', { id: 'notice' });
  const rows = h('tbody');
  const pager = h('div', { class: 'row' });
  const cursors = [null];
  let page = 0;

  async function load() {
    try {
      const cursor = cursors[page];
      const q = `?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { data } = await call('GET', `/admin/apps${q}`);
      cursors[page + 1] = data.cursor ?? null;
      fill(rows, data.apps.length ? data.apps.map(row)
        : h('tr', {}, h('td', { colspan: 5 }, 'No apps yet.')));
      pageButtons(pager, page, Boolean(data.cursor), (step) => { page += step; load(); });
    } catch (err) {
      say(describe(err), true);
    }
  }

  function row(app) {
    const actions = h('td', {},
      h('div', { class: 'row' },
        h('a', { href: `#/apps/${seg(app.appId)}/jwt` }, 'JWT settings'),
        h('a', { href: `#/apps/${seg(app.appId)}/users` }, 'Users'),
        h('button', { type: 'button', onclick: () => rotatePanel(app) }, 'Rotate app token'),
        h('button', { type: 'button', onclick: () => deletePanel(app) }, 'Delete')));
    return h('tr', { 'data-app-id': app.appId },
      h('td', { class: 'app-name' }, app.name),
      h('td', { class: 'mono' }, app.appId),
      h('td', { class: 'wide' }, app.status),
      h('td', { class: 'wide' }, when(app.createdAt)),
      actions);
  }

  function rotatePanel(app) {
    const grace = h('input', { type: 'number', min: 0, max: 604800, value: '0', inputmode: 'numeric' });
    const f = field('Grace (seconds)', grace, 'How long the old token keeps working: 0 to 604800 (7 days).');
    const go = h('button', { type: 'submit' }, 'Rotate');
    fill(notice, h('form', {
      class: 'panel', novalidate: true, 'aria-label': 'Rotate app token',
      onsubmit: async (event) => {
        event.preventDefault();
        f.error.textContent = '';
        const seconds = Number(grace.value);
        if (!Number.isInteger(seconds) || seconds < 0 || seconds > 604800) {
          f.error.textContent = 'A whole number of seconds, 0 to 604800.';
          return;
        }
        go.disabled = true;
        try {
          const { data } = await call('POST', `/admin/apps/${seg(app.appId)}/app-token/rotate`, { graceSeconds: seconds });
          const until = data.previousValidUntil
            ? `The previous token works until ${when(data.previousValidUntil)}.`
            : 'The previous token stopped working now.';
          fill(notice, shownOnce(`New app token of ${app.name}`, data.appToken, until));
        } catch (err) {
          f.error.textContent = describe(err);
          say('');
          go.disabled = false;
        }
      },
    }, h('h3', {}, 'Rotate the app token of ', app.name), f.row, go));
    grace.focus();
  }

  function deletePanel(app) {
    const typed = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const f = field('Type the app\'s name to confirm', typed);
    const batch = h('input', { type: 'number', min: 1, max: 100, value: '50', inputmode: 'numeric' });
    const b = field('Items per call', batch, '1 to 100: fewer keep each call short.');
    const go = h('button', { type: 'submit', disabled: true }, 'Delete this app and everything in it');
    const progress = h('progress', { max: 1, value: 0, hidden: true });
    const state = h('p', { role: 'status' });
    typed.addEventListener('input', () => { go.disabled = typed.value !== app.name; });
    fill(notice, h('form', {
      class: 'panel', novalidate: true, 'aria-label': 'Delete app',
      onsubmit: async (event) => {
        event.preventDefault();
        if (typed.value !== app.name) return;
        const size = Number(batch.value);
        if (!Number.isInteger(size) || size < 1 || size > 100) { b.error.textContent = 'A whole number, 1 to 100.'; return; }
        b.error.textContent = '';
        go.disabled = true;
        typed.disabled = true;
        progress.hidden = false;
        let first = null;
        try {
          // Each call deletes a batch; 202 says what remains, 200 that the app is gone.
          for (;;) {
            const { status, data } = await call('DELETE', `/admin/apps/${seg(app.appId)}?batch=${size}`);
            if (status === 200) break;
            const r = data.remaining;
            const left = r.users + r.invites + r.templates + r.auditEntries;
            if (first === null) first = Math.max(left, 1);
            progress.max = first;
            progress.value = Math.max(first - left, 0);
            state.textContent = `Deleting: ${r.users} users, ${r.invites} invites, ${r.templates} templates and ${r.auditEntries} audit entries left${r.capped ? ' (at least)' : ''}.`;
          }
          progress.max = 1;
          progress.value = 1;
          fill(notice, h('p', { class: 'panel', role: 'status' }, 'Deleted ', app.name, '.'));
          load();
        } catch (err) {
          state.textContent = `${describe(err)} Deleting again resumes where it stopped.`;
          say('');
          go.disabled = false;
        }
      },
    },
    h('h3', {}, 'Delete ', app.name),
    h('p', {}, 'This deletes the app, its users, invites, templates and audit trail. It cannot be undone.'),
    f.row, b.row, go, progress, state));
    typed.focus();
  }

  const name = h('input', { type: 'text', maxlength: 100, autocomplete: 'off' });
  const nameField = field('Name', name, '1 to 100 characters.');
  const create = h('form', {
    class: 'panel', novalidate: true, 'aria-label': 'Create app',
    onsubmit: async (event) => {
      event.preventDefault();
      nameField.error.textContent = '';
      try {
        const { data } = await call('POST', '/admin/apps', { name: name.value });
        name.value = '';
        fill(notice, shownOnce(`App token of ${data.name}`, data.appToken,
          `App id: ${data.appId}.`));
        load();
      } catch (err) {
        nameField.error.textContent = describe(err);
        say('');
      }
    },
  }, h('h3', {}, 'Create an app'), nameField.row, h('button', { type: 'submit' }, 'Create'));

  fill(main,
    h('h2', {}, 'Apps'),
    notice,
    h('table', {},
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'App id'),
        h('th', { scope: 'col', class: 'wide' }, 'Status'), h('th', { scope: 'col', class: 'wide' }, 'Created'),
        h('th', { scope: 'col' }, 'Actions'))),
      rows),
    pager,
    create);
  load();
}
