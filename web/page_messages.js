// Messages: the table of what was sent (search, filters, paging by cursor) and one
// message's page (#/messages/{id}) with its parts, delivery reports, history and
// failure reason, where what is not sent yet can be cancelled and what failed, expired
// or was cancelled can be sent again as a new message. The table follows the live
// event stream: a status that changes elsewhere shows without a reload.

import { api, query, watchEvents } from './api.js';
import {
  MESSAGE_STATUSES, SEND_CATEGORIES, confirmAction, dataTable, formatNumber, h, statusBadge,
  timeElement, unavailable,
} from './ui.js';

const FINAL = ['delivered', 'failed', 'expired', 'cancelled'];
const RESENDABLE = ['failed', 'expired', 'cancelled'];
const PAGE_SIZE = 25;
const DETAIL_REFRESH_MS = 1_500;
const LIVE_EVENTS = ['message.sending', 'message.sent', 'message.delivered', 'message.failed',
  'message.expired', 'message.cancelled'];

export function title(params) {
  return params.length ? `Message ${params[0]}` : 'Messages';
}

export function render(region, params, session, hashQuery) {
  if (!session.can('read')) {
    region.append(h('p', { class: 'notice' }, 'Your role may not read messages.'));
    return undefined;
  }
  return params.length ? renderOne(region, params[0], session) : renderList(region, hashQuery);
}

// ---- The list ----------------------------------------------------------------------

// A day from <input type="date"> as the instant it starts in this browser's time zone.
function dayStart(value, plusDays = 0) {
  if (!value) return '';
  const [year, month, day] = value.split('-').map(Number);
  const date = new Date(year, month - 1, day + plusDays);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

function filterForm(filters, onApply) {
  const control = (id, label, element) => h('div', { class: 'field' }, h('label', { for: id }, label),
    Object.assign(element, { id }));
  const q = control('filter-q', 'Search', h('input', { type: 'search', value: filters.q || '' }));
  const status = control('filter-status', 'Status', h('select', {}, h('option', { value: '' }, 'any'),
    MESSAGE_STATUSES.map((name) => h('option', { value: name, selected: filters.status === name }, name))));
  const to = control('filter-to', 'Number', h('input', { type: 'tel', value: filters.to || '' }));
  const category = control('filter-category', 'Category', h('select', {}, h('option', { value: '' }, 'any'),
    [...SEND_CATEGORIES, 'otp'].map((name) => h('option', { value: name, selected: filters.category === name }, name))));
  const since = control('filter-since', 'From date', h('input', { type: 'date', value: filters.since || '' }));
  const until = control('filter-until', 'Until date', h('input', { type: 'date', value: filters.until || '' }));
  const form = h('form', { class: 'card filters', role: 'search', 'aria-label': 'Filter messages' },
    h('div', { class: 'filter-grid' }, q, status, to, category, since, until),
    h('div', { class: 'actions start' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'reset' }, 'Clear filters')));
  const read = () => ({
    q: q.lastChild.value.trim(), status: status.lastChild.value, to: to.lastChild.value.trim(),
    category: category.lastChild.value, since: since.lastChild.value, until: until.lastChild.value,
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onApply(read());
  });
  form.addEventListener('reset', () => setTimeout(() => onApply(read())));
  return form;
}

