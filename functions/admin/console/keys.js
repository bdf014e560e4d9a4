// Signing keys of one app, in the runbook's order (docs/operations.md, key rotation): rotate
// stages a key (published, not signing), activate makes it sign, retire unpublishes the keys it
// replaced. Each button is enabled only when its step is allowed; the API refuses the rest
// (631, 632, 633) anyway. Links lead to what a JWT consumer fetches.

import { call, describe, say, seg } from './api.js';
import { appLinks, fill, h } from './dom.js';

const STEPS = [
  ['rotate', 'Rotate', (k) => !k.stagedKid, 'Stages a new key: published in the JWKS at once, signing nothing yet.',
    (k) => `Staged ${k.stagedKid}.`],
  ['activate', 'Activate', (k) => Boolean(k.stagedKid), 'Once consumers\' JWKS caches have refreshed: the staged key signs new JWTs.',
    (k) => `${k.currentKid} signs new JWTs.`],
  ['retire', 'Retire', (k) => k.previousKids.length > 0, 'After the longest JWT lifetime: replaced keys leave the JWKS; tokens they signed stop verifying.',
    () => 'Retired the replaced keys.'],
];

export async function keysPage(main, appId) {
  const base = `/admin/apps/${seg(appId)}`;
  let app;
  let keys;
  try {
    [{ data: app }, { data: keys }] = await Promise.all([call('GET', base), call('GET', `${base}/keys`)]);
  } catch (err) {
    fill(main, appLinks(appId, 'keys'), h('p', { class: 'error', role: 'alert' }, describe(err)));
    return;
  }
  const draw = () => {
    const kid = (label, value) => [h('dt', {}, label), h('dd', { class: 'mono', 'data-kid': label }, value)];
    fill(main,
      appLinks(appId, 'keys'),
      h('h2', {}, 'Signing keys of ', app.name),
      h('dl', { class: 'facts' },
        kid('Signing', keys.currentKid),
        kid('Staged', keys.stagedKid ?? 'none'),
        kid('Previous', keys.previousKids.length ? keys.previousKids.join(', ') : 'none')),
      h('ol', { class: 'steps' }, STEPS.map(([step, label, allowed, hint, done]) => h('li', {},
        h('button', { type: 'button', disabled: !allowed(keys), onclick: (event) => run(event.target, step, done) }, label),
        ' ', h('span', { class: 'hint' }, hint)))),
      h('h3', {}, 'For JWT consumers'),
      h('ul', {}, [['Discovery document', '/.well-known/openid-configuration'], ['JWKS', '/.well-known/jwks.json'],
        ['Public key (PEM)', '/public-key.pem']].map(([label, rest]) =>
        h('li', {}, h('a', { href: app.issuer + rest, target: '_blank', rel: 'noopener noreferrer' }, label)))));
  };
  async function run(button, step, done) {
    button.disabled = true;
    try {
      ({ data: keys } = await call('POST', `${base}/keys/${step}`));
      draw();
      say(done(keys));
    } catch (err) {
      say(describe(err), true);
      button.disabled = false;
    }
  }
  draw();
}
