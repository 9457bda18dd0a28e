// Settings: API keys, webhooks (with their deliveries), opt-outs, users, the audit
// log, and the gateway's configuration (the automatic replies, the appointments and
// the rest) shown read-only with the file to change it in.
// Sections an operator may not use are not shown; the server refuses them anyway.

import { api, query } from './api.js';
import {
  confirmAction, dataTable, formatNumber, h, timeElement, uniqueId, unavailable,
} from './ui.js';

export function title() {
  return 'Settings';
}

const SCOPES = [
  ['send', 'Send, preview and cancel messages'],
  ['read', 'Messages and their status'],
  ['inbound', 'Replies and other received messages'],
  ['otp', 'Send and verify one-time passwords'],
  ['webhooks', 'Subscribe to events (replies included)'],
  ['optouts', 'See and change the opt-out list'],
  ['modems', 'List, reset, enable and disable modems'],
  ['metrics', 'Scrape /metrics (Prometheus)'],
  ['templates', 'Add, change and remove message templates'],
  ['rules', 'Add, change and remove auto-reply rules'],
  ['appointments', 'Book, move and cancel appointments and their reminders'],
  ['contacts', 'Add, change, remove and import contacts and groups'],
];
const EVENTS = ['message.sent', 'message.delivered', 'message.failed', 'message.expired',
  'inbound.received', 'modem.online', 'modem.offline', 'modem.storage_full',
  'appointment.confirmed', 'appointment.declined'];

function section(id, heading, ...children) {
  return h('section', { class: 'settings-section', 'aria-labelledby': id },
    h('h2', { id, tabindex: '-1' }, heading), ...children);
}

function textField(id, label, props = {}, hint = null) {
  const hintId = hint ? `${id}-hint` : null;
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    h('input', { id, type: 'text', autocomplete: 'off', 'aria-describedby': hintId, ...props }),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

function tableRegion(label, table) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

// A secret shown once (a new key, a webhook's made-up secret), with a copy button.
function shownOnce(id, label, value, extra) {
  const status = h('p', { class: 'status', role: 'status', id: `${id}-copy-status` });
  const field = h('input', { id: `${id}-value`, type: 'text', readonly: true, spellcheck: 'false', value });
  const panel = h('section', { class: 'card new-key', id, tabindex: '-1', 'aria-labelledby': `${id}-heading` },
    h('h3', { id: `${id}-heading` }, 'Copy it now'),
    h('p', { class: 'warning' }, h('strong', {}, 'It will not be shown again:'), ' smsgate keeps only a hash of it.'),
    h('div', { class: 'field' }, h('label', { for: `${id}-value` }, label), extra,
      h('div', { class: 'copy-row' }, field, h('button', { type: 'button', class: 'primary', onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
          status.textContent = 'Copied to the clipboard.';
        } catch {
          field.select();
          status.textContent = 'Select the text and copy it by hand (this browser refused).';
        }
      } }, 'Copy'))),
    status,
    h('button', { type: 'button', onclick: () => panel.remove() }, 'I have copied it'));
  return panel;
}

// ---- API keys --------------------------------------------------------------------

