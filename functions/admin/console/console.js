// The console's entry point: the sign-in form and a hash router (#/apps, #/apps/<id>/<page>
// for jwt, users, users/<userId>, invites, keys, templates, audit and audit/<userId>). The hash
// names pages and ids only, never the key.

import { call, describe, restore, say, signIn, signOut, signedIn } from './api.js';
import { field, fill, h } from './dom.js';
import { appsPage } from './apps.js';
import { jwtPage } from './jwt.js';
import { userPanel, usersPage } from './users.js';
import { invitesPage } from './invites.js';
import { keysPage } from './keys.js';
import { templatesPage } from './templates.js';
import { auditPage } from './audit.js';

/** An app's pages by the hash segment after its id; `more` is the segment after that. */
const PAGES = {
  jwt: jwtPage,
  users: (main, id, more) => (more ? userPanel(main, id, more) : usersPage(main, id)),
  invites: invitesPage,
  keys: keysPage,
  templates: templatesPage,
  audit: auditPage,
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');

function signInPage(reason) {
  nav.hidden = true;
  const key = h('input', { type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const remember = h('input', { type: 'checkbox', id: 'remember' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const keyField = field('Admin key', key, 'The key keyturn serve printed, or the one whose SHA-256 the stack holds.');
  const form = h('form', {
    class: 'panel', novalidate: true, 'aria-label': 'Sign in',
    onsubmit: async (event) => {
      event.preventDefault();
      keyField.error.textContent = '';
      const typed = key.value.trim();
      if (!typed) { keyField.error.textContent = 'Type the admin key.'; return; }
      submit.disabled = true;
      try {
        // Any admin call proves the key; the smallest listing costs one read.
        await call('GET', '/admin/apps?limit=1', undefined, typed);
        signIn(typed, remember.checked);
        key.value = '';
        route();
      } catch (err) {
        keyField.error.textContent = describe(err);
        say('');
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h2', {}, 'Sign in'),
  keyField.row,
  h('div', { class: 'field' },
    h('label', { for: 'remember' }, 'Remember for this tab'), remember,
    h('span', { class: 'hint' }, 'Keeps the key in this tab\'s sessionStorage until the tab closes; otherwise it is forgotten on reload.')),
  submit);
  fill(main, form);
  if (reason) keyField.error.textContent = reason;
  key.focus();
}

/** Renders the page the hash names; any page but sign-in needs the key. */
export function route() {
  if (!signedIn()) { signInPage(); return; }
  nav.hidden = false;
  say('');
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const page = parts[0] === 'apps' && parts[1] && Object.hasOwn(PAGES, parts[2]) ? PAGES[parts[2]] : null;
  if (page) page(main, parts[1], parts[3]);
  else appsPage(main);
}

document.getElementById('sign-out').addEventListener('click', () => {
  signOut();
  // replaceState, not `location.hash =`: the latter fires a late hashchange that would draw the
  // sign-in form a second time, wiping a key typed in the meantime.
  history.replaceState(null, '', '#/apps');
  route();
});
window.addEventListener('hashchange', route);
window.addEventListener('keyturn:signed-out', (event) => signInPage(event.detail));
restore();
route();
