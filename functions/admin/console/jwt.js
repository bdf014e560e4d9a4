// JWT settings of one app (the Cosync portal's JWT tab and the rest of the settings): every
// setting `GET /admin/apps/{appId}` shows is editable here; Save sends what changed in one
// PATCH, and the API's 602/604 message appears beside the setting it names. The metadata field
// editors drive a live preview of the claims a user's JWT would carry.

import { call, describe, say, seg } from './api.js';
import { appLinks, field, fill, h, uid } from './dom.js';

/** What the form shows but cannot change (the app token is shown once, on the apps page). */
const READ_ONLY = new Set(['appId', 'appToken', 'issuer', 'jwksUri', 'createdAt', 'updatedAt', 'twilio', 'settingsError']);

/** Claims Keyturn writes itself: a metadata path under one is refused (604). */
const REGISTERED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'kid', 'amr', 'auth_time', 'email', 'userName']);

/** The settings by section, each with its kind of control (docs/settings.md has the rules). */
const SECTIONS = [
  ['App', [['name', 'str'], ['status', ['active', 'inactive']]]],
  ['Signup and login', [
    ['signupEnabled', 'bool'], ['signupFlow', ['code', 'link', 'none']], ['invitationEnabled', 'bool'],
    ['anonymousLoginEnabled', 'bool'], ['userNamesEnabled', 'bool'],
    ['linkLandingPage', 'ntext', 'HTML of the page a signup link lands on; empty: the built-in page.']]],
  ['Tokens', [
    ['metaDataEmail', 'bool', 'Puts email and email_verified in the JWT.'],
    ['userJWTExpiration', 'int', 'Hours, 1 to 8760.'], ['accessTokenExpiration', 'int', 'Hours, 1 to 8760.'],
    ['realmAppId', 'nstr', 'The JWT\'s aud; empty: the app id.'], ['jwtSubject', ['userId', 'handle']]]],
  ['Metadata', [['metaData', 'fields'], ['metaDataInvite', 'fields']]],
  ['Two-factor', [['twoFactorVerification', ['none', 'google', 'phone']],
    ['googleAppName', 'nstr', 'The heading in the authenticator app.']]],
  ['Passwords', [['passwordFilter', 'bool'], ['passwordMinLength', 'int', '0 to 128.'],
    ['passwordMinUpper', 'int'], ['passwordMinLower', 'int'], ['passwordMinDigit', 'int'], ['passwordMinSpecial', 'int']]],
  ['Locales and browsers', [['locales', 'list', 'Comma-separated, two upper-case letters each; must contain EN.'],
    ['allowedOrigins', 'list', 'Comma-separated exact origins, https://host[:port].']]],
  ['Social sign-in', [['appleLoginEnabled', 'bool'], ['appleBundleId', 'str', 'Comma-separated audiences.'],
    ['googleLoginEnabled', 'bool'], ['googleClientId', 'str', 'Comma-separated audiences.'],
    ['googleAuthorizedParties', 'str'], ['socialNonceRequired', 'bool'],
    ['socialLinking', ['refuse', 'verified']], ['socialSecondFactor', ['honour', 'skip']]]],
  ['Budgets and limits', [['mailDailyLimit', 'int'], ['smsDailyLimit', 'int'],
    ['smsAllowedCountries', 'intlist', 'Comma-separated calling codes; empty: all.'],
    ['auditRetentionDays', 'int', 'Days, 1 to 3650.'], ['addressSendsPerHour', 'int'], ['addressTextsPerHour', 'int'],
    ['addressFailedChecksPer15Min', 'int'], ['addressAnonymousUsersPerHour', 'int'], ['signupCodeFailureDailyLimit', 'int']]],
  ['App data', [['appData', 'json', 'Any JSON, shown to clients by getApplication.']]],
];

/** A metadata field as the API stores it, with its defaults filled in. */
const normal = (f) => ({ path: f.path ?? '', fieldName: f.fieldName ?? '', required: !!f.required, canEdit: !!f.canEdit });