function keysSection() {
  const error = h('p', { class: 'error', role: 'alert', id: 'keys-error' });
  const newKeySlot = h('div');
  const createError = h('p', { class: 'error', role: 'alert', id: 'create-error' });
  const name = h('input', { id: 'key-name', type: 'text', autocomplete: 'off', 'aria-describedby': 'key-name-hint create-error' });
  const boxes = SCOPES.map(([scope]) => h('input', { id: `scope-${scope}`, name: 'scope', type: 'checkbox', value: scope,
    checked: scope === 'send' || scope === 'read', 'aria-describedby': `scope-${scope}-hint` }));
  const scopes = h('fieldset', { class: 'field scopes', id: 'key-scopes', 'aria-describedby': 'scopes-hint create-error' },
    h('legend', {}, 'Scopes'),
    h('p', { class: 'hint', id: 'scopes-hint' }, 'What programs using this key may do. Give each only what it needs: a key is refused (403) outside its scopes.'),
    SCOPES.map(([scope, hint], i) => h('div', { class: 'scope' }, boxes[i], h('label', { for: `scope-${scope}` }, scope),
      h('span', { class: 'hint', id: `scope-${scope}-hint` }, hint))));
  const form = h('form', { class: 'create-form', id: 'create-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'key-name' }, 'Name'), name,
      h('p', { class: 'hint', id: 'key-name-hint' }, 'Say which program will use it, e.g. "web shop".')),
    scopes, createError, h('button', { type: 'submit', class: 'primary' }, 'Create key'));
  const list = h('div');
  const resetScopes = () => boxes.forEach((box) => { box.checked = box.value === 'send' || box.value === 'read'; });

  async function load() {
    let keys;
    try {
      keys = (await api('GET', 'api/v1/keys')).items || [];
    } catch (failure) {
      list.replaceChildren(unavailable(failure, 'the API keys'));
      return;
    }
    list.replaceChildren(keys.length ? tableRegion('API keys', Object.assign(dataTable('API keys', [
      { label: 'Name', header: true, cell: (k) => k.name },
      { label: 'Scopes', class: 'scopes-cell', cell: (k) => (k.scopes || []).join(', ') },
      { label: 'Created', cell: (k) => timeElement(k.created_at) },
      { label: 'Last used', cell: (k) => timeElement(k.last_used_at, 'never') },
      { label: 'Status', cell: (k) => (k.revoked_at ? [h('span', { class: 'badge badge-failed' }, 'revoked'), ' ',
        h('span', { class: 'hint' }, timeElement(k.revoked_at))] : h('span', { class: 'badge badge-delivered' }, 'active')) },
      { label: 'Actions', hideLabel: true, class: 'actions-cell', cell: (k) => (k.revoked_at ? null : h('button', {
        type: 'button', class: 'danger', 'aria-label': `Revoke ${k.name}`, onclick: () => revoke(k) }, 'Revoke')) },
    ], keys, { rowProps: (k) => ({ class: k.revoked_at ? 'revoked' : null }) }), { id: 'keys-table' }))
      : h('p', { class: 'hint' }, 'No keys yet.'));
  }

  async function revoke(key) {
    const ok = await confirmAction({ title: 'Revoke this key?',
      text: `Programs using ${key.name} are refused at once. This cannot be undone.`, confirm: 'Revoke key', danger: true });
    if (!ok) return;
    error.textContent = '';
    try {
      await api('DELETE', `api/v1/keys/${key.id}`);
    } catch (failure) {
      error.textContent = `Could not revoke ${key.name}: ${failure.message}`;
    }
    await load();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    createError.textContent = '';
    name.removeAttribute('aria-invalid');
    scopes.classList.remove('invalid');
    boxes.forEach((box) => box.removeAttribute('aria-invalid'));
    const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
    try {
      const created = await api('POST', 'api/v1/keys', { name: name.value.trim(), scopes: chosen });
      newKeySlot.replaceChildren(shownOnce('new-key', `API key for ${created.name}`, created.key,
        h('p', { class: 'hint' }, `Scopes: ${(created.scopes || []).join(', ')}`)));
      name.value = '';
      resetScopes();
      await load();
      document.getElementById('new-key').focus();
    } catch (failure) {
      createError.textContent = failure.message;
      if (failure.field === 'scopes') {
        scopes.classList.add('invalid');
        boxes.forEach((box) => box.setAttribute('aria-invalid', 'true'));
        boxes[0].focus();
      } else {
        name.setAttribute('aria-invalid', 'true');
        name.focus();
      }
    }
  });
  load();
  return section('keys-heading', 'API keys', error, newKeySlot,
    h('div', { class: 'card' }, h('h3', {}, 'Create a key'), form), list);
}

// ---- Webhooks ----------------------------------------------------------------------

const TEST_WAIT_MS = 20_000;
const TEST_LOOK_MS = 500;

// What became of one delivery, in words.
function deliveryWords(delivery) {
  const last = (delivery.tries || [])[delivery.tries.length - 1];
  const answer = last?.http_status ? `HTTP ${last.http_status}` : (last?.error || delivery.last_error || '');
  if (delivery.state === 'delivered') return `delivered${answer ? ` (${answer})` : ''}`;
  const tried = `${formatNumber(delivery.attempts)} ${delivery.attempts === 1 ? 'try' : 'tries'}`;
  const why = delivery.last_error || answer;
  if (delivery.state === 'pending') {
    return delivery.attempts ? `not delivered yet after ${tried}${why ? `: ${why}` : ''}; retried` : 'waiting its turn';
  }
  return `${delivery.state.replace('_', ' ')} after ${tried}${why ? `: ${why}` : ''}`;
}

