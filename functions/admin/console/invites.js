// Invites of one app: the paged list, create (handle, metadata, locale) and revoke (every
// inviter's invite to the handle). The invite code is never shown: the API never answers it.

import { call, describe, say, seg } from './api.js';
import { appLinks, field, fill, h, pageQuery, pagedTable, when } from './dom.js';

export function invitesPage(main, appId) {
  const base = `/admin/apps/${seg(appId)}/invites`;
  const table = pagedTable('Invites', [['Handle'], ['Locale', 'wide'], ['Sent by', 'wide'], ['Expires'], ['Metadata', 'wide'], ['Actions']],
    async (cursor) => {
      const { data } = await call('GET', `${base}?${pageQuery(20, cursor)}`);
      return { items: data.invites, cursor: data.cursor };
    },
    (inv) => {
      const revoke = h('button', { type: 'button', onclick: async () => {
        revoke.disabled = true;
        try {
          await call('DELETE', `${base}/${seg(inv.handle)}`);
          await table.load();
          say(`Revoked the invite to ${inv.handle}.`);
        } catch (err) {
          say(describe(err), true);
          revoke.disabled = false;
        }
      } }, 'Revoke');
      return h('tr', { 'data-invite': inv.handle },
        h('td', { class: 'invite-handle' }, inv.handle), h('td', { class: 'wide' }, inv.locale),
        h('td', { class: 'wide' }, inv.senderHandle || inv.sender), h('td', {}, when(inv.expiresAt)),
        h('td', { class: 'wide mono' }, JSON.stringify(inv.metaData ?? {})), h('td', {}, revoke));
    });

  const handle = field('Handle', h('input', { type: 'email', autocomplete: 'off', spellcheck: 'false' }), 'The email to invite.');
  const meta = field('Metadata', h('textarea', { spellcheck: 'false', placeholder: '{"team": "blue"}' }),
    'A JSON object, checked against the app\'s invite-metadata fields.');
  const locale = field('Locale', h('input', { type: 'text', maxlength: 2, value: 'EN', autocomplete: 'off' }), 'The invite email\'s language.');
  const top = h('p', { class: 'error', role: 'alert' });
  const create = h('form', {
    class: 'panel', novalidate: true, 'aria-label': 'Invite',
    onsubmit: async (event) => {
      event.preventDefault();
      [handle, meta, locale].forEach((f) => { f.error.textContent = ''; });
      top.textContent = '';
      const body = { handle: handle.control.value.trim(), locale: locale.control.value.trim() };
      const raw = meta.control.value.trim();
      if (raw) {
        try { body.metaData = JSON.parse(raw); } catch { meta.error.textContent = 'Not JSON.'; return; }
      }
      try {
        await call('POST', base, body);
        handle.control.value = '';
        meta.control.value = '';
        await table.reset();
        say(`Invited ${body.handle}.`);
      } catch (err) {
        const m = err.message || '';
        const at = err.code === 604 || /meta/i.test(m) ? meta : /locale/i.test(m) ? locale : /handle/i.test(m) ? handle : null;
        (at ? at.error : top).textContent = describe(err);
        say('');
      }
    },
  }, h('h3', {}, 'Invite someone'), top, handle.row, meta.row, locale.row, h('button', { type: 'submit' }, 'Send invite'));

  fill(main, appLinks(appId, 'invites'), h('h2', {}, 'Invites'), table.el, create);
  table.load();
}
