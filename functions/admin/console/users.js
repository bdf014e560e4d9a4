// Users of one app: handle-prefix search with paging, suspend or reactivate from the list, and
// a user's panel (#/apps/<id>/users/<userId>): status, dates, provider, second factors, the
// masked phone and metadata, with revoke sessions, reset 2FA and delete (the handle typed).

import { call, describe, say, seg } from './api.js';
import { appLinks, field, fill, h, pageQuery, pagedTable, typedConfirm, when } from './dom.js';

const PAGE_SIZE = 20;

/** `POST …/users/<id>/<action>`: the changed user, or the error said in the status line. */
async function act(appId, userId, action) {
  try {
    return (await call('POST', `/admin/apps/${seg(appId)}/users/${seg(userId)}/${action}`)).data;
  } catch (err) {
    say(describe(err), true);
    return null;
  }
}

export function usersPage(main, appId) {
  const search = h('input', { type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const searchField = field('Handle starts with', search);
  const table = pagedTable('Users', [['Handle'], ['Status'], ['Created', 'wide'], ['Actions']],
    async (cursor) => {
      const q = pageQuery(PAGE_SIZE, cursor, search.value ? { search: search.value } : {});
      const { data } = await call('GET', `/admin/apps/${seg(appId)}/users?${q}`);
      return { items: data.users, cursor: data.cursor };
    }, row);

  function row(user) {
    const action = user.status === 'suspended' ? 'reactivate' : 'suspend';
    const button = h('button', { type: 'button', onclick: async () => {
      button.disabled = true;
      const changed = await act(appId, user.userId, action);
      if (changed) tr.replaceWith(row(changed));
      else button.disabled = false;
    } }, action === 'suspend' ? 'Suspend' : 'Reactivate');
    const tr = h('tr', { 'data-user-id': user.userId },
      h('td', { class: 'user-handle' }, h('a', { href: `#/apps/${seg(appId)}/users/${seg(user.userId)}` }, user.handle)),
      h('td', { class: 'user-status' }, user.status),
      h('td', { class: 'wide' }, when(user.createdAt)), h('td', {}, button));
    return tr;
  }

  const form = h('form', {
    class: 'panel', novalidate: true, role: 'search',
    onsubmit: (event) => { event.preventDefault(); table.reset(); },
  }, searchField.row, h('button', { type: 'submit' }, 'Search'));

  fill(main, appLinks(appId, 'users'), h('h2', {}, 'Users'), form, table.el);
  table.load();
}

/** One user's panel. */
export async function userPanel(main, appId, userId) {
  const path = `/admin/apps/${seg(appId)}/users/${seg(userId)}`;
  let user;
  try {
    ({ data: user } = await call('GET', path));
  } catch (err) {
    fill(main, appLinks(appId, 'users'), h('p', { class: 'error', role: 'alert' }, describe(err)));
    return;
  }
  const tf = user.twoFactor || {};
  const factors = [tf.google && 'authenticator app', tf.phone && 'text message'].filter(Boolean);
  const facts = [
    ['Status', user.status], ['Provider', user.provider], ['Email verified', user.emailVerified ? 'yes' : 'no'],
    ['Second factors', factors.length ? factors.join(', ') : 'none'],
    ['Phone', tf.maskedPhone ? `${tf.maskedPhone}${tf.phoneVerified ? ' (verified)' : ' (not verified)'}` : 'none'],
    ['User name', user.userName ?? '–'], ['Locale', user.locale], ['Created', when(user.createdAt)],
    ['Updated', when(user.updatedAt)], ['Last login', user.lastLogin ? when(user.lastLogin) : 'never'],
    ['User id', user.userId],
  ];
  const button = (label, action, message) => h('button', { type: 'button', onclick: async () => {
    const changed = await act(appId, userId, action);
    if (!changed) return;
    await userPanel(main, appId, userId);
    say(message);
  } }, label);
  const suspend = user.status === 'suspended'
    ? button('Reactivate', 'reactivate', 'Reactivated.') : button('Suspend', 'suspend', 'Suspended; every session ended.');
  fill(main,
    appLinks(appId, 'users'),
    h('h2', {}, 'User ', user.handle),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k }, v)])),
    h('p', {}, h('a', { href: `#/apps/${seg(appId)}/audit/${seg(userId)}` }, 'Audit entries of this user')),
    h('h3', {}, 'Metadata'),
    h('pre', { id: 'user-metadata' }, JSON.stringify(user.metaData ?? {}, null, 2)),
    h('div', { class: 'row' }, suspend,
      button('Revoke sessions', 'revoke-sessions', 'Every session of this user ended.'),
      button('Reset 2FA', 'reset-2fa', 'Both second factors are off; the user was mailed.')),
    typedConfirm('Delete this user', 'handle', user.handle, 'Delete this user', async () => {
      await call('DELETE', path);
      history.pushState(null, '', `#/apps/${seg(appId)}/users`);
      usersPage(main, appId);
      say(`Deleted ${user.handle}.`);
    }));
}
