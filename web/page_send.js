// Send: a text written here or a template (GET /api/v1/templates, an input per
// placeholder) to one or several numbers or to a contact group, now or at a chosen
// time. A live counter from POST /api/v1/messages/preview (the sender's own planner)
// says how many parts it makes, which characters forced UCS-2, and offers the
// plain-character version when that saves parts; a template is previewed rendered.
// Several numbers go as one POST /api/v1/messages/batch; a group as one POST
// /api/v1/messages with `group`, which says how many opted-out members it skipped.

import { api, query } from './api.js';
import {
  SEND_CATEGORIES, formatNumber, h, labelledField as field, localInputToIso, statusBadge,
} from './ui.js';

const PREVIEW_DELAY_MS = 250;
// What every contact has by itself; a contact's fields are variables too.
const CONTACT_OWN = ['name', 'number', 'language'];

export function title() {
  return 'Send';
}

export function numbersOf(text) {
  return text.split(/[\s,;]*[,;\n][\s,;]*/).map((number) => number.trim()).filter(Boolean);
}

function encodingName(encoding) {
  return { gsm7: 'GSM-7', ucs2: 'UCS-2', '8bit': '8-bit' }[encoding] || encoding;
}

export function counterText(plan) {
  const parts = plan.parts === 1 ? '1 part' : `${formatNumber(plan.parts)} parts`;
  return `${parts} · ${encodingName(plan.encoding)} · ${formatNumber(plan.characters_left)} left`;
}

function listed(characters) {
  return characters.join(' ');
}

// The variables of a template's text that are times ({at:date}, and {date}, {time} and
// {weekday}, which are short for `at`'s): they get a date and time input.
export function timeVariables(text) {
  const times = new Set();
  for (const match of text.matchAll(/\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_]*)(?::(date|time|weekday))?\}/g)) {
    if (!match[1]) continue;
    if (match[2]) times.add(match[1]);
    else if (['date', 'time', 'weekday'].includes(match[1])) times.add('at');
  }
  return times;
}

// Two or more radio buttons under a legend; `onchange` gets the value chosen.
function choice(name, legend, options, onchange) {
  const inputs = options.map(([value, label], i) => h('input', { type: 'radio', name, value,
    id: `${name}-${value}`, checked: i === 0, onchange: () => onchange(value) }));
  return {
    element: h('fieldset', { class: 'choice' }, h('legend', {}, legend),
      options.map(([value, label], i) => h('div', { class: 'field check' }, inputs[i],
        h('label', { for: `${name}-${value}` }, label)))),
    inputs,
    get value() {
      return inputs.find((input) => input.checked).value;
    },
  };
}

