// What every page builds with: elements, times and numbers in the browser's own time
// zone and locale, status badges, stacked tables, the confirmation dialog, and the
// small inline-SVG pictures (signal bars, charts), each with a text equivalent.

const SVG = 'http://www.w3.org/2000/svg';

// h('button', {type: 'button', class: 'primary', onclick: f}, 'Send')
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (['value', 'checked', 'disabled', 'hidden', 'selected'].includes(name)) element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

let uniqueCount = 0;
export function uniqueId(prefix) {
  uniqueCount += 1;
  return `${prefix}-${uniqueCount}`;
}

// ---- Times and numbers ------------------------------------------------------------

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const numberFormat = new Intl.NumberFormat();

export function formatNumber(value) {
  return typeof value === 'number' ? numberFormat.format(value) : '—';
}

export function formatTime(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? dateTime.format(date) : (iso || '—');
}

export function formatHour(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeOnly.format(date);
}

// A <time> in the browser's time zone, the exact UTC instant as its tooltip.
export function timeElement(iso, empty = '—') {
  if (!iso) return empty;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return h('time', { datetime: iso, title: date.toISOString() }, dateTime.format(date));
}

// "2026-12-05T14:30" from an <input type="datetime-local"> to an ISO instant with the
// browser's own offset ("2026-12-05T14:30:00+05:45").
export function localInputToIso(value) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return null;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  return `${value.length === 16 ? `${value}:00` : value}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

// ---- Words -------------------------------------------------------------------------

const STATUS_WORDS = {
  queued: 'queued', scheduled: 'scheduled', sending: 'sending', sent: 'sent',
  delivered: 'delivered', failed: 'failed', expired: 'expired', cancelled: 'cancelled',
};
export const MESSAGE_STATUSES = Object.keys(STATUS_WORDS);
// What the API accepts on POST /messages; otp has its own route.
export const SEND_CATEGORIES = ['transactional', 'reminder', 'feedback', 'marketing'];

export function statusBadge(status) {
  return h('span', { class: `badge badge-${status}` }, STATUS_WORDS[status] || status);
}

export function errorText(element, error) {
  element.textContent = error ? error.message : '';
}

// A labelled field with its hint and its own error line, tied together for screen
// readers: { element (to place), control, error (the line for a server's error.field) }.
export function labelledField(id, label, control, hint) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  control.id = id;
  control.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const error = h('p', { class: 'error field-error', id: errorId });
  return {
    element: h('div', { class: 'field' }, h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null, control, error),
    control,
    error,
  };
}

// A section of a page that the gateway cannot show: not allowed for this person, or
// failed. Always in words.
export function unavailable(error, what) {
  if (error.forbidden) return h('p', { class: 'notice' }, `You are not allowed to see ${what}: ${error.message}`);
  return h('p', { class: 'error', role: 'alert' }, `Could not load ${what}: ${error.message}`);
}

// ---- Tables ------------------------------------------------------------------------

// A table that a narrow screen shows as stacked rows (each cell labelled by its
// column); the explicit roles keep it a table for screen readers then.
// columns: [{label, cell(item) -> node|string, header?: bool, hideLabel?: bool}]
export function dataTable(caption, columns, items, { rowProps } = {}) {
  const head = h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' },
    columns.map((column) => h('th', { scope: 'col', role: 'columnheader' },
      column.hideLabel ? h('span', { class: 'visually-hidden' }, column.label) : column.label))));
  const body = h('tbody', { role: 'rowgroup' }, items.map((item) => h('tr',
    { role: 'row', ...(rowProps ? rowProps(item) : {}) },
    columns.map((column) => column.header
      ? h('th', { scope: 'row', role: 'rowheader' }, column.cell(item))
      : h('td', { role: 'cell', 'data-label': column.hideLabel ? null : column.label,
        class: column.class }, column.cell(item))))));
  return h('table', { class: 'stack', role: 'table' },
    h('caption', { class: 'visually-hidden' }, caption), head, body);
}

// ---- Dialogs -----------------------------------------------------------------------

// Asks before something that cannot be undone. Resolves true for the confirming
// button, false for Cancel or Escape; focus goes back to where it was.
export function confirmAction({ title, text, confirm, danger = false }) {
  const opener = document.activeElement;
  const headingId = uniqueId('confirm-heading');
  const textId = uniqueId('confirm-text');
  return new Promise((resolve) => {
    let answer = false;
    const dialog = h('dialog', { 'aria-labelledby': headingId, 'aria-describedby': textId },
      h('h2', { id: headingId }, title),
      h('p', { id: textId }, text),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
        h('button', { type: 'button', class: danger ? 'danger strong' : 'primary',
          onclick: () => { answer = true; dialog.close(); } }, confirm)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// ---- Pictures ----------------------------------------------------------------------

// 0 to 4 bars from dBm, as phones show them.
export function signalLevel(dbm) {
  if (typeof dbm !== 'number') return { bars: 0, words: 'no signal reading' };
  if (dbm >= -70) return { bars: 4, words: 'excellent' };
  if (dbm >= -85) return { bars: 3, words: 'good' };
  if (dbm >= -100) return { bars: 2, words: 'fair' };
  if (dbm >= -110) return { bars: 1, words: 'poor' };
  return { bars: 0, words: 'none' };
}

export function signalBars(dbm) {
  const level = signalLevel(dbm);
  const picture = svg('svg', { viewBox: '0 0 20 16', width: 20, height: 16, 'aria-hidden': 'true',
    class: 'bars', focusable: 'false' },
  [0, 1, 2, 3].map((i) => svg('rect', { x: i * 5, y: 12 - i * 4, width: 4, height: 4 + i * 4,
    rx: 1, class: i < level.bars ? 'on' : 'off' })));
  const words = typeof dbm === 'number' ? `${level.words} (${dbm} dBm)` : level.words;
  return h('span', { class: 'signal' }, picture, ' ', words);
}

// A line of points, e.g. signal history [{at, dbm}]; decorative, the caller gives the
// text equivalent.
export function sparkline(values, { width = 240, height = 48 } = {}) {
  const picture = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'sparkline',
    'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'none' });
  if (values.length < 2) return picture;
  const min = Math.min(...values);
  const max = Math.max(...values);
  // A steady value is a line across the middle, not along the bottom.
  const y = (value) => (max === min ? height / 2 : height - 4 - ((value - min) / (max - min)) * (height - 8));
  const points = values.map((value, i) =>
    `${((i / (values.length - 1)) * width).toFixed(1)},${y(value).toFixed(1)}`);
  picture.append(svg('polyline', { points: points.join(' '), fill: 'none', class: 'line' }));
  return picture;
}

// Stacked bars per hour (sent, delivered, failed): decorative, with the table beside it
// for screen readers.
export function hourChart(hours, { width = 480, height = 120 } = {}) {
  const picture = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart',
    'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'none' });
  const max = Math.max(1, ...hours.map((hour) => (hour.sent || 0) + (hour.failed || 0)));
  const slot = width / Math.max(1, hours.length);
  hours.forEach((hour, i) => {
    let y = height;
    for (const kind of ['delivered', 'sent', 'failed']) {
      // "sent" includes what was then delivered; draw only the part not delivered.
      const value = kind === 'sent' ? Math.max(0, (hour.sent || 0) - (hour.delivered || 0)) : (hour[kind] || 0);
      const size = (value / max) * (height - 4);
      if (size <= 0) continue;
      y -= size;
      picture.append(svg('rect', { x: (i * slot + 1).toFixed(1), y: y.toFixed(1),
        width: Math.max(1, slot - 2).toFixed(1), height: size.toFixed(1), class: `bar-${kind}` }));
    }
  });
  return picture;
}