async function findDelivery(webhook, id) {
  const page = await api('GET', `api/v1/webhooks/${webhook.id}/deliveries${query({ limit: 20 })}`);
  return (page.items || []).find((delivery) => delivery.id === id) || null;
}

function deliveriesPanel(webhook) {
  const body = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const status = h('p', { class: 'status', role: 'status' });
  async function load() {
    let page;
    try {
      page = await api('GET', `api/v1/webhooks/${webhook.id}/deliveries${query({ limit: 10 })}`);
    } catch (failure) {
      body.replaceChildren(unavailable(failure, 'the deliveries'));
      return;
    }
    const items = page.items || [];
    body.replaceChildren(items.length ? tableRegion(`Deliveries to ${webhook.url}`, dataTable('Recent deliveries', [
      { label: 'Event', header: true, cell: (d) => d.event },
      { label: 'State', cell: (d) => d.state.replace('_', ' ') },
      { label: 'Created', cell: (d) => timeElement(d.created_at) },
      { label: 'Attempts', cell: (d) => formatNumber(d.attempts) },
      { label: 'Last answer', cell: (d) => {
        const last = (d.tries || [])[d.tries.length - 1];
        return d.last_error || (last && last.http_status ? `HTTP ${last.http_status}` : '—');
      } },
      { label: 'Actions', hideLabel: true, cell: (d) => (d.state === 'set_aside' || d.state === 'given_up'
        ? h('button', { type: 'button', 'aria-label': `Retry delivery ${d.id}`, onclick: async () => {
          try {
            await api('POST', `api/v1/webhooks/${webhook.id}/deliveries/evt_${d.id}/retry`, {});
            status.textContent = `Delivery ${d.id} will be tried again.`;
          } catch (failure) {
            status.textContent = `Could not retry: ${failure.message}`;
          }
          load();
        } }, 'Retry') : null) },
    ], items, { rowProps: (d) => ({ dataset: { deliveryId: d.id } }) })) : h('p', { class: 'hint' }, 'Nothing delivered yet.'));
  }
  load();
  return { element: h('div', { class: 'deliveries' }, h('h4', {}, 'Recent deliveries'), status, body), load };
}

