// Dashboard: each modem as a card, the queue by status, and the last 24 hours as a
// chart with its table. Kept current without a reload: Server-Sent Events from
// /api/v1/events when the gateway has them, else a look every 10 seconds.

import { api } from './api.js';
import {
  MESSAGE_STATUSES, dataTable, formatHour, formatNumber, formatTime, h, hourChart, signalBars,
  unavailable,
} from './ui.js';

const POLL_MS = 10_000;

export function title() {
  return 'Dashboard';
}

// Older gateways have no per-modem detail; asked once per page, not per refresh.
let modemDetailProvided = true;

async function modemDetails(list) {
  if (!modemDetailProvided) return list;
  return Promise.all(list.map(async (modem) => {
    try {
      return { ...modem, ...(await api('GET', `api/v1/modems/${encodeURIComponent(modem.id)}`)) };
    } catch (error) {
      if (error.notProvided) modemDetailProvided = false;
      return modem;
    }
  }));
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value ?? '—')];
}

export function stateWords(modem) {
  if (modem.state === 'absent') return 'not plugged in';
  return modem.state || 'unknown';
}

export function registrationWords(modem) {
  if (modem.registration) return modem.registration;
  if (typeof modem.registered === 'boolean') return modem.registered ? 'registered' : 'not registered';
  return null;
}

function modemCard(modem) {
  const name = [modem.manufacturer, modem.model].filter(Boolean).join(' ') || 'Modem';
  const limit = typeof modem.daily_limit === 'number' && modem.daily_limit > 0
    ? `${formatNumber(modem.sent_today ?? 0)} of ${formatNumber(modem.daily_limit)}`
    : (typeof modem.sent_today === 'number' ? `${formatNumber(modem.sent_today)} (no daily limit)` : null);
  const storage = modem.storage && typeof modem.storage.total === 'number'
    ? `${formatNumber(modem.storage.used)} of ${formatNumber(modem.storage.total)} used` : null;
  return h('li', { class: `card modem-card state-${modem.state}` },
    h('h3', {}, name, h('span', { class: 'hint' }, ` · IMEI ${modem.imei || modem.id}`)),
    h('dl', { class: 'facts' },
      fact('State', h('span', { class: `state state-${modem.state}` }, stateWords(modem),
        modem.sending_enabled === false ? ' (sending disabled)' : '')),
      fact('Operator', modem.operator || null),
      fact('Signal', modem.state === 'absent' ? null : signalBars(modem.signal_dbm)),
      fact('Registration', registrationWords(modem)),
      fact('Sent today', limit),
      fact('SIM storage', storage),
      fact('Last error', modem.last_error || modem.detail || 'none')));
}

// Without /api/v1/stats, what waits is counted from the message list, up to a page.
const WAITING = ['queued', 'scheduled', 'sending'];
const COUNT_LIMIT = 200;

async function countedQueue() {
  const counts = await Promise.all(WAITING.map(async (status) => {
    const page = await api('GET', `api/v1/messages?status=${status}&limit=${COUNT_LIMIT}`);
    return [status, (page.items || []).length, Boolean(page.next_cursor)];
  }));
  return h('div', {},
    h('p', { class: 'notice' }, 'This gateway does not provide statistics yet: what waits is counted from the message list.'),
    h('ul', { class: 'tiles' }, counts.map(([status, count, more]) => h('li', { class: 'tile' },
      h('a', { href: `#/messages?status=${status}`, class: 'tile-link', 'data-status': status },
        h('span', { class: 'tile-number' }, more ? `${formatNumber(count)}+` : formatNumber(count)),
        h('span', { class: 'tile-label' }, status))))));
}

function queueSection(stats) {
  const queue = stats.queue || {};
  return h('ul', { class: 'tiles' }, MESSAGE_STATUSES.map((status) => h('li', { class: 'tile' },
    h('a', { href: `#/messages?status=${status}`, class: 'tile-link', 'data-status': status },
      h('span', { class: 'tile-number' }, formatNumber(queue[status] ?? 0)),
      h('span', { class: 'tile-label' }, status)))));
}

