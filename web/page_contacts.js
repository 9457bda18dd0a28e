// Contacts: the people the gateway texts by name (GET /api/v1/contacts: searched by
// name or number, filtered by group, paged by cursor), added, edited (PUT takes the
// contact whole) and deleted; the groups with their member counts, added and deleted;
// a CSV file imported (POST /contacts/import as text/csv, then its report of rows
// taken and refused) and the whole book downloaded (/contacts/export). Reading needs
// send, changing needs contacts: operators and admins have both; the server refuses
// anyone else anyway.

import { api, query } from './api.js';
import {
  confirmAction, dataTable, formatNumber, h, labelledField, unavailable,
} from './ui.js';

const PAGE_SIZE = 25;

export function title() {
  return 'Contacts';
}

// "room=Empfang" lines into {room: 'Empfang'}; a line that is none is refused by its
// number, so that nothing half-read is saved.
export function fieldsOf(text) {
  const fields = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (!line) continue;
    const equals = line.indexOf('=');
    if (equals < 1) return { error: `Line ${i + 1} "${line}": write name=value, e.g. room=Empfang.` };
    const name = line.slice(0, equals).trim();
    if (name in fields) return { error: `Line ${i + 1}: the field ${name} is there twice.` };
    fields[name] = line.slice(equals + 1).trim();
  }
  return { fields };
}

export function fieldsText(fields) {
  return Object.entries(fields || {}).map(([name, value]) => `${name}=${value}`).join('\n');
}

export function groupsOf(text) {
  return text.split(/[\s,;]+/).filter(Boolean);
}

function plural(count, one, many) {
  return count === 1 ? `1 ${one}` : `${formatNumber(count)} ${many}`;
}

function section(id, heading, ...children) {
  return h('section', { class: 'contacts-section', 'aria-labelledby': id },
    h('h2', { id, tabindex: '-1' }, heading), ...children);
}

function tableRegion(label, table) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

export function render(region, _params, session) {
  if (!session.can('send')) {
    region.append(h('p', { class: 'notice' }, 'Your role may not see contacts.'));
    return undefined;
  }
  const mayChange = session.can('contacts');
  const status = h('p', { class: 'status', role: 'status', id: 'contacts-status' });
  const page = { groups: [], reloadContacts: () => {}, reloadGroups: () => {} };
  const book = contactsSection(page, status, mayChange);
  const form = mayChange ? contactForm(page, status) : null;
  page.edit = form ? form.edit : () => {};
  region.append(h('p', { class: 'hint' },
    'A contact\'s name, number, language and fields fill a template\'s variables when the '
    + 'Send page texts them or their group.'), status, book,
  form ? form.element : h('p', { class: 'notice' }, 'Your role may not change contacts.'),
  groupsSection(page, status, mayChange),
  transferSection(page, mayChange));
  page.reloadGroups();
  page.reloadContacts();
  return undefined;
}

// ---- The list ----------------------------------------------------------------------

