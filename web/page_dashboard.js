// Dashboard: what the health check finds wrong as a banner above all, each modem as a
// card (its SIM balance too), the modem alarms raised and not cleared, the queue by
// status, and the last 24 hours as a chart with its table. Kept current without a
// reload: the gateway's event stream (/api/v1/events) and, beside it, a look every 10
// seconds (the stream tells of sends and replies, not of new submissions).

import { ApiError, api, watchEvents } from './api.js';
import {
  MESSAGE_STATUSES, dataTable, formatHour, formatNumber, formatTime, h, hourChart, signalBars,
  timeElement, unavailable,
} from './ui.js';

const POLL_MS = 10_000;
const LIVE_EVENTS = ['message.sending', 'message.sent', 'message.delivered', 'message.failed',
  'message.expired', 'message.cancelled', 'modem.online', 'modem.offline', 'modem.storage_full',
  'modem.state', 'modem.alarm'];

export function title() {
  return 'Dashboard';
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value ?? '—')];
}

export function modemName(modem) {
  return [modem.manufacturer, modem.model].filter(Boolean).join(' ') || 'Modem';
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

export function storageWords(modem) {
  const storage = modem.storage;
  if (!storage || typeof storage.total !== 'number') return null;
  const where = { SM: 'SIM', ME: 'modem' }[storage.memory] || storage.memory;
  return `${formatNumber(storage.used)} of ${formatNumber(storage.total)} used (${where})`;
}

export function sentTodayWords(modem) {
  if (typeof modem.sent_today !== 'number') return null;
  return typeof modem.daily_limit === 'number'
    ? `${formatNumber(modem.sent_today)} of ${formatNumber(modem.daily_limit)}`
    : `${formatNumber(modem.sent_today)} (no daily limit)`;
}

// The last balance check ({amount, currency, text, checked_at}): the amount with its
// currency, or the network's words when they held no amount; and when it was read.
export function balanceWords(modem) {
  const balance = modem.balance;
  if (!balance) return null;
  const amount = typeof balance.amount === 'number'
    ? [balance.currency === '$' ? '$' : '', balance.amount.toLocaleString(undefined, {
      // Cents as operators write them, but not on large whole amounts (Rp 12.500).
      minimumFractionDigits: Number.isInteger(balance.amount) && Math.abs(balance.amount) >= 100 ? 0 : 2,
      maximumFractionDigits: 2,
    }), balance.currency && balance.currency !== '$' ? ` ${balance.currency}` : ''].join('')
    : `“${balance.text}”`;
  return h('span', { class: 'balance' }, amount, ' (', timeElement(balance.checked_at), ')');
}

// The modem's last trouble ({reason, at}) and when it was.
export function lastErrorWords(modem) {
  const last = modem.last_error;
  if (!last) return 'none';
  return [last.reason, ' (', timeElement(last.at), ')'];
}

// What the health check (GET /api/v1/health) finds wrong, in words, none when all is
// well: its warnings (such as an API served without TLS beyond loopback), a store that
// cannot write, and modems that are not ready.
export function healthProblems(health) {
  if (!health || typeof health !== 'object') return [];
  const problems = Array.isArray(health.warnings) ? health.warnings.map(String) : [];
  if (health.store && health.store !== 'ok') {
    problems.push(`The database cannot store messages (${health.store}): new messages are refused until it can.`);
  }
  const modems = health.modems || {};
  if (typeof modems.total === 'number' && modems.total > 0 && modems.ready < modems.total) {
    const ready = `${formatNumber(modems.ready)} of ${formatNumber(modems.total)} modems ready`;
    problems.push(modems.ready > 0 ? `${ready}.` : `${ready}: nothing can be sent until one is.`);
  }
  return problems;
}

// 503 is the health check's answer when something is wrong, with the same body.
async function readHealth() {
  try {
    return await api('GET', 'api/v1/health');
  } catch (error) {
    if (error instanceof ApiError && error.status === 503 && error.body) return error.body;
    throw error;
  }
}

function showHealth(banner, list, problems) {
  list.replaceChildren(...problems.map((problem) => h('li', {}, problem)));
  banner.hidden = problems.length === 0;
}

function modemCard(modem) {
  return h('li', { class: `card modem-card state-${modem.state}`, dataset: { modemId: modem.id } },
    h('h3', {}, modemName(modem), h('span', { class: 'hint' }, ` · IMEI ${modem.imei || modem.id}`)),
    h('dl', { class: 'facts' },
      fact('State', h('span', { class: `state state-${modem.state}` }, stateWords(modem),
        modem.sending_enabled === false ? ' (sending disabled)' : '')),
      fact('Operator', modem.operator || null),
      fact('Signal', modem.state === 'absent' ? null : signalBars(modem.signal_dbm)),
      fact('Registration', registrationWords(modem)),
      fact('Sent today', sentTodayWords(modem)),
      fact('SIM storage', storageWords(modem)),
      fact('Balance', balanceWords(modem)),
      fact('Last error', lastErrorWords(modem))));
}

const ALARM_WORDS = {
  low_balance: 'Low balance', sim_expiring: 'SIM expiring', offline: 'Offline', storage_full: 'SIM storage full',
};

// The modem alarms raised and not cleared (GET /api/v1/alarms) as a list in `body`;
// the function it returns reads them again (the page calls it on each modem.alarm
// event, raised or cleared, and every 10 seconds).
function alarmsPanel(body, session) {
  if (!session.can('modems.view')) {
    body.replaceChildren(h('p', { class: 'notice' }, 'Your role does not show modem alarms.'));
    return async () => {};
  }
  return async function load() {
    let answer;
    try {
      answer = await api('GET', 'api/v1/alarms');
    } catch (error) {
      body.replaceChildren(unavailable(error, 'the alarms'));
      return;
    }
    const items = answer.items || [];
    if (!items.length) {
      body.replaceChildren(h('p', { class: 'alarms-none' }, 'No alarms.'));
      return;
    }
    body.replaceChildren(h('ul', { class: 'alarm-list' }, items.map((alarm) => h('li', {
      class: `alarm alarm-${alarm.kind}`, dataset: { modemId: alarm.modem, kind: alarm.kind },
    }, h('strong', {}, ALARM_WORDS[alarm.kind] || alarm.kind), ` · modem ${alarm.modem}: ${alarm.detail} (since `,
    timeElement(alarm.raised_at), ')'))));
  };
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
  // The chart's ends, so that a bar can be placed in the day; the table has every hour.
  const ends = hours.length ? h('p', { class: 'chart-ends', 'aria-hidden': 'true' },
    h('span', {}, formatHour(hours[0].start)), h('span', {}, 'now')) : null;
  return [summary, h('figure', { class: 'chart-figure' }, hourChart(hours), ends, legend),
    h('details', {}, h('summary', {}, 'Show the numbers per hour'),
      h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Messages per hour', tabindex: '0' }, table))];
}

export function render(region, _params, session) {
  const modemsBody = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const queueBody = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const dayBody = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  const alarmsBody = h('div', { id: 'dash-alarms-body' }, h('p', { class: 'hint' }, 'Loading…'));
  const liveStatus = h('p', { class: 'hint', role: 'status', id: 'live-status' });
  const healthList = h('ul', {});
  const healthBanner = h('section', { class: 'health-banner', 'aria-labelledby': 'dash-health', hidden: true },
    h('h2', { id: 'dash-health' }, 'Needs attention'), healthList);
  region.append(healthBanner, liveStatus,
    h('section', { 'aria-labelledby': 'dash-modems' }, h('h2', { id: 'dash-modems' }, 'Modems'), modemsBody),
    h('section', { 'aria-labelledby': 'dash-alarms' }, h('h2', { id: 'dash-alarms' }, 'Alarms'), alarmsBody),
    h('section', { 'aria-labelledby': 'dash-queue' }, h('h2', { id: 'dash-queue' }, 'Queue'), queueBody),
    h('section', { 'aria-labelledby': 'dash-day' }, h('h2', { id: 'dash-day' }, 'Last 24 hours'), dayBody));

  let stopped = false;
  let live = false;
  let updatedAt = null;
  const sayLive = () => {
    const when = updatedAt ? ` Updated ${formatTime(updatedAt.toISOString())}.` : '';
    liveStatus.textContent = (live ? 'Live: updates as things happen.' : 'Updates every 10 seconds.') + when;
  };

  const loadAlarms = alarmsPanel(alarmsBody, session);
  async function refresh() {
    if (!stopped) loadAlarms();
    const [modemList, stats, health] = await Promise.allSettled([
      session.can('modems.view') ? api('GET', 'api/v1/modems') : Promise.resolve(null),
      api('GET', 'api/v1/stats'),
      readHealth(),
    ]);
    if (stopped) return;
    // A health check that cannot be read leaves the banner as it was: the sections
    // below say when the gateway cannot be reached.
    if (health.status === 'fulfilled') showHealth(healthBanner, healthList, healthProblems(health.value));
    if (modemList.status === 'fulfilled') {
      const list = modemList.value?.items;
      if (!list) modemsBody.replaceChildren(h('p', { class: 'notice' }, 'Your role does not show modems.'));
      else if (!list.length) modemsBody.replaceChildren(h('p', {}, 'No modem has been seen yet. Plug one in.'));
      else modemsBody.replaceChildren(h('ul', { class: 'cards' }, list.map(modemCard)));
    } else {
      modemsBody.replaceChildren(unavailable(modemList.reason, 'the modems'));
    }
    if (stats.status === 'fulfilled') {
      queueBody.replaceChildren(queueSection(stats.value));
      dayBody.replaceChildren(...daySection(stats.value));
    } else {
      queueBody.replaceChildren(unavailable(stats.reason, 'the queue'));
      dayBody.replaceChildren(unavailable(stats.reason, 'the last 24 hours'));
    }
    updatedAt = new Date();
    sayLive();
  }

  const timer = setInterval(refresh, POLL_MS);
  const stopEvents = watchEvents(LIVE_EVENTS, refresh, (open) => {
    live = open;
    sayLive();
  });
  sayLive();
  refresh();
  return () => {
    stopped = true;
    clearInterval(timer);
    stopEvents();
  };
}