function renderList(region, hashQuery) {
  let filters = Object.fromEntries(['q', 'status', 'to', 'category', 'since', 'until']
    .map((name) => [name, hashQuery.get(name) || '']));
  const cursors = [''];  // the cursor of each page seen, for "Newer"
  const error = h('div', { id: 'messages-error' });
  const summary = h('p', { class: 'hint', role: 'status', id: 'messages-summary' });
  const tableRegion = h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Messages', tabindex: '0' });
  const newer = h('button', { type: 'button', disabled: true }, 'Newer');
  const older = h('button', { type: 'button', disabled: true }, 'Older');
  region.append(filterForm(filters, (next) => {
    filters = next;
    // The filters belong to the address, so that back and reload keep them; no
    // hashchange, so focus stays in the form.
    history.replaceState(null, '', `#/messages${query(filters)}`);
    cursors.length = 1;
    load();
  }), error, summary, tableRegion, h('div', { class: 'actions start pager' }, newer, older));

  let nextCursor = null;
  async function load() {
    const cursor = cursors[cursors.length - 1];
    error.replaceChildren();
    let page;
    try {
      page = await api('GET', `api/v1/messages${query({
        limit: PAGE_SIZE, cursor, status: filters.status, to: filters.to, category: filters.category,
        q: filters.q, since: dayStart(filters.since), until: dayStart(filters.until, 1),
      })}`);
    } catch (failure) {
      error.replaceChildren(unavailable(failure, 'the messages'));
      summary.textContent = '';
      tableRegion.replaceChildren();
      newer.disabled = true;
      older.disabled = true;
      return;
    }
    const items = page.items || [];
    nextCursor = page.next_cursor || null;
    summary.textContent = items.length
      ? `Showing ${formatNumber(items.length)} message${items.length === 1 ? '' : 's'}, newest first.`
      : 'No messages match.';
    tableRegion.replaceChildren(dataTable('Messages', [
      { label: 'Number', header: true, cell: (m) => h('a', { href: `#/messages/${m.id}` }, m.to) },
      { label: 'Time', cell: (m) => timeElement(m.send_at && m.status === 'scheduled' ? m.send_at : m.created_at) },
      { label: 'Category', cell: (m) => m.category },
      { label: 'Status', cell: (m) => statusBadge(m.status) },
      { label: 'Parts', cell: (m) => formatNumber(m.parts) },
      { label: 'Text', class: 'text-cell', cell: (m) => m.text },
    ], items, { rowProps: (m) => ({ dataset: { messageId: m.id } }) }));
    newer.disabled = cursors.length <= 1;
    older.disabled = !nextCursor;
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
  let stopped = false;
  const stopEvents = watchEvents(LIVE_EVENTS, () => {
    if (!stopped) load();
  });
  load();
  return () => {
    stopped = true;
    stopEvents();
  };
}

// ---- One message -------------------------------------------------------------------

// TP-Status of a status report (3GPP TS 23.040 9.2.3.15) in words.
function reportWords(status) {
  if (typeof status !== 'number') return '—';
  let words = 'failed';
  if (status <= 0x02) words = 'delivered';
  else if (status < 0x20) words = 'completed';
  else if (status < 0x40) words = 'still trying';
  return `${words} (status ${status})`;
}

function fact(label, value) {
  return value === undefined || value === null || value === '' ? null : [h('dt', {}, label), h('dd', {}, value)];
}

function renderOne(region, id, session) {
  const body = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const actionResult = h('p', { class: 'status', role: 'status', id: 'message-action-result' });
  const actionError = h('p', { class: 'error', role: 'alert', id: 'message-action-error' });
  region.append(h('p', {}, h('a', { href: '#/messages' }, 'All messages')), actionError, actionResult, body);
  let timer = null;
  let stopped = false;
  // Resend pressed twice on this page makes one new message. (getRandomValues, as
  // randomUUID needs HTTPS and the console is often served over plain HTTP on a LAN.)
  const nonce = Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(16)).join('');
  const resendKey = `console-resend-${id}-${nonce}`;

  async function cancel() {
    const ok = await confirmAction({
      title: 'Cancel this message?', text: `Message ${id} will not be sent. This cannot be undone.`,
      confirm: 'Cancel message', danger: true,
    });
    if (!ok) return;
    actionError.textContent = '';
    try {
      await api('DELETE', `api/v1/messages/${id}`);
      actionResult.textContent = 'The message is cancelled.';
    } catch (error) {
      actionError.textContent = `Could not cancel: ${error.message}`;
    }
    load();
  }

  async function resend() {
    actionError.textContent = '';
    actionResult.replaceChildren();
    try {
      const copy = await api('POST', `api/v1/messages/${id}/resend`, {}, { headers: { 'Idempotency-Key': resendKey } });
      actionResult.replaceChildren('Sent again as ',
        h('a', { href: `#/messages/${copy.id}` }, `message ${copy.id}`), ` (${copy.status}).`);
      actionResult.querySelector('a').focus();
    } catch (error) {
      actionError.textContent = `Could not resend: ${error.message}`;
    }
  }

  async function load() {
    clearTimeout(timer);
    // Redrawing would take away the button an open confirmation returns focus to.
    if (document.querySelector('dialog[open]')) {
      timer = setTimeout(load, DETAIL_REFRESH_MS);
      return;
    }
    let m;
    try {
      m = await api('GET', `api/v1/messages/${id}`);
    } catch (error) {
      if (!stopped) body.replaceChildren(error.status === 404 ? h('p', { class: 'error', role: 'alert' },
        `There is no message ${id}.`) : unavailable(error, 'this message'));
      return;
    }
    if (stopped) return;
    const canCancel = session.can('send') && (m.status === 'queued' || m.status === 'scheduled');
    // A one-time password's code is not kept: it is never sent again.
    const canResend = session.can('send') && RESENDABLE.includes(m.status) && m.category !== 'otp';
    const hadFocus = body.contains(document.activeElement) ? document.activeElement.textContent : null;
    body.replaceChildren(
      h('section', { class: 'card', 'aria-labelledby': 'message-summary' },
        h('h2', { id: 'message-summary' }, 'Summary'),
        h('dl', { class: 'facts' },
          fact('To', m.to),
          fact('Status', h('span', { id: 'message-status' }, statusBadge(m.status))),
          fact('Failure reason', m.failure_reason),
          fact('Category', m.category),
          fact('Created', timeElement(m.created_at)),
          fact('Scheduled for', m.send_at ? timeElement(m.send_at) : null),
          fact('Sent', m.sent_at ? timeElement(m.sent_at) : null),
          fact('Expires', m.expires_at ? timeElement(m.expires_at) : null),
          fact('Parts', `${formatNumber(m.parts)} (${m.encoding})`),
          fact('Attempts', formatNumber(m.attempts)),
          fact('Modem', m.sent_by),
          fact('Delivery report', m.status_report ? 'requested' : 'not requested'),
          fact('Your reference', m.external_id),
          fact('Sent again from', m.resent_from ? h('a', { href: `#/messages/${m.resent_from}` },
            `message ${m.resent_from}`) : null)),
        h('p', { class: 'message-text' }, m.text),
        canCancel || canResend ? h('div', { class: 'actions start' },
          canCancel ? h('button', { type: 'button', class: 'danger', onclick: cancel }, 'Cancel') : null,
          canResend ? h('button', { type: 'button', class: 'primary', onclick: resend }, 'Resend') : null) : null),
      h('section', { 'aria-labelledby': 'message-parts' }, h('h2', { id: 'message-parts' }, 'Parts'),
        h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'message-parts', tabindex: '0' },
          dataTable('Parts', [
            { label: 'Part', header: true, cell: (p) => formatNumber(p.number) },
            { label: 'Status', cell: (p) => p.status },
            { label: 'Modem', cell: (p) => p.modem || '—' },
            { label: 'Reference', cell: (p) => (p.reference ?? '—') },
            { label: 'Submitted', cell: (p) => timeElement(p.submitted_at) },
            { label: 'Sent', cell: (p) => timeElement(p.sent_at) },
            { label: 'Delivered', cell: (p) => timeElement(p.delivered_at) },
            { label: 'Delivery report', cell: (p) => reportWords(p.report_status) },
            { label: 'Failure', cell: (p) => p.failure_reason || '—' },
          ], m.part_status || []))),
      m.superseded_parts?.length ? h('section', { 'aria-labelledby': 'message-superseded' },
        h('h2', { id: 'message-superseded' }, 'Sent before it moved to another modem'),
        h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'message-superseded', tabindex: '0' },
          dataTable('Parts sent before it moved', [
            { label: 'Part', header: true, cell: (p) => formatNumber(p.number) },
            { label: 'Modem', cell: (p) => p.modem },
            { label: 'Reference', cell: (p) => (p.reference ?? '—') },
            { label: 'Sent', cell: (p) => timeElement(p.sent_at) },
            { label: 'Superseded', cell: (p) => timeElement(p.superseded_at) },
          ], m.superseded_parts))) : null,
      h('section', { 'aria-labelledby': 'message-history' }, h('h2', { id: 'message-history' }, 'History'),
        h('ol', { class: 'history' }, (m.history || []).map((entry) => h('li', {},
          timeElement(entry.at), ' ', statusBadge(entry.status), entry.reason ? ` ${entry.reason}` : '')))));
    if (hadFocus) [...body.querySelectorAll('button')].find((b) => b.textContent === hadFocus)?.focus();
    if (!FINAL.includes(m.status)) timer = setTimeout(load, DETAIL_REFRESH_MS);
  }
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