/** A control for one setting: `{el, read()}`; `read` throws a message for a malformed value. */
function control(kind, value, onchange) {
  if (Array.isArray(kind)) {
    // A stored value the list lacks (an app's `deleting` status) stays shown, so Save cannot
    // silently replace it with the first option.
    const options = value != null && !kind.includes(value) ? [...kind, value] : kind;
    const el = h('select', { onchange }, options.map((v) => h('option', { value: v }, v)));
    el.value = value ?? kind[0];
    return { el, read: () => el.value };
  }
  switch (kind) {
    case 'bool': {
      const el = h('input', { type: 'checkbox', checked: !!value, onchange });
      return { el, read: () => el.checked };
    }
    case 'int': {
      const el = h('input', { type: 'number', step: 1, value: String(value ?? ''), oninput: onchange });
      return { el, read: () => {
        if (!/^-?\d+$/.test(el.value.trim())) throw new Error('a whole number');
        return Number(el.value);
      } };
    }
    case 'str': case 'nstr': {
      const el = h('input', { type: 'text', value: value ?? '', oninput: onchange });
      return { el, read: () => (kind === 'nstr' && el.value === '' ? null : el.value) };
    }
    case 'ntext': {
      const el = h('textarea', { value: value ?? '', oninput: onchange });
      return { el, read: () => (el.value === '' ? null : el.value) };
    }
    case 'list': case 'intlist': {
      const el = h('input', { type: 'text', value: (value ?? []).join(', '), oninput: onchange });
      return { el, read: () => {
        const items = el.value.split(',').map((s) => s.trim()).filter(Boolean);
        if (kind === 'list') return items;
        if (!items.every((s) => /^\d+$/.test(s))) throw new Error('comma-separated whole numbers');
        return items.map(Number);
      } };
    }
    case 'fields': return fieldsEditor(value ?? [], onchange);
    default: { // 'json', and any setting this console does not know yet
      const el = h('textarea', { value: JSON.stringify(value ?? null, null, 2), oninput: onchange, class: 'mono' });
      return { el, read: () => {
        try { return JSON.parse(el.value); } catch { throw new Error('not valid JSON'); }
      } };
    }
  }
}

/** The metadata field editor: one row per field (path, fieldName, required, canEdit). */
function fieldsEditor(fields, onchange) {
  const list = h('div', { class: 'meta-list' });
  const rows = [];
  function add(f) {
    const path = h('input', { type: 'text', value: f.path, placeholder: 'user_data.name', 'aria-label': 'path', oninput: onchange, class: 'meta-path' });
    const name = h('input', { type: 'text', value: f.fieldName, placeholder: 'name', 'aria-label': 'fieldName', oninput: onchange, class: 'meta-name' });
    const reqId = uid('req');
    const editId = uid('edit');
    const required = h('input', { type: 'checkbox', id: reqId, checked: f.required, onchange, class: 'meta-required' });
    const canEdit = h('input', { type: 'checkbox', id: editId, checked: f.canEdit, onchange, class: 'meta-canedit' });
    const entry = { path, name, required, canEdit };
    const rowEl = h('div', { class: 'meta-row' }, path, name,
      h('label', { for: reqId }, required, ' required'),
      h('label', { for: editId }, canEdit, ' canEdit'),
      h('button', { type: 'button', 'aria-label': 'Remove field', onclick: () => {
        rows.splice(rows.indexOf(entry), 1);
        rowEl.remove();
        onchange();
      } }, 'Remove'));
    rows.push(entry);
    list.append(rowEl);
    return path;
  }
  fields.map(normal).forEach(add);
  const el = h('div', {}, list,
    h('button', { type: 'button', class: 'add-field', onclick: () => {
      add(normal({})).focus();
      onchange();
    } }, 'Add field'));
  return { el, read: () => rows.map((r) => ({
    path: r.path.value.trim(), fieldName: r.name.value, required: r.required.checked, canEdit: r.canEdit.checked,
  })) };
}

