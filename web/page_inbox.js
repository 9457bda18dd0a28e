// Inbox: conversations by number, newest first, with unread marks; one number's
// thread (#/inbox/{number}) with each reply under the message it answers (and its
// feedback rating), and a box to answer that number. Opening a thread marks its texts
// read; both views follow the event stream, so a reply shows up without a reload.

import { api, query, watchEvents } from './api.js';
import { formatNumber, h, statusBadge, timeElement, unavailable } from './ui.js';

const LIST_SIZE = 50;
const THREAD_SIZE = 50;
const LIVE_EVENTS = ['inbound.received', 'message.sent', 'message.delivered', 'message.failed'];

export function title(params) {
  return params.length ? `Conversation with ${params[0]}` : 'Inbox';
}

export function render(region, params, session) {
  if (!session.can('inbox')) {
    region.append(h('p', { class: 'notice' }, 'Your role may not read the inbox.'));
    return undefined;
  }
  return params.length ? renderThread(region, params[0], session) : renderList(region);
}

// ---- Conversations -------------------------------------------------------------------

function conversationItem(c) {
  return h('li', { class: c.unread ? 'unread' : '', dataset: { number: c.number } },
    h('a', { href: `#/inbox/${encodeURIComponent(c.number)}` },
      h('span', { class: 'conv-number' }, c.number),
      c.unread ? h('span', { class: 'badge badge-unread' }, `${formatNumber(c.unread)} unread`) : null),
    h('p', { class: 'conv-last' }, c.last_direction === 'out' ? 'You: ' : '', c.last_text || ''),
    h('p', { class: 'hint' }, timeElement(c.last_at)));
}

function renderList(region) {
  const searchInput = h('input', { type: 'search', id: 'inbox-search', 'aria-describedby': 'inbox-search-hint' });
  const form = h('form', { role: 'search', 'aria-label': 'Search conversations', class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'inbox-search' }, 'Search conversations'), searchInput,
      h('p', { class: 'hint', id: 'inbox-search-hint' }, 'Digits of the number, or words of the last text.')),
    h('button', { type: 'submit' }, 'Search'));
  const list = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  region.append(form, list, more);
  let cursor = '';
  let shown = [];
  let stopped = false;

  async function load(append) {
    const needle = searchInput.value.trim();
    let page;
    try {
      page = await api('GET', `api/v1/conversations${query({ limit: LIST_SIZE, cursor: append ? cursor : '', q: needle })}`);
    } catch (error) {
      if (!stopped) list.replaceChildren(unavailable(error, 'the conversations'));
      return;
    }
    if (stopped) return;
    shown = append ? [...shown, ...(page.items || [])] : (page.items || []);
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
    list.replaceChildren(shown.length
      ? h('ul', { class: 'conversations', 'aria-label': 'Conversations, newest first' }, shown.map(conversationItem))
      : h('p', {}, needle ? 'No conversation matches.' : 'No messages yet.'));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load(false);
  });
  more.addEventListener('click', () => load(true));
  // A new text moves its conversation to the top: the first page again, as it is now.
  const stopEvents = watchEvents(LIVE_EVENTS, () => load(false));
  load(false);
  return () => {
    stopped = true;
    stopEvents();
  };
}

// ---- One thread ----------------------------------------------------------------------

const when = (item) => (item.direction === 'in' ? item.received_at : item.created_at);

function bubble(item, replies) {
  const inbound = item.direction === 'in';
  return h('li', { class: `bubble ${inbound ? 'in' : 'out'}`, dataset: { direction: item.direction, id: item.id } },
    h('p', { class: 'bubble-meta' }, inbound ? 'Received ' : 'Sent ', timeElement(when(item)),
      inbound ? null : [' ', h('a', { href: `#/messages/${item.id}`, 'aria-label': `Message ${item.id}: ${item.status}` },
        statusBadge(item.status)), item.category === 'transactional' ? null : ` · ${item.category}`]),
    h('p', { class: 'bubble-text' }, item.text),
    inbound && typeof item.rating === 'number'
      ? h('p', { class: 'rating' }, `Rating: ${formatNumber(item.rating)} of 10`) : null,
    replies.length ? h('ul', { class: 'replies', 'aria-label': `Replies to message ${item.id}` },
      replies.map((reply) => bubble(reply, []))) : null);
}