function webhookCard(hook, { onDeleted, onError }) {
  const slot = h('div');
  const testResult = h('p', { class: 'status', role: 'status', dataset: { testResult: hook.id } });
  let panel = null;
  const deliveriesButton = h('button', { type: 'button', 'aria-expanded': 'false',
    'aria-label': `Deliveries to ${hook.url}` }, 'Deliveries');
  const showDeliveries = (open) => {
    deliveriesButton.setAttribute('aria-expanded', String(open));
    panel = open ? deliveriesPanel(hook) : null;
    slot.replaceChildren(panel ? panel.element : '');
  };
  deliveriesButton.addEventListener('click', () =>
    showDeliveries(deliveriesButton.getAttribute('aria-expanded') !== 'true'));

  // Sends the test event and follows it until it is delivered or its first try failed.
  let testing = false;
  async function sendTest(event) {
    if (testing) return;
    testing = true;
    const button = event.currentTarget;
    button.disabled = true;
    testResult.textContent = 'Sending a test event…';
    try {
      const queued = await api('POST', `api/v1/webhooks/${hook.id}/test`, {});
      if (!panel) showDeliveries(true);
      const deadline = Date.now() + TEST_WAIT_MS;
      let delivery = queued;
      while ((delivery.state === 'pending' && !delivery.attempts) && Date.now() < deadline) {
        await new Promise((resolve) => { setTimeout(resolve, TEST_LOOK_MS); });
        delivery = (await findDelivery(hook, queued.id)) || delivery;
      }
      testResult.textContent = `Test event ${queued.delivery_id}: ${deliveryWords(delivery)}.`;
      panel?.load();
    } catch (failure) {
      testResult.textContent = `Could not send a test event: ${failure.message}`;
    } finally {
      testing = false;
      button.disabled = false;
    }
  }

  return h('li', { class: 'card', dataset: { webhookId: hook.id } },
    h('p', { class: 'hook-url' }, hook.url),
    h('p', { class: 'hint' }, `Events: ${hook.events.join(', ')} · created `, timeElement(hook.created_at)),
    h('div', { class: 'actions start' },
      h('button', { type: 'button', 'aria-label': `Send a test event to ${hook.url}`, onclick: sendTest },
        'Send test event'),
      deliveriesButton,
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete webhook ${hook.url}`, onclick: async () => {
        if (!await confirmAction({ title: 'Delete this webhook?', text: `${hook.url} gets no more events.`,
          confirm: 'Delete webhook', danger: true })) return;
        try {
          await api('DELETE', `api/v1/webhooks/${hook.id}`);
          onDeleted(`The webhook to ${hook.url} is deleted.`);
        } catch (failure) {
          onError(`Could not delete: ${failure.message}`);
        }
      } }, 'Delete')),
    testResult, slot);
}

function webhooksSection() {
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status' });
  const secretSlot = h('div');
  const list = h('div');
  const eventBoxes = EVENTS.map((event) => h('input', { type: 'checkbox', id: `event-${event}`, value: event }));
  const createError = h('p', { class: 'error', role: 'alert', id: 'webhook-create-error' });
  const form = h('form', { novalidate: true },
    textField('webhook-url', 'URL', { type: 'url', placeholder: 'https://example.org/sms-events' }),
    h('fieldset', { class: 'field scopes' }, h('legend', {}, 'Events'),
      h('p', { class: 'hint' }, 'None ticked: every event.'),
      EVENTS.map((event, i) => h('div', { class: 'scope' }, eventBoxes[i], h('label', { for: `event-${event}` }, event)))),
    textField('webhook-secret', 'Secret (optional)', { type: 'text' },
      'Signs each delivery. Leave empty and smsgate makes one, shown once.'),
    createError, h('button', { type: 'submit', class: 'primary' }, 'Create webhook'));

  async function load() {
    let hooks;
    try {
      hooks = (await api('GET', 'api/v1/webhooks')).items || [];
    } catch (failure) {
      list.replaceChildren(unavailable(failure, 'the webhooks'));
      return;
    }
    const handlers = {
      onDeleted: (words) => {
        status.textContent = words;
        load();
      },
      onError: (words) => { error.textContent = words; },
    };
    list.replaceChildren(hooks.length
      ? h('ul', { class: 'plain-list' }, hooks.map((hook) => webhookCard(hook, handlers)))
      : h('p', { class: 'hint' }, 'No webhooks yet.'));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    createError.textContent = '';
    const url = form.querySelector('#webhook-url');
    const secret = form.querySelector('#webhook-secret');
    url.removeAttribute('aria-invalid');
    const events = eventBoxes.filter((box) => box.checked).map((box) => box.value);
    const body = { url: url.value.trim(), events: events.length ? events : ['*'] };
    if (secret.value) body.secret = secret.value;
    try {
      const created = await api('POST', 'api/v1/webhooks', body);
      secretSlot.replaceChildren(body.secret ? '' : shownOnce('new-webhook-secret',
        `Secret for ${created.url}`, created.secret));
      status.textContent = `Webhook to ${created.url} created.`;
      form.reset();
      load();
    } catch (failure) {
      createError.textContent = failure.message;
      const wrong = failure.field === 'secret' ? secret : url;
      wrong.setAttribute('aria-invalid', 'true');
      wrong.focus();
    }
  });
  load();
  return section('webhooks-heading', 'Webhooks', error, status, secretSlot, list,
    h('div', { class: 'card' }, h('h3', {}, 'Add a webhook'), form));
}

// ---- Opt-outs ----------------------------------------------------------------------

function optoutsSection() {
  const status = h('p', { class: 'status', role: 'status', id: 'optouts-status' });
  const list = h('div');
  const search = h('input', { id: 'optout-search', type: 'search' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const addError = h('p', { class: 'error', role: 'alert' });
  const addForm = h('form', { novalidate: true, class: 'inline-form' },
    textField('optout-number', 'Number to opt out', { type: 'tel' }),
    textField('optout-reason', 'Reason (optional)'),
    h('button', { type: 'submit' }, 'Add opt-out'));
  let items = [];
  let cursor = '';

  function show() {
    const needle = search.value.trim().replace(/\s/g, '');
    const shown = items.filter((o) => !needle || o.number.includes(needle) || (o.keyword || '').toLowerCase().includes(needle.toLowerCase()));
    list.replaceChildren(shown.length ? tableRegion('Opt-outs', dataTable('Opt-outs', [
      { label: 'Number', header: true, cell: (o) => o.number },
      { label: 'Why', cell: (o) => o.keyword },
      { label: 'Since', cell: (o) => timeElement(o.at) },
      { label: 'Actions', hideLabel: true, cell: (o) => h('button', { type: 'button', class: 'danger',
        'aria-label': `Remove opt-out ${o.number}`, onclick: () => remove(o) }, 'Remove') },
    ], shown)) : h('p', { class: 'hint' }, needle ? 'No opt-out matches.' : 'Nobody has opted out.'));
  }
  async function load(append = false) {
    let page;
    try {
      page = await api('GET', `api/v1/optouts${query({ limit: 100, cursor: append ? cursor : '' })}`);
    } catch (failure) {
      list.replaceChildren(unavailable(failure, 'the opt-outs'));
      return;
    }
    items = append ? [...items, ...(page.items || [])] : (page.items || []);
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
    show();
  }
  async function remove(optout) {
    if (!await confirmAction({ title: 'Remove this opt-out?', text: `${optout.number} may get messages again.`,
      confirm: 'Remove opt-out', danger: true })) return;
    try {
      await api('DELETE', `api/v1/optouts/${encodeURIComponent(optout.number)}`);
      status.textContent = `${optout.number} is no longer opted out.`;
    } catch (failure) {
      status.textContent = `Could not remove: ${failure.message}`;
    }
    load();
  }
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    addError.textContent = '';
    const number = addForm.querySelector('#optout-number');
    const reason = addForm.querySelector('#optout-reason');
    const body = { number: number.value.trim() };
    if (reason.value.trim()) body.keyword = reason.value.trim();
    try {
      const added = await api('POST', 'api/v1/optouts', body);
      status.textContent = `${added.number} is opted out.`;
      addForm.reset();
      load();
    } catch (failure) {
      addError.textContent = failure.message;
      number.setAttribute('aria-invalid', 'true');
      number.focus();
    }
  });
  search.addEventListener('input', show);
  more.addEventListener('click', () => load(true));
  load();
  return section('optouts-heading', 'Opt-outs',
    h('p', { class: 'hint' }, 'Numbers that answered STOP or were added here get no message but one-time passwords.'),
    addForm, addError, status,
    h('div', { class: 'field' }, h('label', { for: 'optout-search' }, 'Search opt-outs'), search), list, more);
}

// ---- Users -------------------------------------------------------------------------

function passwordDialog(user) {
  const opener = document.activeElement;
  const id = uniqueId('password');
  return new Promise((resolve) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const input = h('input', { id, type: 'password', autocomplete: 'new-password' });
    const dialog = h('dialog', { 'aria-labelledby': `${id}-heading` },
      h('h2', { id: `${id}-heading` }, `New password for ${user.name}`),
      h('form', { method: 'dialog', novalidate: true },
        h('div', { class: 'field' }, h('label', { for: id }, 'New password'), input), error,
        h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
          h('button', { type: 'submit', class: 'primary' }, 'Change password'))));
    dialog.querySelector('form').addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await api('PUT', `api/v1/users/${encodeURIComponent(user.name)}/password`, { password: input.value });
        dialog.returnValue = 'changed';
        dialog.close();
      } catch (failure) {
        error.textContent = failure.message;
        input.focus();
      }
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === 'changed');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

function usersSection() {
  const status = h('p', { class: 'status', role: 'status', id: 'users-status' });
  const list = h('div');
  const addError = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { novalidate: true },
    textField('user-new-name', 'User name'),
    h('div', { class: 'field' }, h('label', { for: 'user-new-role' }, 'Role'),
      h('select', { id: 'user-new-role', 'aria-describedby': 'user-role-hint' },
        h('option', { value: 'operator' }, 'operator'), h('option', { value: 'admin' }, 'admin')),
      h('p', { class: 'hint', id: 'user-role-hint' }, 'Operators send, read messages and the inbox and see modems; admins also manage keys, webhooks, users and settings.')),
    textField('user-new-password', 'Password', { type: 'password', autocomplete: 'new-password' }),
    addError, h('button', { type: 'submit', class: 'primary' }, 'Add user'));
  const addCard = h('div', { class: 'card' }, h('h3', {}, 'Add a user'), form);

  async function load() {
    let users;
    try {
      users = (await api('GET', 'api/v1/users')).items || [];
    } catch (failure) {
      list.replaceChildren(unavailable(failure, 'the users'));
      return;
    }
    list.replaceChildren(tableRegion('Users', Object.assign(dataTable('Users', [
      { label: 'Name', header: true, cell: (u) => u.name },
      { label: 'Role', cell: (u) => u.role },
      { label: 'Added', cell: (u) => timeElement(u.created_at) },
      { label: 'Password changed', cell: (u) => timeElement(u.password_changed_at) },
      { label: 'Actions', hideLabel: true, cell: (u) => h('div', { class: 'actions start' },
        h('button', { type: 'button', 'aria-label': `Change password of ${u.name}`, onclick: async () => {
          if (await passwordDialog(u)) status.textContent = `The password of ${u.name} is changed.`;
        } }, 'Change password'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Remove user ${u.name}`, onclick: async () => {
          if (!await confirmAction({ title: 'Remove this user?', text: `${u.name} can no longer sign in.`,
            confirm: 'Remove user', danger: true })) return;
          try {
            await api('DELETE', `api/v1/users/${encodeURIComponent(u.name)}`);
            status.textContent = `${u.name} is removed.`;
          } catch (failure) {
            status.textContent = `Could not remove ${u.name}: ${failure.message}`;
          }
          load();
        } }, 'Remove')) },
    ], users), { id: 'users-table' })));
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    addError.textContent = '';
    const body = { name: form.querySelector('#user-new-name').value.trim(),
      role: form.querySelector('#user-new-role').value, password: form.querySelector('#user-new-password').value };
    try {
      await api('POST', 'api/v1/users', body);
      status.textContent = `${body.name} can now sign in as ${body.role}.`;
      form.reset();
      load();
    } catch (failure) {
      addError.textContent = failure.message;
    }
  });
  load();
  return section('users-heading', 'Users', status, list, addCard);
}