/** The claims a user's JWT would carry with these settings (values are placeholders). */
function claims(app, v) {
  const iat = Math.floor(Date.now() / 1000);
  const out = {
    iss: app.issuer,
    sub: v.jwtSubject === 'handle' ? 'user@example.com' : '<user id>',
    aud: v.realmAppId || app.appId,
    iat,
    exp: iat + (Number(v.userJWTExpiration) || 0) * 3600,
    auth_time: iat,
    amr: ['pwd'],
  };
  if (v.metaDataEmail) { out.email = 'user@example.com'; out.email_verified = true; }
  const notes = [];
  for (const f of [...(v.metaData || []), ...(v.metaDataInvite || [])]) {
    if (!f.path) continue;
    const parts = f.path.split('.');
    if (REGISTERED.has(parts[0])) { notes.push(`"${f.path}" would overwrite the registered claim "${parts[0]}": Keyturn refuses it.`); continue; }
    let at = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof at[p] !== 'object' || at[p] === null || Array.isArray(at[p])) at[p] = {};
      at = at[p];
    }
    at[parts[parts.length - 1]] = `<${f.fieldName || f.path}>`;
  }
  return { out, notes };
}

export async function jwtPage(main, appId) {
  fill(main, h('h2', {}, 'JWT settings'), h('p', {}, 'Loading the app…'));
  let app;
  try {
    ({ data: app } = await call('GET', `/admin/apps/${seg(appId)}`));
  } catch (err) {
    fill(main, h('h2', {}, 'JWT settings'), h('p', { class: 'error', role: 'alert' }, describe(err)),
      h('a', { href: '#/apps' }, 'Back to the apps'));
    return;
  }
  render(main, app);
}

function render(main, app) {
  const controls = new Map();
  const errors = new Map();
  const preview = h('pre', { id: 'claims-preview', 'aria-live': 'polite' });
  const previewNotes = h('div', { class: 'error', id: 'claims-notes' });
  const top = h('div', { class: 'error', role: 'alert', id: 'form-error' });
  const saved = h('p', { role: 'status', id: 'saved' });

  function values() {
    const v = {};
    for (const [name, c] of controls) { try { v[name] = c.read(); } catch { v[name] = app[name]; } }
    return v;
  }
  function refresh() {
    saved.textContent = '';
    const { out, notes } = claims(app, values());
    preview.textContent = JSON.stringify(out, null, 2);
    fill(previewNotes, notes.map((n) => h('p', {}, n)));
  }

  const known = new Set(SECTIONS.flatMap(([, list]) => list.map(([name]) => name)));
  const others = Object.keys(app).filter((k) => !known.has(k) && !READ_ONLY.has(k)).map((k) => [k, 'json']);
  const sections = others.length ? [...SECTIONS, ['Other settings', others]] : SECTIONS;
  const body = sections.map(([title, list]) => h('fieldset', {},
    h('legend', {}, title),
    list.filter(([name]) => name in app).map(([name, kind, hint]) => {
      const c = { ...control(kind, app[name], refresh), kind };
      controls.set(name, c);
      if (c.el.matches('input, select, textarea')) {
        const f = field(name, c.el, hint);
        errors.set(name, f.error);
        f.row.dataset.setting = name;
        return f.row;
      }
      const error = h('span', { class: 'error', role: 'alert' });
      errors.set(name, error);
      return h('div', { class: 'panel', 'data-setting': name }, h('h3', {}, name), c.el, error,
        hint ? h('p', { class: 'hint' }, hint) : null);
    }),
    title === 'Metadata' ? h('div', {}, h('h3', {}, 'Claims preview'),
      h('p', { class: 'hint' }, 'What a user\'s JWT would carry; <fieldName> stands for the user\'s value.'),
      preview, previewNotes) : null));

  /** Puts an API error beside the setting its message names, else above the form. */
  function showError(err) {
    const text = describe(err);
    const m = err.message || '';
    let name = null;
    if (err.code === 604) name = /metaDataInvite/.test(m) ? 'metaDataInvite' : 'metaData';
    else if (err.code === 602) {
      const names = [...controls.keys()].sort((a, b) => b.length - a.length);
      name = names.find((n) => new RegExp(`\\b${n}\\b`).test(m)) ?? (/\blocale\b/.test(m) ? 'locales' : null);
    }
    if (name && errors.has(name)) {
      errors.get(name).textContent = text;
      errors.get(name).closest('[data-setting], .field')?.scrollIntoView({ block: 'center' });
    } else top.textContent = text;
  }

  const save = h('button', { type: 'submit' }, 'Save');
  const form = h('form', {
    novalidate: true, 'aria-label': 'JWT settings',
    onsubmit: async (event) => {
      event.preventDefault();
      top.textContent = '';
      errors.forEach((e) => { e.textContent = ''; });
      const patch = {};
      let bad = false;
      for (const [name, c] of controls) {
        let v;
        try { v = c.read(); } catch (e) { errors.get(name).textContent = `Expected ${e.message}.`; bad = true; continue; }
        const before = c.kind === 'fields' ? (app[name] || []).map(normal) : app[name];
        if (JSON.stringify(v) !== JSON.stringify(before ?? null)) patch[name] = v;
      }
      if (bad) return;
      if (!Object.keys(patch).length) { saved.textContent = 'Nothing to save.'; return; }
      save.disabled = true;
      try {
        const { data } = await call('PATCH', `/admin/apps/${seg(app.appId)}`, patch);
        render(main, data);
        say(`Saved ${Object.keys(patch).join(', ')}.`);
      } catch (err) {
        showError(err);
        say('');
      } finally {
        save.disabled = false;
      }
    },
  }, top, app.settingsError ? h('p', { class: 'error' }, 'Stored settings are invalid: ', app.settingsError) : null,
  body, h('div', { class: 'row' }, save, saved));

  fill(main,
    appLinks(app.appId, 'jwt'),
    h('h2', {}, 'JWT settings of ', app.name),
    h('p', { class: 'mono' }, 'App id ', app.appId, ' · issuer ', app.issuer),
    form,
    twilioForm(app));
  refresh();
}

