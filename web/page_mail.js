// Mail: SMS to email. The forwarding rules (GET /api/v1/forwards: the configuration's
// [[forward]] tables, then the ones added here), which an admin adds and deletes, and
// the mail outbox (GET /api/v1/mail) with each mail's state and the mail server's last
// answer. Without [email] smarthost mail is off: the page says so and offers no form.

import { api } from './api.js';
import { confirmAction, dataTable, h, timeElement, unavailable } from './ui.js';

export function title() {
  return 'Mail';
}

const STATE_WORDS = { waiting: 'Waiting', sent: 'Sent', set_aside: 'Set aside' };
const KIND_WORDS = { forward: 'Forwarded text', report: 'Delivery report', reply: 'Reply' };

export function render(region, _params, session) {
  const mayChange = session.role === 'admin';
  const status = h('p', { class: 'status', role: 'status', id: 'mail-status' });
  const notice = h('div', {});
  const rulesList = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const outbox = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const form = mayChange ? addForm(status, () => load()) : null;

  async function loadRules() {
    let page;
    try {
      page = await api('GET', 'api/v1/forwards');
    } catch (failure) {
      rulesList.replaceChildren(unavailable(failure, 'the forwarding rules'));
      return;
    }
    if (form) form.hidden = !page.mail;
    notice.replaceChildren(page.mail ? '' : h('p', { class: 'notice', id: 'mail-off' },
      'Mail is off: set [email] smarthost and from in the configuration file and restart, '
      + 'then texts can be forwarded by email.'));
    const rules = page.items || [];
    const columns = [
      { label: 'To', header: true, cell: (r) => r.to },
      { label: 'From', cell: (r) => (r.from_numbers.length ? r.from_numbers.join(', ') : 'Anyone') },
      { label: 'Subject', cell: (r) => r.subject },
      { label: 'Set in', cell: (r) => (r.source === 'config' ? 'Configuration file' : 'Console or API') },
    ];
    if (mayChange) {
      columns.push({ label: 'Actions', hideLabel: true, cell: (r) => (r.id === null ? ''
        : h('button', { type: 'button', class: 'danger', 'aria-label': `Delete forwarding to ${r.to}`,
          onclick: () => remove(r) }, 'Delete')) });
    }
    rulesList.replaceChildren(rules.length
      ? h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Forwarding rules', tabindex: '0' },
        dataTable('Forwarding rules', columns, rules))
      : h('p', { class: 'hint' }, 'No forwarding rules: texts stay in the Inbox only.'));
  }

  async function loadOutbox() {
    let page;
    try {
      page = await api('GET', 'api/v1/mail?limit=50');
    } catch (failure) {
      outbox.replaceChildren(unavailable(failure, 'the mail outbox'));
      return;
    }
    const mail = page.items || [];
    const columns = [
      { label: 'To', header: true, cell: (m) => m.to },
      { label: 'Subject', cell: (m) => m.subject },
      { label: 'Kind', cell: (m) => KIND_WORDS[m.kind] || m.kind },
      { label: 'State', cell: (m) => STATE_WORDS[m.state] || m.state },
      { label: 'Tries', cell: (m) => String(m.attempts) },
      { label: 'Last error', cell: (m) => m.last_error || '—' },
      { label: 'Written', cell: (m) => timeElement(m.created_at) },
    ];
    outbox.replaceChildren(mail.length
      ? h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Mail outbox', tabindex: '0' },
        dataTable('The latest mail, newest first', columns, mail))
      : h('p', { class: 'hint' }, 'No mail yet.'));
  }

  function load() {
    loadRules();
    loadOutbox();
  }

  async function remove(rule) {
    if (!await confirmAction({ title: 'Delete this forwarding rule?',
      text: `Texts will no longer be mailed to ${rule.to} by it.`, confirm: 'Delete rule', danger: true })) return;
    try {
      await api('DELETE', `api/v1/forwards/${rule.id}`);
      status.textContent = `Forwarding to ${rule.to} is deleted.`;
    } catch (failure) {
      status.textContent = `Could not delete the rule: ${failure.message}`;
    }
    load();
  }

  const parts = [h('p', { class: 'hint' },
    'Every inbound text that a rule matches is mailed to its address, with the sender\'s '
    + 'number, when it came and the modem. A text that came by email has its delivery report '
    + 'and its replies mailed back to the sender. Mail the server refuses for now is tried again; '
    + 'mail it refuses for good is set aside with its answer.'), notice];
  if (form) parts.push(form);
  else parts.push(h('p', { class: 'notice', id: 'mail-read-only' }, 'Only an admin changes the forwarding rules.'));
  parts.push(status, h('h2', {}, 'Forwarding rules'), rulesList, h('h2', {}, 'Outbox'), outbox);
  region.append(...parts);
  load();
  const timer = setInterval(loadOutbox, 10_000);
  return () => clearInterval(timer);
}

function addForm(status, reload) {
  const error = h('p', { class: 'error', role: 'alert', id: 'forward-error' });
  const field = (id, label, control, hint) => h('div', { class: 'field' }, h('label', { for: id }, label),
    control, hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
  const to = h('input', { id: 'forward-to', type: 'email', autocomplete: 'off' });
  const numbers = h('input', { id: 'forward-numbers', type: 'text', autocomplete: 'off',
    'aria-describedby': 'forward-numbers-hint' });
  const subject = h('input', { id: 'forward-subject', type: 'text', autocomplete: 'off',
    value: 'SMS from {number}', 'aria-describedby': 'forward-subject-hint' });
  const form = h('form', { novalidate: true, class: 'rule-form', 'aria-labelledby': 'forward-add-heading', hidden: true },
    h('h2', { id: 'forward-add-heading' }, 'Forward texts by email'),
    field('forward-to', 'Email address', to),
    field('forward-numbers', 'Only from these numbers', numbers,
      'Separated by commas; empty: texts from anyone.'),
    field('forward-subject', 'Subject', subject, '{number} and {modem} are filled in.'),
    h('button', { type: 'submit', class: 'primary' }, 'Add forwarding'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    for (const control of [to, numbers, subject]) control.removeAttribute('aria-invalid');
    const body = { to: to.value.trim(), subject: subject.value,
      from_numbers: numbers.value.split(',').map((n) => n.trim()).filter((n) => n) };
    try {
      const added = await api('POST', 'api/v1/forwards', body);
      status.textContent = `Texts are forwarded to ${added.to}.`;
      form.reset();
      reload();
    } catch (failure) {
      error.textContent = failure.message;
      const at = failure.field && failure.field.startsWith('from_numbers') ? numbers
        : { to, subject }[failure.field];
      if (at) {
        at.setAttribute('aria-invalid', 'true');
        at.focus();
      }
    }
  });
  return form;
}