function daySection(stats) {
  const day = stats.last_24h || { hours: [] };
  const hours = day.hours || [];
  const summary = h('p', {}, `Last 24 hours: ${formatNumber(day.sent ?? 0)} sent, `
    + `${formatNumber(day.delivered ?? 0)} delivered, ${formatNumber(day.failed ?? 0)} failed.`);
  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'key bar-delivered' }), ' delivered ',
    h('span', { class: 'key bar-sent' }), ' sent, no report yet ',
    h('span', { class: 'key bar-failed' }), ' failed');
  const table = dataTable('Messages per hour, last 24 hours', [
    { label: 'Hour from', header: true, cell: (hour) => formatHour(hour.start) },
    { label: 'Sent', cell: (hour) => formatNumber(hour.sent) },
    { label: 'Delivered', cell: (hour) => formatNumber(hour.delivered) },
    { label: 'Failed', cell: (hour) => formatNumber(hour.failed) },
  ], hours);
  return [summary, h('figure', { class: 'chart-figure' }, hourChart(hours), legend),
    h('details', {}, h('summary', {}, 'Show the numbers per hour'),
      h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Messages per hour', tabindex: '0' }, table))];
}

export function render(region, _params, session) {
  const modemsBody = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const queueBody = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const dayBody = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const live = h('p', { class: 'hint', role: 'status', id: 'live-status' });
  region.append(live,
    h('section', { 'aria-labelledby': 'dash-modems' }, h('h2', { id: 'dash-modems' }, 'Modems'), modemsBody),
    h('section', { 'aria-labelledby': 'dash-queue' }, h('h2', { id: 'dash-queue' }, 'Queue'), queueBody),
    h('section', { 'aria-labelledby': 'dash-day' }, h('h2', { id: 'dash-day' }, 'Last 24 hours'), dayBody));

  let stopped = false;
  let mode = 'polling';
  let updatedAt = null;
  const sayLive = () => {
    const when = updatedAt ? ` Updated ${formatTime(updatedAt.toISOString())}.` : '';
    live.textContent = (mode === 'live' ? 'Live: updates as things happen.' : 'Updates every 10 seconds.') + when;
  };

  async function refresh() {
    const [modemList, stats] = await Promise.allSettled([
      session.can('modems.view') ? api('GET', 'api/v1/modems').then((r) => modemDetails(r.items || []))
        : Promise.resolve(null),
      api('GET', 'api/v1/stats'),
    ]);
    if (stopped) return;
    if (modemList.status === 'fulfilled') {
      const list = modemList.value;
      if (list === null) modemsBody.replaceChildren(h('p', { class: 'notice' }, 'Your role does not show modems.'));
      else if (!list.length) modemsBody.replaceChildren(h('p', {}, 'No modem has been seen yet. Plug one in.'));
      else modemsBody.replaceChildren(h('ul', { class: 'cards' }, list.map(modemCard)));
    } else {
      modemsBody.replaceChildren(unavailable(modemList.reason, 'the modems'));
    }
    if (stats.status === 'fulfilled') {
      queueBody.replaceChildren(queueSection(stats.value));
      dayBody.replaceChildren(...daySection(stats.value));
    } else {
      dayBody.replaceChildren(unavailable(stats.reason, 'statistics'));
      let counted = unavailable(stats.reason, 'statistics');
      if (stats.reason.notProvided && session.can('read')) {
        try {
          counted = await countedQueue();
        } catch (error) {
          counted = unavailable(error, 'the queue');
        }
      }
      if (stopped) return;
      queueBody.replaceChildren(counted);
    }
    updatedAt = new Date();
    sayLive();
  }

  let timer = null;
  let pending = null;
  const poll = () => {
    mode = 'polling';
    sayLive();
    clearInterval(timer);
    timer = setInterval(refresh, POLL_MS);
  };
  // Several events in a burst make one refresh.
  const soon = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh(); }, 500);
  };

  let events = null;
  if ('EventSource' in window) {
    events = new EventSource('api/v1/events');
    // The stream tells of sends, reports, replies and modems, not of new submissions:
    // the look every 10 seconds goes on beside it for those.
    events.onopen = () => { mode = 'live'; sayLive(); };
    events.onmessage = soon;
    for (const name of ['message.sending', 'message.sent', 'message.delivered', 'message.failed',
      'message.expired', 'message.cancelled', 'inbound.received', 'modem.online', 'modem.offline',
      'modem.storage_full', 'modem.state']) {
      events.addEventListener(name, soon);
    }
    events.onerror = () => {
      // A gateway without the stream answers 404 and the browser gives up: poll instead.
      // While the browser reconnects by itself, polling fills the gap.
      if (mode !== 'polling' || events.readyState === EventSource.CLOSED) poll();
    };
  }
  poll();
  refresh();
  return () => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(pending);
    if (events) events.close();
  };
}
