// Send: one text to one or several numbers, now or at a chosen time. A live counter
// from POST /api/v1/messages/preview (the sender's own planner) says how many parts
// it makes, which characters forced UCS-2, and offers the plain-character version
// when that saves parts. Several numbers go as one POST /api/v1/messages/batch.

import { api } from './api.js';
import {
  SEND_CATEGORIES, formatNumber, h, labelledField as field, localInputToIso, statusBadge,
} from './ui.js';

const PREVIEW_DELAY_MS = 250;

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

export function render(region, _params, session) {
  if (!session.can('send')) {
    region.append(h('p', { class: 'notice' }, 'Your role may not send messages.'));
    return undefined;
  }
  const to = field('send-to', 'To', h('textarea', { rows: '2', autocomplete: 'off', spellcheck: 'false' }),
    'One or several numbers, separated by commas or new lines, e.g. +49 170 1234567.');
  const text = field('send-text', 'Message', h('textarea', { rows: '5' }));
  const counter = h('p', { class: 'counter', id: 'send-counter', role: 'status' });
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
  const form = h('form', { class: 'card send-form', novalidate: true },
    to.element, text.element, counter, forced, transliterate, category.element, sendAt.element,
    reportField, formError, submit);
  region.append(form, result);

  const fields = { to, text, category, send_at: sendAt };
  function clearErrors() {
    formError.textContent = '';
    for (const f of Object.values(fields)) {
      f.error.textContent = '';
      f.control.removeAttribute('aria-invalid');
    }
  }
  function fieldError(name, message) {
    const f = fields[name];
    if (!f) return false;
    f.error.textContent = message;
    f.control.setAttribute('aria-invalid', 'true');
    return true;
  }

  // ---- The counter ----
  let previewTimer = null;
  let previewSeq = 0;
  let replacements = [];
  async function preview() {
    const seq = ++previewSeq;
    const body = text.control.value;
    if (!body) {
      counter.textContent = '';
      forced.textContent = '';
      transliterate.hidden = true;
      return;
    }
    try {
      const plan = await api('POST', 'api/v1/messages/preview', { text: body });
      if (seq !== previewSeq) return;
      counter.textContent = counterText(plan);
      forced.textContent = plan.forced_ucs2?.length
        ? `Sent as UCS-2 (fewer characters per part) because of these characters: ${listed(plan.forced_ucs2)}` : '';
      transliterate.hidden = true;
      if (plan.encoding !== 'ucs2') return;
      const plain = await api('POST', 'api/v1/messages/preview',
        { text: body, options: { transliterate: true } });
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
      counter.textContent = `Cannot count parts: ${error.message}`;
    }
  }
  text.control.addEventListener('input', () => {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_DELAY_MS);
  });
  transliterate.addEventListener('click', () => {
    let body = text.control.value;
    for (const { from, to: plain } of replacements) body = body.split(from).join(plain);
    text.control.value = body;
    transliterate.hidden = true;
    text.control.focus();
    preview();
  });

  // ---- Sending ----
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    result.replaceChildren();
    const numbers = numbersOf(to.control.value);
    let invalid = false;
    if (!numbers.length) invalid = fieldError('to', 'Enter at least one number.');
    if (!text.control.value.trim()) invalid = fieldError('text', 'Write the message.') || invalid;
    let when = null;
    if (sendAt.control.value) {
      when = localInputToIso(sendAt.control.value);
      if (!when) invalid = fieldError('send_at', 'Enter a date and time, or leave it empty.') || invalid;
    }
    if (invalid) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const message = (number) => {
      const one = { to: number, text: text.control.value, category: category.control.value,
        status_report: report.checked };
      if (when) one.send_at = when;
      return one;
    };
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const answer = numbers.length === 1
        ? { items: [await api('POST', 'api/v1/messages', message(numbers[0]))] }
        : await api('POST', 'api/v1/messages/batch', { messages: numbers.map(message) });
      const items = answer.items || [];
      result.replaceChildren(
        h('p', {}, items.length === 1 ? 'Message accepted.' : `${formatNumber(items.length)} messages accepted.`),
        h('ul', { class: 'sent-list' }, items.map((item) => h('li', {},
          h('a', { href: `#/messages/${item.id}` }, `Message ${item.id} to ${item.to}`), ' ',
          statusBadge(item.status),
          ` · ${item.parts === 1 ? '1 part' : `${formatNumber(item.parts)} parts`}`))));
      // The Send button was disabled meanwhile, which took focus away: put it on the
      // result, one Tab before its links.
      result.focus();
      text.control.value = '';
      sendAt.control.value = '';
      counter.textContent = '';
      forced.textContent = '';
      transliterate.hidden = true;
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
  return () => clearTimeout(previewTimer);
}
