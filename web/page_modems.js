// Modems: every modem ever seen, with its identity, signal history and counters, and
// (for those allowed) Enable, Disable and Reset, each after a confirmation, and a USSD
// code (a balance check such as *100#) asked through a ready modem.

import { api } from './api.js';
import { confirmAction, formatNumber, h, signalBars, sparkline, timeElement, unavailable } from './ui.js';
import {
  balanceWords, lastErrorWords, modemName, registrationWords, sentTodayWords, stateWords, storageWords,
} from './page_dashboard.js';

export function title() {
  return 'Modems';
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value === undefined || value === null || value === '' ? '—' : value)];
}

// The signal at each health look of the last day ({at, dbm}, dbm null when the modem
// did not know), as a line with its words.
function signalHistory(history) {
  const readings = (history || []).filter((point) => typeof point.dbm === 'number');
  if (readings.length < 2) return h('p', { class: 'hint signal-history' }, 'No signal history yet.');
  const values = readings.map((point) => point.dbm);
  const words = [`Signal over ${formatNumber(values.length)} readings since `, timeElement(readings[0].at),
    `: between ${Math.min(...values)} and ${Math.max(...values)} dBm, now ${values[values.length - 1]} dBm.`];
  return h('figure', { class: 'signal-history' }, sparkline(values), h('figcaption', {}, words));
}

function perMinute(modem) {
  return typeof modem.rate_per_minute === 'number' ? `${formatNumber(modem.rate_per_minute)} a minute` : 'unlimited';
}

const ACTIONS = {
  enable: {
    label: 'Enable', title: 'Enable sending through this modem?', confirm: 'Enable sending',
    text: 'Messages may be sent through it again.', done: 'Sending is enabled.',
  },
  disable: {
    label: 'Disable', title: 'Disable sending through this modem?', confirm: 'Disable sending',
    text: 'No new message is sent through it until it is enabled again; it still receives.',
    done: 'Sending is disabled.', danger: true,
  },
  reset: {
    label: 'Reset', title: 'Reset this modem?', confirm: 'Reset modem',
    text: 'It is restarted and unavailable for a moment; a part being sent is retried.',
    done: 'A reset was requested.', danger: true,
  },
};