export function render(region, _params, session) {
  if (!session.can('send')) {
    region.append(h('p', { class: 'notice' }, 'Your role may not send messages.'));
    return undefined;
  }
  const toMode = choice('send-to-mode', 'Send to', [['numbers', 'Numbers'], ['group', 'A group']],
    () => switchTo());
  const to = field('send-to', 'To', h('textarea', { rows: '2', autocomplete: 'off', spellcheck: 'false' }),
    'One or several numbers, separated by commas or new lines, e.g. +49 170 1234567.');
  const group = field('send-group', 'Group', h('select', {}, h('option', { value: '' }, 'Choose a group')),
    'Every member gets the message, each with their own name and fields; who opted out is skipped.');
  const textMode = choice('send-compose', 'Compose', [['text', 'Write the text'], ['template', 'Use a template']],
    () => switchCompose());
  const text = field('send-text', 'Message', h('textarea', { rows: '5' }));
  const template = field('send-template', 'Template', h('select', {}, h('option', { value: '' }, 'Choose a template')));
  const templateText = h('p', { class: 'message-text', id: 'send-template-text', hidden: true });
  // The chosen template's text is read out with its select.
  template.control.setAttribute('aria-describedby', `send-template-text ${template.error.id}`);
  const variables = h('fieldset', { class: 'variables', hidden: true, 'aria-describedby': 'send-variables-hint' },
    h('legend', {}, 'Variables'),
    h('p', { class: 'hint', id: 'send-variables-hint' },
      'Sent to a group or to a contact\'s number, a variable left empty takes the contact\'s own '
      + 'value: their name, number, language or the field of that name.'));
  const counter = h('p', { class: 'counter', id: 'send-counter', role: 'status' });
  const rendered = h('div', { id: 'send-rendered', hidden: true });
  const forced = h('p', { class: 'hint', id: 'send-forced' });
  const transliterate = h('button', { type: 'button', hidden: true, id: 'send-transliterate' });
  const category = field('send-category', 'Category',
    h('select', {}, SEND_CATEGORIES.map((name) => h('option', { value: name }, name))),
    'Reminders, feedback requests and marketing wait for the end of quiet hours.');
  const sendAt = field('send-at', 'Send at (optional)', h('input', { type: 'datetime-local' }),
    `Leave empty to send now. In your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`);
  const report = h('input', { type: 'checkbox', id: 'send-report', checked: true,
    'aria-describedby': 'send-report-hint' });
  const reportField = h('div', { class: 'field check' }, report,
    h('label', { for: 'send-report' }, 'Ask for a delivery report'),
    h('p', { class: 'hint', id: 'send-report-hint' },
      'The network then says when the phone received it, and the message becomes delivered.'));
  const formError = h('p', { class: 'error', role: 'alert', id: 'send-error' });
  const result = h('div', { class: 'result', role: 'status', id: 'send-result', tabindex: '-1' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Send');
  group.element.hidden = true;
  template.element.hidden = true;
  const form = h('form', { class: 'card send-form', novalidate: true },
    toMode.element, to.element, group.element,
    textMode.element, text.element, template.element, templateText, variables,
    counter, rendered, forced, transliterate, category.element, sendAt.element,
    reportField, formError, submit);
  region.append(form, result);

  // The variable inputs of the chosen template: name -> {control, error, time}.
  let variableFields = {};
  const fields = { to, group, text, template, category, send_at: sendAt };
  function fieldNamed(name) {
    const variable = /^variables\.(.+)$/.exec(name);
    return variable ? variableFields[variable[1]] : fields[name];
  }
  function clearErrors() {
    formError.textContent = '';
    for (const f of [...Object.values(fields), ...Object.values(variableFields)]) {
      f.error.textContent = '';
      f.control.removeAttribute('aria-invalid');
    }
  }
  function fieldError(name, message) {
    const f = fieldNamed(name);
    if (!f) return false;
    f.error.textContent = message;
    f.control.setAttribute('aria-invalid', 'true');
    return true;
  }

  // ---- Templates and groups ----
  let templates = [];
  let groups = [];
  const chosenTemplate = () => templates.find((t) => t.name === template.control.value) || null;
  async function loadChoices() {
    const [listedTemplates, listedGroups] = await Promise.allSettled([
      api('GET', 'api/v1/templates'), api('GET', 'api/v1/groups')]);
    if (listedTemplates.status === 'fulfilled') {
      templates = listedTemplates.value.items || [];
      template.control.append(...templates.map((t) => h('option', { value: t.name },
        t.language ? `${t.name} (${t.language})` : t.name)));
    }
    if (listedGroups.status === 'fulfilled') {
      groups = listedGroups.value.items || [];
      group.control.append(...groups.map((g) => h('option', { value: g.name },
        `${g.name} (${g.members === 1 ? '1 member' : `${formatNumber(g.members)} members`})`)));
    }
    // Said where the choice is, so that nobody looks for what is not there.
    const none = (input, why) => {
      input.disabled = true;
      input.setAttribute('aria-describedby', `${input.id}-none`);
      input.parentElement.append(h('span', { class: 'hint', id: `${input.id}-none` }, why));
    };
    if (!templates.length) {
      none(textMode.inputs[1], listedTemplates.status === 'fulfilled'
        ? 'None yet: an admin adds them through /api/v1/templates.'
        : `Cannot list them: ${listedTemplates.reason.message}`);
    }
    if (!groups.length) {
      none(toMode.inputs[1], listedGroups.status === 'fulfilled'
        ? 'None yet: the Contacts page makes them.' : `Cannot list them: ${listedGroups.reason.message}`);
    }
  }

  function switchTo() {
    const toGroup = toMode.value === 'group';
    to.element.hidden = toGroup;
    group.element.hidden = !toGroup;
    schedulePreview();
  }
  function switchCompose() {
    const byTemplate = textMode.value === 'template';
    text.element.hidden = byTemplate;
    template.element.hidden = !byTemplate;
    showTemplate();
  }
  function showTemplate() {
    const chosen = textMode.value === 'template' ? chosenTemplate() : null;
    templateText.hidden = !chosen;
    templateText.textContent = chosen ? chosen.text : '';
    variables.hidden = !chosen || !chosen.variables.length;
    for (const old of variables.querySelectorAll('.field')) old.remove();
    variableFields = {};
    if (chosen) {
      if (chosen.category) category.control.value = chosen.category;
      const times = timeVariables(chosen.text);
      for (const name of chosen.variables) {
        const time = times.has(name);
        const hint = [time ? 'A date and time, in your time zone.' : null,
          CONTACT_OWN.includes(name) ? 'Left empty: each contact\'s own.' : null].filter(Boolean).join(' ');
        const one = field(`send-var-${name}`, `{${name}}`,
          h('input', { type: time ? 'datetime-local' : 'text', autocomplete: 'off',
            oninput: schedulePreview }), hint || null);
        variableFields[name] = { ...one, time };
        variables.append(one.element);
      }
    }
    schedulePreview();
  }
  template.control.addEventListener('change', showTemplate);
  group.control.addEventListener('change', schedulePreview);

  // The variables as the request gives them: only those filled in, times as ISO.
  function givenVariables() {
    const given = {};
    for (const [name, f] of Object.entries(variableFields)) {
      const value = f.control.value.trim();
      if (!value) continue;
      given[name] = f.time ? (localInputToIso(value) || value) : value;
    }
    return given;
  }

  // A group's first member, whose own values stand in for the variables left empty,
  // so that the counter counts a real text; looked up once per group.
  const examples = new Map();
  async function exampleMember(name) {
    if (!examples.has(name)) {
      const page = await api('GET', `api/v1/contacts${query({ group: name, limit: 1 })}`);
      examples.set(name, page.items?.[0] || null);
    }
    return examples.get(name);
  }

  // ---- The counter ----
  let previewTimer = null;
  let previewSeq = 0;
  let replacements = [];
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_DELAY_MS);
  }
  function clearPreview() {
    counter.textContent = '';
    forced.textContent = '';
    rendered.hidden = true;
    transliterate.hidden = true;
  }
  // The preview's body and what it is counted as, or null when there is nothing yet.
  async function previewRequest() {
    if (textMode.value === 'text') {
      return text.control.value ? { body: { text: text.control.value } } : null;
    }
    const chosen = chosenTemplate();
    if (!chosen) return null;
    const given = givenVariables();
    const member = toMode.value === 'group' && group.control.value
      ? await exampleMember(group.control.value) : null;
    const standIns = member
      ? { name: member.name, number: member.number, language: member.language || '', ...member.fields } : {};
    const filled = {};
    for (const name of chosen.variables) {
      if (given[name] !== undefined) filled[name] = given[name];
      else if (standIns[name]) filled[name] = standIns[name];
      // Left as written when nobody's value is known yet; a time cannot be.
      else if (!variableFields[name]?.time) filled[name] = `{${name}}`;
    }
    return { body: { template: chosen.name, variables: filled },
      as: member ? `As ${member.name}, the group's first member, will get it:` : 'As it reads:' };
  }
  async function preview() {
    const seq = ++previewSeq;
    let request;
    try {
      request = await previewRequest();
    } catch (error) {
      if (seq === previewSeq) counter.textContent = `Cannot count parts: ${error.message}`;
      return;
    }
    if (seq !== previewSeq) return;
    if (!request) {
      clearPreview();
      return;
    }
    try {
      const plan = await api('POST', 'api/v1/messages/preview', request.body);
      if (seq !== previewSeq) return;
      counter.textContent = counterText(plan);
      forced.textContent = plan.forced_ucs2?.length
        ? `Sent as UCS-2 (fewer characters per part) because of these characters: ${listed(plan.forced_ucs2)}` : '';
      rendered.hidden = plan.text === undefined;
      if (plan.text !== undefined) {
        rendered.replaceChildren(h('p', { class: 'hint' }, request.as), h('p', { class: 'message-text' }, plan.text));
      }
      transliterate.hidden = true;
      // Plain characters are offered for a text written here; a template is an admin's.
      if (plan.encoding !== 'ucs2' || request.body.template) return;
      const plain = await api('POST', 'api/v1/messages/preview',
        { ...request.body, options: { transliterate: true } });
      if (seq !== previewSeq) return;
      if (plain.parts < plan.parts && plain.transliterations?.length) {
        replacements = plain.transliterations;
        const saved = plan.parts - plain.parts;
        transliterate.textContent = `Use plain characters for ${listed(replacements.map((r) => r.from))}`
          + ` (saves ${saved === 1 ? '1 part' : `${saved} parts`})`;
        transliterate.hidden = false;
      }
    } catch (error) {
      if (seq !== previewSeq) return;
      rendered.hidden = true;
      counter.textContent = /^variables\./.test(error.field || '')
        ? `Fill in {${error.field.slice('variables.'.length)}} to count the parts.`
        : `Cannot count parts: ${error.message}`;
    }
  }
  text.control.addEventListener('input', schedulePreview);
  transliterate.addEventListener('click', () => {
    let body = text.control.value;
    for (const { from, to: plain } of replacements) body = body.split(from).join(plain);
    text.control.value = body;
    transliterate.hidden = true;
    text.control.focus();
    preview();
  });

  // ---- Sending ----
  function showAccepted(items, answer) {
    const lines = [h('p', {}, items.length === 1 ? 'Message accepted.' : `${formatNumber(items.length)} messages accepted.`)];
    if (answer.group !== undefined) {
      const skipped = answer.skipped_opted_out || 0;
      lines[0] = h('p', {}, `Group ${answer.group}: ${items.length === 1 ? '1 message' : `${formatNumber(items.length)} messages`}`
        + ` accepted, ${skipped === 1 ? '1 member' : `${formatNumber(skipped)} members`} skipped as opted out.`);
    }
    result.replaceChildren(...lines,
      h('ul', { class: 'sent-list' }, items.map((item) => h('li', {},
        h('a', { href: `#/messages/${item.id}` }, `Message ${item.id} to ${item.to}`), ' ',
        statusBadge(item.status),
        ` · ${item.parts === 1 ? '1 part' : `${formatNumber(item.parts)} parts`}`))));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    result.replaceChildren();
    const toGroup = toMode.value === 'group';
    const byTemplate = textMode.value === 'template';
    const numbers = numbersOf(to.control.value);
    let invalid = false;
    if (toGroup && !group.control.value) invalid = fieldError('group', 'Choose a group.');
    if (!toGroup && !numbers.length) invalid = fieldError('to', 'Enter at least one number.');
    if (byTemplate && !chosenTemplate()) invalid = fieldError('template', 'Choose a template.') || invalid;
    if (!byTemplate && !text.control.value.trim()) invalid = fieldError('text', 'Write the message.') || invalid;
    for (const [name, f] of Object.entries(variableFields)) {
      if (f.time && f.control.value && !localInputToIso(f.control.value)) {
        invalid = fieldError(`variables.${name}`, 'Enter a date and time, or leave it empty.') || invalid;
      }
    }
    let when = null;
    if (sendAt.control.value) {
      when = localInputToIso(sendAt.control.value);
      if (!when) invalid = fieldError('send_at', 'Enter a date and time, or leave it empty.') || invalid;
    }
    if (invalid) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const what = { category: category.control.value, status_report: report.checked };
    if (byTemplate) {
      what.template = chosenTemplate().name;
      what.variables = givenVariables();
    } else {
      what.text = text.control.value;
    }
    if (when) what.send_at = when;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      let answer;
      let items;
      if (toGroup) {
        answer = await api('POST', 'api/v1/messages', { group: group.control.value, ...what });
        items = answer.messages || [];
      } else {
        answer = numbers.length === 1
          ? { items: [await api('POST', 'api/v1/messages', { to: numbers[0], ...what })] }
          : await api('POST', 'api/v1/messages/batch', { messages: numbers.map((number) => ({ to: number, ...what })) });
        items = answer.items || [];
      }
      showAccepted(items, answer);
      // The Send button was disabled meanwhile, which took focus away: put it on the
      // result, one Tab before its links.
      result.focus();
      text.control.value = '';
      sendAt.control.value = '';
      for (const f of Object.values(variableFields)) f.control.value = '';
      clearPreview();
      if (byTemplate) schedulePreview();
    } catch (error) {
      // "messages[2].to: ..." names the field of the third number.
      const name = (error.field || '').replace(/^messages\[\d+\]\./, '');
      if (!fieldError(name, error.message)) formError.textContent = error.message;
      (form.querySelector('[aria-invalid="true"]') || formError).focus?.();
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  loadChoices();
  return () => clearTimeout(previewTimer);
}