// ---- Audit log and the gateway -------------------------------------------------------

const AUDIT_PAGE = 25;

// An audit row's action in words ("user.add" → "added a person").
const ACTION_WORDS = {
  'key.create': 'created an API key', 'key.revoke': 'revoked an API key',
  'user.add': 'added a person', 'user.remove': 'removed a person', 'user.password': 'set a password',
  'webhook.create': 'created a webhook', 'webhook.delete': 'deleted a webhook',
  'webhook.retry': 'retried a webhook delivery', 'optout.add': 'opted a number out',
  'optout.remove': 'removed an opt-out', 'number.erase': 'erased a number',
  'modem.enable': 'enabled sending through a modem', 'modem.disable': 'disabled sending through a modem',
  'modem.reset': 'reset a modem', 'admin_password.reset': 'reset the admin password',
  'rule.add': 'added an auto-reply rule', 'rule.put': 'changed an auto-reply rule',
  'rule.remove': 'deleted an auto-reply rule',
  'session.sign_in': 'signed in', 'session.sign_in_refused': 'was refused signing in',
};

function auditSection() {
  const list = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const newer = h('button', { type: 'button', disabled: true }, 'Newer');
  const older = h('button', { type: 'button', disabled: true }, 'Older');
  const cursors = [''];
  let nextCursor = '';
  async function load() {
    let page;
    try {
      page = await api('GET', `api/v1/audit${query({ limit: AUDIT_PAGE, cursor: cursors[cursors.length - 1] })}`);
    } catch (failure) {
      list.replaceChildren(unavailable(failure, 'the audit log'));
      return;
    }
    const items = page.items || [];
    nextCursor = page.next_cursor || '';
    newer.disabled = cursors.length <= 1;
    older.disabled = !nextCursor;
    list.replaceChildren(items.length ? tableRegion('Audit log', Object.assign(dataTable('Audit log', [
      { label: 'When', cell: (e) => timeElement(e.at) },
      { label: 'Who', header: true, cell: (e) => e.actor },
      { label: 'What', cell: (e) => [h('span', { class: 'action-words' }, ACTION_WORDS[e.action] || e.action),
        ' ', h('code', {}, e.action), e.count ? ` (${formatNumber(e.count)} times)` : ''] },
      { label: 'To what', cell: (e) => e.target || '—' },
      { label: 'From', cell: (e) => e.client || '—' },
      { label: 'Note', cell: (e) => e.detail || '—' },
    ], items, { rowProps: (e) => ({ dataset: { action: e.action } }) }), { id: 'audit-table' }))
      : h('p', { class: 'hint' }, 'Nothing recorded yet.'));
  }
  older.addEventListener('click', () => {
    if (!nextCursor) return;
    cursors.push(nextCursor);
    load();
  });
  newer.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    load();
  });
  load();
  return section('audit-heading', 'Audit log',
    h('p', { class: 'hint' }, 'What admins did and who signed in, newest first. No secret is ever written here.'),
    list, h('div', { class: 'actions start pager' }, newer, older));
}