// A USSD code asked through the modem; the network's answer, or why there is none, in
// words. The request waits for the network (up to 30 s).
function ussdForm(modem, name) {
  const id = `ussd-${modem.id}`;
  const input = h('input', {
    id, name: 'code', inputmode: 'tel', autocomplete: 'off', placeholder: '*100#', 'aria-describedby': `${id}-error`,
  });
  const error = h('p', { class: 'error', role: 'alert', id: `${id}-error` });
  const answer = h('p', { class: 'status', role: 'status' });
  const button = h('button', { type: 'submit' }, 'Ask the network');
  const form = h('form', { class: 'ussd', novalidate: true, 'aria-label': `USSD through ${name}` },
    h('div', { class: 'field' }, h('label', { for: id }, 'USSD code'), input), error, button, answer);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    const code = input.value.trim();
    if (!/^[0-9*#+]{1,160}$/.test(code)) {
      error.textContent = 'Enter a code of digits, * and #, such as *100#.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    button.disabled = true;
    answer.textContent = 'Asking the network…';
    try {
      const reply = await api('POST', `api/v1/modems/${encodeURIComponent(modem.id)}/ussd`, { code });
      answer.textContent = `The network answered: ${reply.reply}${reply.further_action ? ' (a menu; it was closed)' : ''}`;
    } catch (failure) {
      answer.textContent = '';
      error.textContent = `No answer: ${failure.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function modemCard(modem, session, reload) {
  const name = modemName(modem);
  const headingId = `modem-${modem.id}`;
  const result = h('p', { class: 'status', role: 'status' });
  const failure = h('p', { class: 'error', role: 'alert' });
  async function act(kind) {
    const action = ACTIONS[kind];
    const ok = await confirmAction({ title: action.title, text: `${name}, IMEI ${modem.imei || modem.id}. ${action.text}`,
      confirm: action.confirm, danger: action.danger });
    if (!ok) return;
    result.textContent = '';
    failure.textContent = '';
    try {
      await api('POST', `api/v1/modems/${encodeURIComponent(modem.id)}/${kind}`, {});
      await reload(modem.id, action.done);
    } catch (error) {
      failure.textContent = `Could not ${action.label.toLowerCase()}: ${error.message}`;
    }
  }
  const actions = [];
  if (session.can('modems.manage')) {
    actions.push(modem.sending_enabled === false ? 'enable' : 'disable');
    if (modem.state && modem.state !== 'absent') actions.push('reset');
  }
  return h('li', { class: 'card modem', dataset: { modemId: modem.id } },
    h('h2', { id: headingId }, name, h('span', { class: 'hint' }, ` · ${stateWords(modem)}`,
      modem.sending_enabled === false ? ', sending disabled' : '')),
    h('div', { class: 'modem-grid' },
      h('section', { 'aria-label': `Identity of ${name}` }, h('h3', {}, 'Identity'), h('dl', { class: 'facts' },
        fact('IMEI', modem.imei || modem.id), fact('IMSI', modem.imsi), fact('ICCID', modem.iccid),
        fact('Model', name), fact('Firmware', modem.revision), fact('Driver', modem.family),
        fact('Port', modem.port))),
      h('section', { 'aria-label': `Network of ${name}` }, h('h3', {}, 'Network'), h('dl', { class: 'facts' },
        fact('State', [stateWords(modem), modem.detail ? `: ${modem.detail}` : '']),
        fact('Operator', modem.operator),
        fact('Signal', modem.state === 'absent' ? null : signalBars(modem.signal_dbm)),
        fact('Registration', registrationWords(modem)),
        fact('SIM storage', storageWords(modem)),
        fact('Balance', balanceWords(modem)),
        fact('Last seen', timeElement(modem.last_seen))),
      signalHistory(modem.signal_history)),
      h('section', { 'aria-label': `Counters of ${name}` }, h('h3', {}, 'Counters'), h('dl', { class: 'facts' },
        fact('Parts sent', formatNumber(modem.parts_sent)), fact('Parts failed', formatNumber(modem.parts_failed)),
        fact('Received', formatNumber(modem.received)), fact('Resets', formatNumber(modem.resets)),
        fact('Sent today', sentTodayWords(modem)),
        fact('Pace', perMinute(modem)),
        fact('Last error', lastErrorWords(modem))))),
    actions.length ? h('div', { class: 'actions start' }, actions.map((kind) => h('button', {
      type: 'button', class: ACTIONS[kind].danger ? 'danger' : 'primary',
      'aria-label': `${ACTIONS[kind].label} ${name} ${modem.imei || modem.id}`, onclick: () => act(kind),
    }, ACTIONS[kind].label))) : null,
    failure, result,
    session.can('modems.manage') && modem.state === 'ready' ? ussdForm(modem, name) : null);
}

export function render(region, _params, session) {
  if (!session.can('modems.view')) {
    region.append(h('p', { class: 'notice' }, 'Your role may not see the modems.'));
    return undefined;
  }
  const body = h('div', {}, h('p', { class: 'hint' }, 'Loading…'));
  region.append(body);

  async function load(focusId, done) {
    let list;
    try {
      list = (await api('GET', 'api/v1/modems')).items || [];
    } catch (error) {
      body.replaceChildren(unavailable(error, 'the modems'));
      return;
    }
    // Each modem again, for its signal history; the list's entry if that fails.
    list = await Promise.all(list.map((modem) => api('GET', `api/v1/modems/${encodeURIComponent(modem.id)}`)
      .catch(() => modem)));
    if (!list.length) {
      body.replaceChildren(h('p', {}, 'No modem has been seen yet. Plug one in; it appears here once it answers.'));
      return;
    }
    body.replaceChildren(h('ul', { class: 'modem-list' }, list.map((modem) => modemCard(modem, session, load))));
    if (focusId) {
      // The card was redrawn: focus its first button again, and say what happened.
      const card = body.querySelector(`[data-modem-id="${CSS.escape(focusId)}"]`);
      if (card) {
        card.querySelector('[role="status"]').textContent = done;
        (card.querySelector('.actions button') || card.querySelector('h2')).focus();
      }
    }
  }
  load();
  return undefined;
}
