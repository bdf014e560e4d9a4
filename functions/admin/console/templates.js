// Message templates of one app by name and locale: the placeholders each may use, the three
// parts (subject, text, HTML), and a preview. The HTML preview is an <iframe sandbox> with
// `srcdoc` and no sandbox permission at all (no scripts, an opaque origin), so a template's
// <script> or onerror never runs and could not reach this page if it did; the frame also inherits the console's CSP
// (no inline script or style, images only from here or data:).

import { call, describe, say, seg } from './api.js';
import { appLinks, field, fill, h } from './dom.js';

const NAMES = {
  signUp: ['APP_NAME', 'HANDLE', 'CODE'],
  signUpLink: ['APP_NAME', 'HANDLE', 'LINK'],
  clickThrough: ['APP_NAME'],
  resetPassword: ['APP_NAME', 'HANDLE', 'CODE'],
  invite: ['APP_NAME', 'HANDLE', 'CODE'],
  signUpSuccess: ['APP_NAME', 'HANDLE'],
  sms: ['APP_NAME', 'CODE'],
};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A template part with example values, as Keyturn renders it (values escaped in HTML). */
function render(text, app, html) {
  const link = 'https://example.com/confirm?code=123456';
  const values = { APP_NAME: app.name, HANDLE: 'user@example.com', CODE: '123456' };
  return text.replace(/%(APP_NAME|HANDLE|CODE|LINK)%/g, (_, k) => {
    if (k === 'LINK') return html ? `<a href="${escape(link)}">${escape(link)}</a>` : link;
    return html ? escape(values[k]) : values[k];
  });
}

export async function templatesPage(main, appId) {
  let app;
  try {
    ({ data: app } = await call('GET', `/admin/apps/${seg(appId)}`));
  } catch (err) {
    fill(main, appLinks(appId, 'templates'), h('p', { class: 'error', role: 'alert' }, describe(err)));
    return;
  }
  const name = h('select', {}, Object.keys(NAMES).map((n) => h('option', { value: n }, n)));
  const locale = h('input', { type: 'text', maxlength: 2, value: 'EN', autocomplete: 'off' });
  const subject = field('subject', h('input', { type: 'text', autocomplete: 'off' }));
  const text = field('text', h('textarea', { rows: 4 }));
  const html = field('html', h('textarea', { rows: 8, spellcheck: 'false' }));
  const state = h('p', { role: 'status', id: 'template-state' });
  const places = h('p', { id: 'placeholders' });
  const top = h('p', { class: 'error', role: 'alert' });
  const previewSubject = h('p', { id: 'preview-subject' });
  const previewText = h('pre', { id: 'preview-text' });
  const frame = h('iframe', { sandbox: '', title: 'HTML preview', id: 'preview-html', referrerpolicy: 'no-referrer' });
  const address = () => `/admin/apps/${seg(appId)}/templates/${seg(locale.value.trim())}/${seg(name.value)}`;

  function preview() {
    previewSubject.textContent = subject.control.value ? `Subject: ${render(subject.control.value, app, false)}` : '';
    previewText.textContent = render(text.control.value, app, false);
    frame.srcdoc = render(html.control.value, app, true);
  }
  function show(t) {
    subject.control.value = t.subject ?? '';
    text.control.value = t.text ?? '';
    html.control.value = t.html ?? '';
    state.textContent = t.custom ? 'The app\'s own template.' : 'The built-in default.';
    fill(places, 'Placeholders: ', NAMES[name.value].map((p) => h('code', {}, `%${p}% `)));
    preview();
  }
  async function send(method, body, done) {
    top.textContent = '';
    try {
      const { data } = await call(method, address(), body);
      show(data);
      if (done) say(done);
    } catch (err) {
      top.textContent = describe(err);
      say('');
    }
  }
  const load = () => send('GET');
  [subject, text, html].forEach((f) => f.control.addEventListener('input', preview));
  name.addEventListener('change', load);
  locale.addEventListener('change', load);
  const form = h('form', {
    class: 'panel', novalidate: true, 'aria-label': 'Template',
    onsubmit: (event) => {
      event.preventDefault();
      send('PUT', { subject: subject.control.value, text: text.control.value, html: html.control.value }, 'Saved the template.');
    },
  }, top, state, places, subject.row, text.row, html.row,
  h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save template'),
    h('button', { type: 'button', onclick: () => send('DELETE', undefined, 'Back to the default.') }, 'Use the default')));

  fill(main,
    appLinks(appId, 'templates'),
    h('h2', {}, 'Templates of ', app.name),
    h('div', { class: 'row' }, field('Template', name).row, field('Locale', locale).row),
    form,
    h('h3', {}, 'Preview'),
    h('p', { class: 'hint' }, 'With example values. Scripts never run here; inline styles and remote images do not show.'),
    previewSubject, previewText, frame);
  load();
}