const REPORT_WORDS = { delivered: 'delivery', failed: 'failure', replies: 'replies' };

// What goes back to the sender of a mail that became a text, and to whom.
function mailBackWords(email) {
  if (!email?.smarthost) return 'nothing: no smarthost, no mail goes out';
  const reports = (email.reports || []).map((r) => REPORT_WORDS[r] || r);
  if (!reports.length) return 'nothing';
  return `${reports.join(', ')}, to ${email.reports_to || 'the mail\'s sender'}`;
}

function limitWords(value, unit) {
  return typeof value === 'number' ? `${formatNumber(value)} ${unit}` : 'unlimited';
}

const WEEKDAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
  ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];

// A configured text as it is written, placeholders and all; an empty one is not sent.
function configuredText(text) {
  return text ? h('q', { class: 'configured-text' }, text) : 'none (not sent)';
}

function wordList(words) {
  return (words || []).join(', ') || '—';
}

// Per language: "en: YES, Y, OK".
function wordsByLanguage(byLanguage) {
  const entries = Object.entries(byLanguage || {});
  if (!entries.length) return '—';
  return h('ul', { class: 'plain-list' }, entries.map(([language, words]) =>
    h('li', {}, h('span', { lang: language }, `${language}: ${wordList(words)}`))));
}

function factList(id, facts) {
  return h('dl', { class: 'facts', id }, facts.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '—')]));
}