function contactsSection(page, status, mayChange) {
  const q = h('input', { id: 'contacts-q', type: 'search', autocomplete: 'off',
    'aria-describedby': 'contacts-q-hint' });
  const group = h('select', { id: 'contacts-group' }, h('option', { value: '' }, 'any group'));
  const filters = h('form', { class: 'card filters', role: 'search', 'aria-label': 'Find contacts' },
    h('div', { class: 'filter-grid' },
      h('div', { class: 'field' }, h('label', { for: 'contacts-q' }, 'Name or number'), q,
        h('p', { class: 'hint', id: 'contacts-q-hint' }, 'Part of a name, or digits of a number.')),
      h('div', { class: 'field' }, h('label', { for: 'contacts-group' }, 'Group'), group)),
    h('div', { class: 'actions start' },
      h('button', { type: 'submit', class: 'primary' }, 'Find'),
      h('button', { type: 'reset' }, 'Show all')));
  const error = h('div', { id: 'contacts-error' });
  const summary = h('p', { class: 'hint', role: 'status', id: 'contacts-summary' });
  const list = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const previous = h('button', { type: 'button', disabled: true }, 'Previous page');
  const next = h('button', { type: 'button', disabled: true }, 'Next page');
  const cursors = [''];  // the cursor of each page seen, for "Previous page"
  let nextCursor = null;
  let shown = { q: '', group: '' };

  async function load() {
    error.replaceChildren();
    let answer;
    try {
      answer = await api('GET', `api/v1/contacts${query({ limit: PAGE_SIZE,
        cursor: cursors[cursors.length - 1], q: shown.q, group: shown.group })}`);
    } catch (failure) {
      error.replaceChildren(unavailable(failure, 'the contacts'));
      list.replaceChildren();
      summary.textContent = '';
      previous.disabled = true;
      next.disabled = true;
      return;
    }
    const contacts = answer.items || [];
    nextCursor = answer.next_cursor || null;
    const filtered = shown.q || shown.group;
    summary.textContent = contacts.length
      ? `Showing ${plural(contacts.length, 'contact', 'contacts')}, newest first.`
      : (filtered ? 'No contact matches.' : 'No contacts yet.');
    const columns = [
      { label: 'Name', header: true, cell: (c) => c.name },
      { label: 'Number', cell: (c) => c.number },
      { label: 'Language', cell: (c) => c.language || '—' },
      { label: 'Groups', cell: (c) => (c.groups.length ? c.groups.join(', ') : '—') },
      { label: 'Fields', class: 'text-cell', cell: (c) => (Object.keys(c.fields).length
        ? Object.entries(c.fields).map(([name, value]) => `${name}: ${value}`).join('; ') : '—') },
    ];
    if (mayChange) {
      columns.push({ label: 'Actions', hideLabel: true, cell: (c) => h('div', { class: 'actions start' },
        h('button', { type: 'button', 'aria-label': `Edit contact ${c.name}`, onclick: () => page.edit(c) },
          'Edit'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete contact ${c.name}`,
          onclick: () => remove(c) }, 'Delete')) });
    }
    list.replaceChildren(contacts.length ? tableRegion('Contacts', dataTable('Contacts', columns, contacts,
      { rowProps: (c) => ({ dataset: { contactId: c.id } }) })) : '');
    previous.disabled = cursors.length <= 1;
    next.disabled = !nextCursor;
  }

  async function remove(contact) {
    if (!await confirmAction({ title: 'Delete this contact?',
      text: `${contact.name} (${contact.number}) leaves the book and every group.`,
      confirm: 'Delete contact', danger: true })) return;
    try {
      await api('DELETE', `api/v1/contacts/${contact.id}`);
      status.textContent = `${contact.name} is deleted.`;
    } catch (failure) {
      status.textContent = `Could not delete ${contact.name}: ${failure.message}`;
    }
    page.reloadContacts();
    page.reloadGroups();
  }

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    shown = { q: q.value.trim(), group: group.value };
    cursors.length = 1;
    load();
  });
  filters.addEventListener('reset', () => setTimeout(() => {
    shown = { q: '', group: '' };
    cursors.length = 1;
    load();
  }));
  next.addEventListener('click', () => {
    if (!nextCursor) return;
    cursors.push(nextCursor);
    load();
  });
  previous.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    load();
  });

  page.reloadContacts = load;
  // The group filter follows the groups that exist; the one chosen stays chosen.
  page.groupsChanged = (groups) => {
    const chosen = group.value;
    group.replaceChildren(h('option', { value: '' }, 'any group'),
      ...groups.map((g) => h('option', { value: g.name, selected: g.name === chosen }, g.name)));
  };
  page.showGroup = (name) => {
    q.value = '';
    group.value = name;
    shown = { q: '', group: name };
    cursors.length = 1;
    load();
    document.getElementById('contacts-heading').focus();
  };
  return section('contacts-heading', 'Contacts', filters, error, summary, list,
    h('div', { class: 'actions start pager' }, previous, next));
}

// ---- Adding and editing --------------------------------------------------------------

function contactForm(page, status) {
  const number = labelledField('contact-number', 'Number', h('input', { type: 'tel', autocomplete: 'off' }),
    'In international form (+49 170 1234567), or national for this gateway\'s region.');
  const name = labelledField('contact-name', 'Name', h('input', { type: 'text', autocomplete: 'off' }));
  const language = labelledField('contact-language', 'Language (optional)',
    h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
    'A language tag such as en, de or pt-BR: dates and times in templates are written in it.');
  const groups = labelledField('contact-groups', 'Groups (optional)',
    h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
    'Group names separated by commas, e.g. monday-patients, diabetes; a new one is made.');
  const fields = labelledField('contact-fields', 'Fields (optional)',
    h('textarea', { rows: '3', spellcheck: 'false' }),
    'One a line as name=value, e.g. room=Empfang: {room} in a template takes it.');
  const heading = h('h2', { id: 'contact-form-heading', tabindex: '-1' }, 'Add a contact');
  const formError = h('p', { class: 'error', role: 'alert', id: 'contact-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add contact');
  const cancel = h('button', { type: 'button', hidden: true }, 'Cancel editing');
  const form = h('form', { class: 'card contact-form', novalidate: true, 'aria-labelledby': 'contact-form-heading' },
    heading, number.element, name.element, language.element, groups.element, fields.element, formError,
    h('div', { class: 'actions start' }, submit, cancel));
  const all = { number, name, language, groups, fields };
  let editing = null;

  function clearErrors() {
    formError.textContent = '';
    for (const f of Object.values(all)) {
      f.error.textContent = '';
      f.control.removeAttribute('aria-invalid');
    }
  }
  // "fields.room" and "groups[1]" are errors of the fields and groups boxes.
  function fieldError(at, message) {
    const f = all[(at || '').replace(/[.[].*$/, '')];
    if (!f) return false;
    f.error.textContent = message;
    f.control.setAttribute('aria-invalid', 'true');
    return true;
  }
  function addMode() {
    editing = null;
    form.reset();
    clearErrors();
    heading.textContent = 'Add a contact';
    submit.textContent = 'Add contact';
    cancel.hidden = true;
  }
  function edit(contact) {
    addMode();
    editing = contact;
    number.control.value = contact.number;
    name.control.value = contact.name;
    language.control.value = contact.language || '';
    groups.control.value = contact.groups.join(', ');
    fields.control.value = fieldsText(contact.fields);
    heading.textContent = `Edit ${contact.name}`;
    submit.textContent = 'Save contact';
    cancel.hidden = false;
    heading.focus();
  }
  cancel.addEventListener('click', () => {
    const was = editing;
    addMode();
    status.textContent = was ? `${was.name} is unchanged.` : '';
    heading.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const read = fieldsOf(fields.control.value);
    let invalid = false;
    if (!number.control.value.trim()) invalid = fieldError('number', 'Enter the number.');
    if (!name.control.value.trim()) invalid = fieldError('name', 'Enter the name.') || invalid;
    if (read.error) invalid = fieldError('fields', read.error) || invalid;
    if (invalid) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const body = { number: number.control.value.trim(), name: name.control.value.trim(),
      groups: groupsOf(groups.control.value), fields: read.fields };
    if (language.control.value.trim()) body.language = language.control.value.trim();
    submit.disabled = true;
    try {
      const saved = editing
        ? await api('PUT', `api/v1/contacts/${editing.id}`, body)
        : await api('POST', 'api/v1/contacts', body);
      status.textContent = editing ? `${saved.name} is saved.` : `${saved.name} (${saved.number}) is added.`;
      addMode();
      page.reloadContacts();
      page.reloadGroups();
    } catch (failure) {
      if (!fieldError(failure.field, failure.message)) formError.textContent = failure.message;
      (form.querySelector('[aria-invalid="true"]') || formError).focus?.();
    } finally {
      submit.disabled = false;
    }
  });
  return { element: form, edit };
}

// ---- Groups --------------------------------------------------------------------------

function groupsSection(page, status, mayChange) {
  const list = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));

  async function load() {
    let groups;
    try {
      groups = (await api('GET', 'api/v1/groups')).items || [];
    } catch (failure) {
      list.replaceChildren(unavailable(failure, 'the groups'));
      return;
    }
    page.groups = groups;
    page.groupsChanged(groups);
    const columns = [
      { label: 'Name', header: true, cell: (g) => g.name },
      { label: 'Description', cell: (g) => g.description || '—' },
      { label: 'Members', cell: (g) => formatNumber(g.members) },
      { label: 'Actions', hideLabel: true, cell: (g) => h('div', { class: 'actions start' },
        h('button', { type: 'button', 'aria-label': `Show the members of ${g.name}`,
          onclick: () => page.showGroup(g.name) }, 'Show members'),
        mayChange ? h('button', { type: 'button', class: 'danger', 'aria-label': `Delete group ${g.name}`,
          onclick: () => remove(g) }, 'Delete') : null) },
    ];
    list.replaceChildren(groups.length ? tableRegion('Groups', dataTable('Groups', columns, groups))
      : h('p', { class: 'hint' }, 'No groups yet.'));
  }

  async function remove(group) {
    if (!await confirmAction({ title: 'Delete this group?',
      text: `${group.name} goes; its ${plural(group.members, 'member stays', 'members stay')} in the book.`,
      confirm: 'Delete group', danger: true })) return;
    try {
      await api('DELETE', `api/v1/groups/${encodeURIComponent(group.name)}`);
      status.textContent = `Group ${group.name} is deleted.`;
    } catch (failure) {
      status.textContent = `Could not delete group ${group.name}: ${failure.message}`;
    }
    load();
    page.reloadContacts();
  }

  page.reloadGroups = load;
  const parts = [list];
  if (mayChange) {
    const name = labelledField('group-name', 'Group name', h('input', { type: 'text', autocomplete: 'off',
      spellcheck: 'false' }), 'Lower-case letters, digits, - and _, e.g. monday-patients.');
    const description = labelledField('group-description', 'Description (optional)',
      h('input', { type: 'text', autocomplete: 'off' }));
    const form = h('form', { novalidate: true, class: 'inline-form', 'aria-label': 'Add a group' },
      name.element, description.element, h('button', { type: 'submit' }, 'Add group'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const f of [name, description]) {
        f.error.textContent = '';
        f.control.removeAttribute('aria-invalid');
      }
      const body = { name: name.control.value.trim() };
      if (description.control.value.trim()) body.description = description.control.value.trim();
      try {
        const added = await api('POST', 'api/v1/groups', body);
        status.textContent = `Group ${added.name} is added.`;
        form.reset();
        load();
      } catch (failure) {
        const at = failure.field === 'description' ? description : name;
        at.error.textContent = failure.message;
        at.control.setAttribute('aria-invalid', 'true');
        at.control.focus();
      }
    });
    parts.push(form);
  }
  return section('groups-heading', 'Groups', ...parts);
}

// ---- Import and export -----------------------------------------------------------------

function importReport(report) {
  const refused = report.refused || [];
  const taken = `Taken: ${plural(report.taken, 'row', 'rows')}`
    + (report.updated ? ` (${formatNumber(report.updated)} of them updated a contact already there).` : '.');
  return [
    h('p', {}, taken, ' ', refused.length ? `Refused: ${plural(refused.length, 'row', 'rows')}.` : 'None refused.'),
    refused.length ? h('ul', { class: 'refused-rows', 'aria-label': 'Refused rows' },
      refused.map((r) => h('li', {}, `Row ${r.row}: ${r.reason}`))) : null,
  ];
}

function transferSection(page, mayChange) {
  const parts = [];
  if (mayChange) {
    const file = labelledField('contacts-file', 'CSV file', h('input', { type: 'file', accept: '.csv,text/csv' }),
      'A header row first: number and name, then language, groups (separated by ;) and a column '
      + 'per field, as the download below has them. A number already in the book updates that contact.');
    const report = h('div', { class: 'result', id: 'import-report', role: 'status', tabindex: '-1' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Import');
    const form = h('form', { novalidate: true, class: 'card narrow', 'aria-label': 'Import contacts' },
      file.element, submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      file.error.textContent = '';
      file.control.removeAttribute('aria-invalid');
      report.replaceChildren();
      const chosen = file.control.files[0];
      const refuse = (message) => {
        file.error.textContent = message;
        file.control.setAttribute('aria-invalid', 'true');
        file.control.focus();
      };
      if (!chosen) {
        refuse('Choose a CSV file.');
        return;
      }
      submit.disabled = true;
      try {
        const answer = await api('POST', 'api/v1/contacts/import', await chosen.text(),
          { contentType: 'text/csv' });
        report.replaceChildren(...importReport(answer));
        form.reset();
        report.focus();
        page.reloadContacts();
        page.reloadGroups();
      } catch (failure) {
        // A fault of the whole file (not UTF-8, no number column): nothing was taken.
        refuse(`${failure.message.replace(/\.?$/, '.')} Nothing was imported.`);
      } finally {
        submit.disabled = false;
      }
    });
    parts.push(form, report);
  }
  parts.push(h('p', {}, h('a', { href: 'api/v1/contacts/export', download: 'contacts.csv', id: 'contacts-export' },
    'Download all contacts as CSV'), ' (contacts.csv, in the columns an import takes).'));
  return section('transfer-heading', 'Import and export', ...parts);
}
