// Inbox: conversations by number, newest first, with unread marks; one number's
// thread (#/inbox/{number}) with each reply under the message it answers (and its
// feedback rating), and a box to answer that number. A gateway without
// /api/v1/conversations gets the same views made from /inbound and /messages.

import { api, query } from './api.js';
import { formatNumber, h, statusBadge, timeElement, unavailable } from './ui.js';

const LIST_SIZE = 50;

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

async function conversationsFromInbound() {
  const inbound = await api('GET', `api/v1/inbound${query({ limit: 200 })}`);
  const byNumber = new Map();
  for (const item of inbound.items || []) {
    if (!byNumber.has(item.from)) {
      byNumber.set(item.from, { number: item.from, last_at: item.received_at, last_text: item.text,
        last_direction: 'in' });
    }
  }
  return { items: [...byNumber.values()], fallback: true };
}

function renderList(region) {
  const searchInput = h('input', { type: 'search', id: 'inbox-search' });
  const form = h('form', { role: 'search', 'aria-label': 'Search conversations', class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'inbox-search' }, 'Search conversations'), searchInput),
    h('button', { type: 'submit' }, 'Search'));
  const note = h('p', { class: 'hint', role: 'status' });
  const list = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  region.append(form, note, list, more);
  let cursor = '';
  let shown = [];

  async function load(append) {
    let page;
    try {
      page = await api('GET', `api/v1/conversations${query({ limit: LIST_SIZE, cursor: append ? cursor : '', q: searchInput.value.trim() })}`);
    } catch (error) {
      if (!error.notProvided) {
        list.replaceChildren(unavailable(error, 'the conversations'));
        return;
      }
      try {
        page = await conversationsFromInbound();
      } catch (inner) {
        list.replaceChildren(unavailable(inner, 'the received messages'));
        return;
      }
    }
    const needle = searchInput.value.trim().toLowerCase();
    const items = (page.items || []).filter((c) => !page.fallback || !needle
      || `${c.number} ${c.last_text}`.toLowerCase().includes(needle));
    shown = append ? [...shown, ...items] : items;
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
    note.textContent = page.fallback
      ? 'This gateway does not keep conversations yet: these are the numbers that wrote in, newest first.' : '';
    if (!shown.length) {
      list.replaceChildren(h('p', {}, needle ? 'No conversation matches.' : 'No messages received yet.'));
      return;
    }
    list.replaceChildren(h('ul', { class: 'conversations' }, shown.map((c) => h('li',
      { class: c.unread ? 'unread' : '' },
      h('a', { href: `#/inbox/${encodeURIComponent(c.number)}` },
        h('span', { class: 'conv-number' }, c.number),
        c.unread ? h('span', { class: 'badge badge-unread' }, `${formatNumber(c.unread)} unread`) : null),
      h('p', { class: 'conv-last' }, c.last_direction === 'out' ? 'You: ' : '', c.last_text || ''),
      h('p', { class: 'hint' }, timeElement(c.last_at))))));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load(false);
  });
  more.addEventListener('click', () => load(true));
  load(false);
  return undefined;
}

// ---- One thread ----------------------------------------------------------------------

async function threadFromLists(number) {
  const [inbound, outbound] = await Promise.all([
    api('GET', `api/v1/inbound${query({ from: number, limit: 100 })}`),
    api('GET', `api/v1/messages${query({ to: number, limit: 100 })}`).catch(() => ({ items: [] })),
  ]);
  const items = [
    ...(inbound.items || []).map((m) => ({ ...m, direction: 'in' })),
    ...(outbound.items || []).map((m) => ({ ...m, direction: 'out' })),
  ];
  return { items, fallback: true };
}

const when = (item) => item.received_at || item.sent_at || item.created_at;

function ratingWords(rating) {
  return `Rating: ${rating} of 5`;
}

function bubble(item, replies) {
  const inbound = item.direction === 'in';
  return h('li', { class: `bubble ${inbound ? 'in' : 'out'}` },
    h('p', { class: 'bubble-meta' }, inbound ? 'Received ' : 'Sent ', timeElement(when(item)),
      inbound ? null : [' ', h('a', { href: `#/messages/${item.id}` }, statusBadge(item.status))]),
    h('p', { class: 'bubble-text' }, item.text),
    inbound && typeof item.rating === 'number' ? h('p', { class: 'rating' }, ratingWords(item.rating)) : null,
    replies.length ? h('ul', { class: 'replies', 'aria-label': 'Replies to this message' },
      replies.map((reply) => bubble(reply, []))) : null);
}

function renderThread(region, number, session) {
  const thread = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const note = h('p', { class: 'hint' });
  const reply = h('textarea', { id: 'reply-text', rows: '3', 'aria-describedby': 'reply-error' });
  const error = h('p', { class: 'error', role: 'alert', id: 'reply-error' });
  const status = h('p', { class: 'status', role: 'status' });
  const form = h('form', { class: 'card', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'reply-text' }, `Reply to ${number}`), reply),
    error, h('button', { type: 'submit', class: 'primary' }, 'Send reply'), status);
  region.append(h('p', {}, h('a', { href: '#/inbox' }, 'All conversations')), note,
    session.can('send') ? form : null, thread);

  async function load() {
    let page;
    try {
      page = await api('GET', `api/v1/conversations/${encodeURIComponent(number)}`);
      api('POST', `api/v1/conversations/${encodeURIComponent(number)}/read`, {}).catch(() => {});
    } catch (failure) {
      if (!failure.notProvided) {
        thread.replaceChildren(unavailable(failure, 'this conversation'));
        return;
      }
      try {
        page = await threadFromLists(number);
      } catch (inner) {
        thread.replaceChildren(unavailable(inner, 'this conversation'));
        return;
      }
    }
    note.textContent = page.fallback ? 'This gateway does not keep conversations yet: shown from the received and sent lists.' : '';
    const items = [...(page.items || [])].sort((a, b) => new Date(when(b)) - new Date(when(a)));
    const outIds = new Set(items.filter((i) => i.direction === 'out').map((i) => i.id));
    const repliesTo = new Map();
    for (const item of items) {
      const answered = item.direction === 'in' && item.in_reply_to && outIds.has(item.in_reply_to.id)
        ? item.in_reply_to.id : null;
      if (answered) repliesTo.set(answered, [...(repliesTo.get(answered) || []), item]);
    }
    const top = items.filter((i) => !(i.direction === 'in' && i.in_reply_to && outIds.has(i.in_reply_to.id)));
    thread.replaceChildren(top.length
      ? h('ol', { class: 'thread', 'aria-label': `Messages with ${number}, newest first` },
        top.map((item) => bubble(item, item.direction === 'out' ? (repliesTo.get(item.id) || []) : [])))
      : h('p', {}, 'Nothing with this number yet.'));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    status.textContent = '';
    reply.removeAttribute('aria-invalid');
    if (!reply.value.trim()) {
      error.textContent = 'Write the reply first.';
      reply.setAttribute('aria-invalid', 'true');
      reply.focus();
      return;
    }
    try {
      const sent = await api('POST', 'api/v1/messages', { to: number, text: reply.value });
      status.textContent = `Reply accepted as message ${sent.id}.`;
      reply.value = '';
      load();
    } catch (failure) {
      error.textContent = failure.message;
      reply.setAttribute('aria-invalid', 'true');
    }
  });
  load();
  return undefined;
}