// Where a table of the file is changed: the file and a reload, or the demo's words.
function howToChange(id, table, s) {
  const how = s.config_file
    ? ['edit ', h('code', {}, `[${table}]`), ' in ', h('code', {}, s.config_file),
      ' and reload (systemctl reload smsgated); it applies at once']
    : [s.how_to_change];
  return h('p', { id }, h('strong', {}, 'To change them: '), ...how, '.');
}

// The gateway's settings, asked for once for every section that shows them.
function settingsSection(id, heading, hint, settingsLoaded, fill) {
  const body = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  settingsLoaded.then((s) => body.replaceChildren(...fill(s)),
    (failure) => body.replaceChildren(unavailable(failure, 'the gateway\'s settings')));
  return section(id, heading, h('p', { class: 'hint' }, hint), body);
}

function autoreplySection(settingsLoaded) {
  return settingsSection('autoreply-heading', 'Automatic replies',
    ['Read-only here. What the gateway answers by itself; your own keyword rules are on the ',
      h('a', { href: '#/rules' }, 'Rules page'), '.'],
    settingsLoaded, (s) => {
      const a = s.autoreply || {};
      const hours = a.opening_hours || {};
      const closedAllWeek = WEEKDAYS.every(([key]) => !hours[key] || hours[key] === 'closed');
      return [
        factList('autoreply-facts', [
          ['Automatic replies', a.enabled ? 'on' : 'off (opt-outs still work)'],
          ['Sender name', a.sender_name],
          ['Language', h('code', {}, a.language)],
          ['Help words', wordList(a.help_keywords)],
          ['Help answer', configuredText(a.help_text)],
          ['Opt-out confirmation', configuredText(a.optout_text)],
          ['Opt-in confirmation', configuredText(a.optin_text)],
          ['Opening hours', closedAllWeek ? 'none set: no out-of-hours answer'
            : h('ul', { class: 'plain-list', id: 'autoreply-hours' }, WEEKDAYS.map(([key, day]) =>
              h('li', {}, `${day}: ${hours[key] || 'closed'}`)))],
          ['Out-of-hours answer', configuredText(a.out_of_hours_text)],
        ]),
        howToChange('autoreply-how', 'autoreply', s),
      ];
    });
}

