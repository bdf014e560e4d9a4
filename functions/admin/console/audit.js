// The app's audit trail, newest first, paged, optionally one user's entries only.

import { call, seg } from './api.js';
import { appLinks, field, fill, h, pageQuery, pagedTable, when } from './dom.js';

export function auditPage(main, appId, userId) {
  const user = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', value: userId ?? '' });
  const userField = field('User id', user, 'Only this user\'s entries; empty for all.');
  const table = pagedTable('Audit trail', [['When'], ['Event'], ['User', 'wide'], ['Client', 'wide'], ['Details']],
    async (cursor) => {
      const extra = user.value.trim() ? { userId: user.value.trim() } : {};
      const { data } = await call('GET', `/admin/apps/${seg(appId)}/audit?${pageQuery(25, cursor, extra)}`);
      return { items: data.entries, cursor: data.cursor };
    },
    (e) => h('tr', { class: 'audit-entry' },
      h('td', {}, when(e.at)), h('td', { class: 'audit-event mono' }, e.event),
      h('td', { class: 'wide mono' }, e.userId ?? (e.adminKey ? `admin ${e.adminKey}` : '')),
      h('td', { class: 'wide' }, e.client), h('td', { class: 'mono' }, JSON.stringify(e.details ?? {}))));
  const form = h('form', {
    class: 'panel', novalidate: true, role: 'search',
    onsubmit: (event) => { event.preventDefault(); table.reset(); },
  }, userField.row, h('button', { type: 'submit' }, 'Filter'));
  fill(main, appLinks(appId, 'audit'), h('h2', {}, 'Audit trail'), form, table.el);
  table.load();
}