// Each reply goes under the message it answers when that message is shown too.
function threadList(number, items) {
  const outIds = new Set(items.filter((i) => i.direction === 'out').map((i) => i.id));
  const answers = (item) => (item.direction === 'in' && item.in_reply_to && outIds.has(item.in_reply_to.id)
    ? item.in_reply_to.id : null);
  const repliesTo = new Map();
  // Replies oldest first under their message, as they came.
  for (const item of [...items].reverse()) {
    const answered = answers(item);
    if (answered) repliesTo.set(answered, [...(repliesTo.get(answered) || []), item]);
  }
  const top = items.filter((item) => !answers(item));
  return h('ol', { class: 'thread', 'aria-label': `Messages with ${number}, newest first` },
    top.map((item) => bubble(item, item.direction === 'out' ? (repliesTo.get(item.id) || []) : [])));
}

function renderThread(region, number, session) {
  const thread = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const older = h('button', { type: 'button', hidden: true }, 'Show older messages');
  const reply = h('textarea', { id: 'reply-text', rows: '3', 'aria-describedby': 'reply-error' });
  const error = h('p', { class: 'error', role: 'alert', id: 'reply-error' });
  const status = h('p', { class: 'status', role: 'status', id: 'reply-status' });
  const form = h('form', { class: 'card', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'reply-text' }, `Reply to ${number}`), reply),
    error, h('button', { type: 'submit', class: 'primary' }, 'Send reply'), status);
  region.append(h('p', {}, h('a', { href: '#/inbox' }, 'All conversations')),
    session.can('send') ? form : null, thread, older);
  const path = `api/v1/conversations/${encodeURIComponent(number)}`;
  let items = [];
  let cursor = '';
  let stopped = false;

  async function load(append = false) {
    let page;
    try {
      // Newer texts than those shown: the first pages again, as many as were shown.
      page = await api('GET', `${path}${query({ limit: append ? THREAD_SIZE : Math.max(THREAD_SIZE, items.length), cursor: append ? cursor : '' })}`);
    } catch (failure) {
      if (!stopped) thread.replaceChildren(unavailable(failure, 'this conversation'));
      return;
    }
    if (stopped) return;
    items = append ? [...items, ...(page.items || [])] : (page.items || []);
    cursor = page.next_cursor || '';
    older.hidden = !cursor;
    thread.replaceChildren(items.length ? threadList(number, items) : h('p', {}, 'Nothing with this number yet.'));
    // Shown to a person: read. A failure here leaves them unread, which is no harm.
    if (items.some((item) => item.direction === 'in')) {
      api('POST', `${path}/read`, {}).catch(() => {});
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    status.replaceChildren();
    reply.removeAttribute('aria-invalid');
    if (!reply.value.trim()) {
      error.textContent = 'Write the reply first.';
      reply.setAttribute('aria-invalid', 'true');
      reply.focus();
      return;
    }
    try {
      const sent = await api('POST', 'api/v1/messages', { to: number, text: reply.value, status_report: true });
      status.replaceChildren('Reply accepted as ', h('a', { href: `#/messages/${sent.id}` }, `message ${sent.id}`), '.');
      reply.value = '';
      load();
    } catch (failure) {
      error.textContent = failure.message;
      reply.setAttribute('aria-invalid', 'true');
    }
  });
  older.addEventListener('click', () => load(true));
  const stopEvents = watchEvents(LIVE_EVENTS, () => load());
  load();
  return () => {
    stopped = true;
    stopEvents();
  };
}