function appointmentsSection(settingsLoaded) {
  return settingsSection('appointments-heading', 'Appointments',
    'Read-only here. What the gateway sends for an appointment and which replies confirm or decline it.',
    settingsLoaded, (s) => {
      const a = s.appointments || {};
      return [
        factList('appointments-facts', [
          ['Default reminders', wordList(a.default_reminders)],
          ['Replies counted for', `${formatNumber(a.reply_window_hours)} hours after a message`],
          ['Booking confirmation', configuredText(a.confirmation_text)],
          ['Moved', configuredText(a.moved_text)],
          ['Cancelled', configuredText(a.cancelled_text)],
          ['Yes words', wordsByLanguage(a.yes_words)],
          ['No words', wordsByLanguage(a.no_words)],
        ]),
        howToChange('appointments-how', 'appointments', s),
      ];
    });
}

function gatewaySection(settingsLoaded) {
  const body = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  settingsLoaded.then((s) => {
    const quiet = s.quiet_hours || {};
    const held = Object.entries(quiet.categories || {}).filter(([, holds]) => holds).map(([name]) => name);
    const facts = [
      ['Configuration file', s.config_file ? h('code', {}, s.config_file) : 'none (built-in settings)'],
      ['Time zone', s.time_zone],
      ['Quiet hours', quiet.window ? `${quiet.window}, holding ${held.length ? held.join(', ') : 'nothing'}` : 'none'],
      ['Default region', s.default_region || 'none: numbers need their country code (+...)'],
      ['Messages kept', `${formatNumber(s.retention?.messages_days)} days`],
      ['Received texts kept', `${formatNumber(s.retention?.inbound_days)} days`],
      ['Listens on', `${s.http?.listen}${s.http?.tls ? ' (TLS)' : ''}`],
      ['Modem ports', (s.modems_defaults?.ports || []).join(', ') || '—'],
      ['Pace per modem', limitWords(s.modems_defaults?.rate_per_minute, 'a minute')],
      ['Daily limit per modem', limitWords(s.modems_defaults?.daily_limit, 'parts')],
      ['Modems configured one by one', formatNumber((s.modems || []).length)],
      ['Opt-out words', (s.optout_keywords || []).join(', ') || '—'],
      ['Opt-in words', wordList(s.optin_keywords)],
      ['One-time passwords', typeof s.otp?.max_sends_per_number === 'number'
        ? `at most ${formatNumber(s.otp.max_sends_per_number)} to a number in ${formatNumber(s.otp.send_window_minutes)} minutes`
        : 'no limit per number'],
      ['Email to SMS', s.email?.listen
        ? [h('code', {}, s.email.listen), s.email.domain ? [' for ', h('code', {}, `<number>@${s.email.domain}`)] : '']
        : 'off'],
      ['Mailed back for a text that came by email', mailBackWords(s.email)],
      ['Database', s.storage_path || '—'],
      ['Version', s.version],
    ];
    body.replaceChildren(
      factList('gateway-facts', facts),
      h('p', { id: 'gateway-how' }, h('strong', {}, 'To change them: '), s.how_to_change, '.'));
  }, (failure) => body.replaceChildren(unavailable(failure, 'the gateway\'s settings')));
  return section('gateway-heading', 'Gateway', h('p', { class: 'hint' }, 'Read-only here.'), body);
}

export function render(region, _params, session) {
  if (session.role !== 'admin') {
    region.append(h('p', { class: 'notice', id: 'settings-refused' },
      `Settings needs an admin. You are signed in as ${session.name}, an ${session.role}: `
      + 'ask an admin for API keys, webhooks, opt-outs, users and the audit log.'));
    return undefined;
  }
  const settingsLoaded = api('GET', 'api/v1/settings');
  region.append(
    h('nav', { 'aria-label': 'Settings sections', class: 'section-links' }, h('ul', {},
      [['keys-heading', 'API keys'], ['webhooks-heading', 'Webhooks'], ['optouts-heading', 'Opt-outs'],
        ['users-heading', 'Users'], ['audit-heading', 'Audit log'], ['autoreply-heading', 'Automatic replies'],
        ['appointments-heading', 'Appointments'], ['gateway-heading', 'Gateway']]
        .map(([id, label]) => h('li', {}, h('a', { href: `#/settings`, onclick: (event) => {
          event.preventDefault();
          const target = document.getElementById(id);
          target.scrollIntoView();
          target.focus();
        } }, label))))),
    keysSection(), webhooksSection(), optoutsSection(), usersSection(), auditSection(),
    autoreplySection(settingsLoaded), appointmentsSection(settingsLoaded), gatewaySection(settingsLoaded));
  return undefined;
}
