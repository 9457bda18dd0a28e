// The console's shell: signing in and out, who is signed in (and so what they may
// do), and the hash router that shows one page at a time (#/dashboard, #/messages/42).
// Pages are modules named by page; each gets an empty region under its heading and
// may return a function that stops what it started (timers, live updates).

import { api, whenSignedOut } from './api.js';
import { h } from './ui.js';
import * as dashboard from './page_dashboard.js';
import * as send from './page_send.js';
import * as messages from './page_messages.js';
import * as inbox from './page_inbox.js';
import * as contacts from './page_contacts.js';
import * as modems from './page_modems.js';
import * as rules from './page_rules.js';
import * as mail from './page_mail.js';
import * as settings from './page_settings.js';

const byId = (id) => document.getElementById(id);

// [pattern, page module, nav link it belongs to]
const ROUTES = [
  [/^dashboard$/, dashboard, 'dashboard'],
  [/^send$/, send, 'send'],
  [/^messages$/, messages, 'messages'],
  [/^messages\/(\d+)$/, messages, 'messages'],
  [/^inbox$/, inbox, 'inbox'],
  [/^inbox\/(.+)$/, inbox, 'inbox'],
  [/^contacts$/, contacts, 'contacts'],
  [/^modems$/, modems, 'modems'],
  [/^rules$/, rules, 'rules'],
  [/^mail$/, mail, 'mail'],
  [/^settings$/, settings, 'settings'],
];

// Who is signed in, and so what the pages offer; the gateway refuses the rest anyway.
const session = {
  name: '',
  role: 'operator',
  can(what) {
    if (this.role === 'admin') return true;
    return ['send', 'read', 'inbox', 'contacts', 'modems.view'].includes(what);
  },
};

let stopPage = null;

function show(which) {
  byId('loading').hidden = true;
  byId('sign-in').hidden = which !== 'sign-in';
  byId('console').hidden = which !== 'console';
}

function currentRoute() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  for (const [pattern, page, section] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      const params = match.slice(1).map(decodeURIComponent);
      return { page, section, params, query: new URLSearchParams(search) };
    }
  }
  return null;
}

async function render({ focus = true } = {}) {
  if (byId('console').hidden) return;
  const route = currentRoute();
  if (!route) {
    location.replace('#/dashboard');
    return;
  }
  if (stopPage) stopPage();
  stopPage = null;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === `#/${route.section}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const main = byId('page');
  const heading = h('h1', { tabindex: '-1', id: 'page-heading' }, route.page.title(route.params));
  const region = h('div', { class: 'page-body' });
  main.replaceChildren(heading, region);
  main.setAttribute('aria-labelledby', 'page-heading');
  document.title = `${heading.textContent} · smsgate`;
  if (focus) heading.focus();
  const stop = route.page.render(region, route.params, session, route.query);
  if (typeof stop === 'function') stopPage = stop;
}

window.addEventListener('hashchange', () => {
  // In-page anchors (the skip link) are not pages.
  if (location.hash && !location.hash.startsWith('#/')) return;
  render();
});

// ---- Signing in and out ----------------------------------------------------------

const signIn = {
  form: byId('sign-in-form'),
  name: byId('user-name'),
  password: byId('password'),
  error: byId('sign-in-error'),
  notice: byId('sign-in-notice'),
};

function showSignIn(notice = '') {
  if (stopPage) stopPage();
  stopPage = null;
  byId('page').replaceChildren();
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  signIn.notice.textContent = notice;
  signIn.notice.hidden = !notice;
  signIn.error.textContent = '';
  signIn.password.value = '';
  signIn.password.removeAttribute('aria-invalid');
  document.title = 'Sign in · smsgate';
  show('sign-in');
  signIn.password.focus();
}

whenSignedOut(() => {
  if (!byId('console').hidden) showSignIn('Your session has ended. Sign in again.');
});

function setBusy(form, busy) {
  form.setAttribute('aria-busy', String(busy));
  for (const control of form.querySelectorAll('button, input')) control.disabled = busy;
}

async function showConsole() {
  let state;
  try {
    state = await api('GET', 'api/v1/admin/session', undefined, { quietSignOut: true });
  } catch (error) {
    if (error.signedOut) {
      showSignIn();
      return;
    }
    show('sign-in');
    signIn.error.textContent = error.message;
    return;
  }
  session.name = state.user.name;
  session.role = state.user.role;
  byId('who').textContent = `${session.name} (${session.role})`;
  // Settings are an admin's: an operator's navigation does not offer them.
  document.querySelector('nav a[href="#/settings"]').parentElement.hidden = session.role !== 'admin';
  show('console');
  if (!location.hash.startsWith('#/')) location.replace('#/dashboard');
  render({ focus: false });
}

signIn.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  signIn.error.textContent = '';
  if (!signIn.password.value) {
    signIn.error.textContent = 'Enter the password.';
    signIn.password.setAttribute('aria-invalid', 'true');
    signIn.password.focus();
    return;
  }
  const body = { password: signIn.password.value };
  if (signIn.name.value.trim()) body.name = signIn.name.value.trim();
  setBusy(signIn.form, true);
  try {
    await api('POST', 'api/v1/admin/session', body, { quietSignOut: true });
  } catch (error) {
    setBusy(signIn.form, false);
    signIn.error.textContent = error.message;
    if (error.code === 'wrong_password') signIn.password.setAttribute('aria-invalid', 'true');
    signIn.password.select();
    signIn.password.focus();
    return;
  }
  setBusy(signIn.form, false);
  signIn.password.value = '';
  signIn.password.removeAttribute('aria-invalid');
  await showConsole();
  byId('page-heading')?.focus();
});

byId('sign-out').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await api('DELETE', 'api/v1/admin/session', undefined, { quietSignOut: true });
  } catch (error) {
    byId('who').textContent = `Could not sign out: ${error.message}`;
    return;
  } finally {
    button.disabled = false;
  }
  showSignIn('You are signed out.');
});

// The link of the page already shown changes no address: it still takes focus to
// the page's heading, as every other link of the navigation does.
document.querySelector('nav[aria-label="Main"]').addEventListener('click', (event) => {
  const link = event.target.closest('a');
  if (link && link.getAttribute('href') === location.hash) {
    event.preventDefault();
    byId('page-heading')?.focus();
  }
});

document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  byId('page-heading')?.focus();
});

showConsole();