/**
 * The app's Twilio account (SMS codes), write-only: the SID and number are shown, the auth
 * token never is (the API answers only whether one is set), and the typed token is cleared once
 * sent.
 */
function twilioForm(app) {
  const t = app.twilio || {};
  const sid = field('accountSid', h('input', { type: 'text', value: t.accountSid ?? '', autocomplete: 'off', spellcheck: 'false' }), 'AC followed by 32 hex characters.');
  const token = field('authToken', h('input', { type: 'password', autocomplete: 'new-password' }), 'Write-only: never shown again once set.');
  const phone = field('phoneNumber', h('input', { type: 'text', value: t.phoneNumber ?? '', autocomplete: 'off' }), 'The sender number, E.164 (+447911123456).');
  const state = h('p', { role: 'status', id: 'twilio-state' });
  const show = (set) => { state.textContent = set ? 'An auth token is set.' : 'No Twilio account yet.'; };
  show(t.authTokenSet);
  const top = h('p', { class: 'error', role: 'alert' });
  return h('form', {
    class: 'panel', novalidate: true, 'aria-label': 'Twilio account',
    onsubmit: async (event) => {
      event.preventDefault();
      [sid, token, phone].forEach((f) => { f.error.textContent = ''; });
      top.textContent = '';
      try {
        const { data } = await call('PUT', `/admin/apps/${seg(app.appId)}/twilio`, {
          accountSid: sid.control.value.trim(), authToken: token.control.value.trim(), phoneNumber: phone.control.value.trim(),
        });
        token.control.value = '';
        show(data.authTokenSet);
        say('Saved the Twilio account.');
      } catch (err) {
        const by = { accountSid: sid, authToken: token, phoneNumber: phone };
        const named = Object.keys(by).find((n) => (err.message || '').includes(n));
        (named ? by[named].error : top).textContent = describe(err);
        say('');
      }
    },
  }, h('h3', {}, 'Twilio account (SMS)'), state, top, sid.row, token.row, phone.row,
  h('button', { type: 'submit' }, 'Set Twilio account'));
}
