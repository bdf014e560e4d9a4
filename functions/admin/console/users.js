// Users of one app: handle-prefix search with paging, and suspend or reactivate. (The user's
// panel, revoke sessions, reset 2FA and delete are still to come; the CLI and API have them.)

import { call, describe, say, seg } from './api.js';
import { field, fill, h, pageButtons, when } from './dom.js';

const PAGE_SIZE = 20;

export function usersPage(main, appId) {
  const rows = h('tbody');
  const pager = h('div', { class: 'row' });
  const search = h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const searchField = field('Handle starts with', search);
  let cursors = [null];
  let page = 0;

  async function load() {
    try {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (search.value) q.set('search', search.value);
      if (cursors[page]) q.set('cursor', cursors[page]);
      const { data } = await call('GET', `/admin/apps/${seg(appId)}/users?${q}`);
      cursors[page + 1] = data.cursor ?? null;
      fill(rows, data.users.length ? data.users.map(row)
        : h('tr', {}, h('td', { colspan: 4 }, 'No users.')));
      pageButtons(pager, page, Boolean(data.cursor), (step) => { page += step; load(); });
    } catch (err) {
      say(describe(err), true);
    }
  }

  function row(user) {
    const action = user.status === 'suspended' ? 'reactivate' : 'suspend';
    const state = h('td', { class: 'user-status' }, user.status);
    const button = h('button', { type: 'button', onclick: async () => {
      button.disabled = true;
      try {
        const { data } = await call('POST', `/admin/apps/${seg(appId)}/users/${seg(user.userId)}/${action}`);
        rows.replaceChild(row(data), tr);
      } catch (err) {
        say(describe(err), true);
        button.disabled = false;
      }
    } }, action === 'suspend' ? 'Suspend' : 'Reactivate');
    const tr = h('tr', { 'data-user-id': user.userId },
      h('td', { class: 'user-handle' }, user.handle), state,
      h('td', { class: 'wide' }, when(user.createdAt)), h('td', {}, button));
    return tr;
  }

  const form = h('form', {
    class: 'panel', novalidate: true, role: 'search',
    onsubmit: (event) => { event.preventDefault(); cursors = [null]; page = 0; load(); },
  }, searchField.row, h('button', { type: 'submit' }, 'Search'));

  fill(main,
    h('p', {}, h('a', { href: '#/apps' }, '← Apps')),
    h('h2', {}, 'Users'),
    form,
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Handle'), h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col', class: 'wide' }, 'Created'), h('th', { scope: 'col' }, 'Actions'))),
      rows),
    pager);
  load();
}
