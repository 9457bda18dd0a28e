// The one way the console talks to smsgated: the same HTTP API as every other client,
// authenticated by the HttpOnly session cookie that POST /api/v1/admin/session sets
// (this script never sees it). Every failure becomes an ApiError whose message is
// words a person can act on, never a raw JSON body.

// An answer other than 2xx, with the server's own words when it gave any
// ({"error": {"code", "message", "field"}}).
export class ApiError extends Error {
  constructor(status, code, message, field, body = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    // The answer's JSON as it came (the health check's 503 says what is wrong in it).
    this.body = body;
  }

  get signedOut() {
    return this.status === 401;
  }

  get forbidden() {
    return this.status === 403;
  }
}

// Called on every 401, so that the shell can go back to the sign-in form.
let onSignedOut = () => {};
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

function words(status, error) {
  // The server's own words name the field and what is wrong ("to: 'abc' is not a
  // phone number"); they are shown as they are.
  if (error.message) return error.message;
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'Not found.';
  if (status >= 500) return `The gateway had a problem (${status}). Try again, or look at its log.`;
  return `The gateway refused this (${status}).`;
}

// Relative to the page, so that the console also works behind a reverse proxy that
// serves smsgated under a path of its own. `path` has no leading slash. The body goes
// as JSON unless `contentType` says what it already is (a CSV file's text).
export async function api(method, path, body,
  { quietSignOut = false, headers = {}, contentType = null } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = contentType || 'application/json';
    init.body = contentType ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network',
      'The gateway cannot be reached. Check that smsgated is running and this device is on its network.');
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page, say): reported below by its status.
    }
  }
  if (!response.ok) {
    const error = data && typeof data.error === 'object' && data.error ? data.error : {};
    const failure = new ApiError(response.status, error.code || `http_${response.status}`,
      words(response.status, error), error.field, data);
    if (failure.signedOut && !quietSignOut) onSignedOut();
    throw failure;
  }
  return data;
}

// A query string from the non-empty values of an object.
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// Follows the gateway's event stream (GET /api/v1/events, Server-Sent Events) for the
// events `names`: `onChange` runs once per burst of them (so that a page reloads what it
// shows once, not per event), `onState(open)` whenever the stream opens or drops (the
// browser reconnects by itself). Returns the function that closes the stream.
const BURST_MS = 500;
export function watchEvents(names, onChange, onState = () => {}) {
  const source = new EventSource(`api/v1/events${query({ events: names.join(',') })}`);
  let pending = null;
  const soon = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      onChange();
    }, BURST_MS);
  };
  for (const name of names) source.addEventListener(name, soon);
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  return () => {
    clearTimeout(pending);
    source.close();
  };
}
