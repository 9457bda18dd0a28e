// Rules: the auto-replies, in the order they are tried (GET /api/v1/rules); an admin
// adds a keyword or regex rule with its reply text, turns one on or off (PUT with the
// rule whole) and deletes one. Operators read them; the server refuses their changes
// anyway. HELP, STOP, START and out-of-hours answers are configured in [autoreply].

import { api } from './api.js';
import { confirmAction, dataTable, h, unavailable } from './ui.js';

export function title() {
  return 'Rules';
}

function matchWords(rule) {
  if (rule.match.keyword !== undefined) return `Keyword ${rule.match.keyword}`;
  return `Regex ${rule.match.regex}`;
}

function replyWords(rule) {
  if (rule.reply.text !== undefined) return rule.reply.text;
  return `Template ${rule.reply.template}`;
}

// The body PUT takes: the rule as it is, with `changes`.
function ruleBody(rule, changes) {
  return { name: rule.name, match: rule.match, reply: rule.reply, enabled: rule.enabled,
    priority: rule.priority, ...changes };
}

export function render(region, _params, session) {
  const mayChange = session.role === 'admin';
  const status = h('p', { class: 'status', role: 'status', id: 'rules-status' });
  const list = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));

  async function load() {
    let page;
    try {
      page = await api('GET', 'api/v1/rules');
    } catch (failure) {
      list.replaceChildren(unavailable(failure, 'the rules'));
      return;
    }
    const rules = page.items || [];
    const columns = [
      { label: 'Name', header: true, cell: (r) => r.name },
      { label: 'Matches', cell: (r) => matchWords(r) },
      { label: 'Reply', cell: (r) => replyWords(r) },
      { label: 'State', cell: (r) => (r.enabled ? 'On' : 'Off') },
    ];
    if (mayChange) {
      columns.push({ label: 'Actions', hideLabel: true, cell: (r) => h('div', { class: 'actions' },
        h('button', { type: 'button', 'aria-label': `${r.enabled ? 'Turn off' : 'Turn on'} rule ${r.name}`,
          onclick: () => toggle(r) }, r.enabled ? 'Turn off' : 'Turn on'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete rule ${r.name}`,
          onclick: () => remove(r) }, 'Delete')) });
    }
    list.replaceChildren(rules.length
      ? h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Rules', tabindex: '0' },
        dataTable('Rules, in the order they are tried', columns, rules))
      : h('p', { class: 'hint' }, 'No rules yet: only HELP, STOP and START are answered.'));
  }

  async function toggle(rule) {
    try {
      const changed = await api('PUT', `api/v1/rules/${rule.id}`, ruleBody(rule, { enabled: !rule.enabled }));
      status.textContent = `Rule ${changed.name} is ${changed.enabled ? 'on' : 'off'}.`;
    } catch (failure) {
      status.textContent = `Could not change the rule: ${failure.message}`;
    }
    load();
  }

  async function remove(rule) {
    if (!await confirmAction({ title: 'Delete this rule?', text: `${rule.name} will answer nothing more.`,
      confirm: 'Delete rule', danger: true })) return;
    try {
      await api('DELETE', `api/v1/rules/${rule.id}`);
      status.textContent = `Rule ${rule.name} is deleted.`;
    } catch (failure) {
      status.textContent = `Could not delete the rule: ${failure.message}`;
    }
    load();
  }

  const parts = [h('p', { class: 'hint' },
    'The first rule that is on and matches an inbound text answers it. No number gets more '
    + 'than 5 automatic replies in 10 minutes, and senders that are no phone number get none.')];
  if (mayChange) parts.push(addForm(status, load));
  else parts.push(h('p', { class: 'notice', id: 'rules-read-only' }, 'Only an admin changes the rules.'));
  parts.push(status, list);
  region.append(...parts);
  load();
  return undefined;
}

function addForm(status, reload) {
  const error = h('p', { class: 'error', role: 'alert', id: 'rule-error' });
  const field = (id, label, control, hint) => h('div', { class: 'field' }, h('label', { for: id }, label),
    control, hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
  const name = h('input', { id: 'rule-name', type: 'text', autocomplete: 'off' });
  const kind = h('select', { id: 'rule-kind' },
    h('option', { value: 'keyword' }, 'Keyword'), h('option', { value: 'regex' }, 'Regular expression'));
  const pattern = h('input', { id: 'rule-pattern', type: 'text', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'rule-pattern-hint' });
  const reply = h('textarea', { id: 'rule-reply', rows: '3' });
  const form = h('form', { novalidate: true, class: 'rule-form', 'aria-labelledby': 'rule-add-heading' },
    h('h2', { id: 'rule-add-heading' }, 'Add a rule'),
    field('rule-name', 'Name', name),
    field('rule-kind', 'Match by', kind),
    field('rule-pattern', 'Keyword or pattern', pattern,
      'A keyword matches the whole text or its first word (HOURS matches "hours?"); '
      + 'a regular expression is found anywhere in the text, in any case.'),
    field('rule-reply', 'Reply', reply),
    h('button', { type: 'submit', class: 'primary' }, 'Add rule'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    for (const control of [name, pattern, reply]) control.removeAttribute('aria-invalid');
    const body = { name: name.value.trim(), match: { [kind.value]: pattern.value },
      reply: { text: reply.value } };
    try {
      const added = await api('POST', 'api/v1/rules', body);
      status.textContent = `Rule ${added.name} is added.`;
      form.reset();
      reload();
    } catch (failure) {
      error.textContent = failure.message;
      const at = { name, 'match.keyword': pattern, 'match.regex': pattern, match: pattern,
        'reply.text': reply, reply }[failure.field];
      if (at) {
        at.setAttribute('aria-invalid', 'true');
        at.focus();
      }
    }
  });
  return form;
}
