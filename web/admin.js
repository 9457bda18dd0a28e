// The admin page: sign in with the admin password, then list, create and revoke API
// keys. Plain ES module, no framework and nothing loaded from elsewhere, so that it
// works on an appliance with no Internet; smsgated serves it from its own binary.
//
// A key carries scopes, chosen with checkboxes when it is made and shown in the list.
//
// The session is an HttpOnly cookie set by POST /api/v1/admin/session: this script
// never sees it, it only learns from 401 answers that there is none (any more).

const byId = (id) => document.getElementById(id);

const view = {
  loading: byId('loading'),
  signIn: byId('sign-in'),
  keys: byId('keys'),
};

const signIn = {
  form: byId('sign-in-form'),
  password: byId('password'),
  error: byId('sign-in-error'),
  notice: byId('sign-in-notice'),
};

const keys = {
  error: byId('keys-error'),
  signOut: byId('sign-out'),
  createForm: byId('create-form'),
  name: byId('key-name'),
  scopes: byId('key-scopes'),
  scopeBoxes: [...document.querySelectorAll('#key-scopes input[name="scope"]')],
  createError: byId('create-error'),
  tableBody: document.querySelector('#keys-table tbody'),
  empty: byId('keys-empty'),
  newKey: byId('new-key'),
  newKeyName: byId('new-key-name'),
  newKeyScopes: byId('new-key-scopes'),
  newKeyValue: byId('new-key-value'),
  copy: byId('copy-key'),
  copyStatus: byId('copy-status'),
  newKeyDone: byId('new-key-done'),
  dialog: byId('revoke-dialog'),
  dialogName: byId('revoke-name'),
  dialogCancel: byId('revoke-cancel'),
  dialogConfirm: byId('revoke-confirm'),
};

// An answer of the API other than 2xx, with the server's own words when it gave any
// ({"error": {"code", "message", "field"}}).
class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// Relative to the page, so that the page also works behind a reverse proxy that
// serves smsgated under a path of its own.
async function api(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, 'network', `Cannot reach smsgated (${error.message}).`);
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
    const error = data && typeof data.error === 'object' ? data.error : {};
    throw new ApiError(
      response.status,
      error.code || `http_${response.status}`,
      error.message || `smsgated answered ${response.status} ${response.statusText}`.trim(),
      error.field,
    );
  }
  return data;
}

// The session ended (signed out elsewhere, expired, daemon restarted): back to the
// form, saying why, rather than showing an error beside a table that no longer loads.
function isSignedOut(error) {
  return error instanceof ApiError && error.status === 401;
}

function show(which) {
  view.loading.hidden = true;
  view.signIn.hidden = which !== 'sign-in';
  view.keys.hidden = which !== 'keys';
}

function setBusy(form, busy) {
  form.setAttribute('aria-busy', String(busy));
  for (const control of form.querySelectorAll('button, input, fieldset')) control.disabled = busy;
}

// ---- Sign in and out -------------------------------------------------------------

function showSignIn(notice = '') {
  hideNewKey();
  keys.tableBody.replaceChildren();
  keys.error.textContent = '';
  keys.createError.textContent = '';
  if (keys.dialog.open) keys.dialog.close();
  signIn.notice.textContent = notice;
  signIn.notice.hidden = !notice;
  signIn.error.textContent = '';
  signIn.password.value = '';
  signIn.password.removeAttribute('aria-invalid');
  show('sign-in');
  signIn.password.focus();
}

signIn.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  signIn.error.textContent = '';
  if (!signIn.password.value) {
    signIn.error.textContent = 'Enter the admin password.';
    signIn.password.setAttribute('aria-invalid', 'true');
    signIn.password.focus();
    return;
  }
  setBusy(signIn.form, true);
  try {
    await api('POST', 'api/v1/admin/session', { password: signIn.password.value });
  } catch (error) {
    setBusy(signIn.form, false);
    signIn.error.textContent = error.message;
    if (error.code === 'wrong_password') signIn.password.setAttribute('aria-invalid', 'true');
    signIn.password.select();
    signIn.password.focus();
    return;
  }
  setBusy(signIn.form, false);
  signIn.password.value = '';
  signIn.password.removeAttribute('aria-invalid');
  await showKeys();
});

keys.signOut.addEventListener('click', async () => {
  keys.signOut.disabled = true;
  try {
    await api('DELETE', 'api/v1/admin/session');
  } catch (error) {
    keys.error.textContent = `Could not sign out: ${error.message}`;
    return;
  } finally {
    keys.signOut.disabled = false;
  }
  showSignIn('You are signed out.');
});

// ---- The keys --------------------------------------------------------------------

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// data-label names the column where a narrow screen shows a row as a card.
function tableCell(label) {
  const cell = document.createElement('td');
  cell.setAttribute('role', 'cell');
  if (label) cell.dataset.label = label;
  return cell;
}

// A <time> in the browser's own time zone, with the exact UTC instant as its tooltip.
function timeCell(iso, label) {
  const cell = tableCell(label);
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) {
    cell.textContent = iso ? iso : 'never';
    return cell;
  }
  const time = document.createElement('time');
  time.dateTime = iso;
  time.title = date.toISOString();
  time.textContent = timeFormat.format(date);
  cell.append(time);
  return cell;
}

function keyRow(key) {
  const row = document.createElement('tr');
  row.setAttribute('role', 'row');
  row.dataset.keyId = String(key.id);
  const revoked = Boolean(key.revoked_at);
  if (revoked) row.classList.add('revoked');

  const name = document.createElement('th');
  name.scope = 'row';
  name.setAttribute('role', 'rowheader');
  name.textContent = key.name;

  const scopes = tableCell('Scopes');
  scopes.className = 'scopes-cell';
  scopes.textContent = scopeList(key.scopes);

  const status = tableCell('Status');
  const badge = document.createElement('span');
  badge.className = `badge ${revoked ? 'badge-revoked' : 'badge-active'}`;
  badge.textContent = revoked ? 'revoked' : 'active';
  status.append(badge);
  if (revoked) {
    status.append(' ');
    const when = document.createElement('time');
    const date = new Date(key.revoked_at);
    when.dateTime = key.revoked_at;
    when.className = 'hint';
    when.textContent = Number.isNaN(date.getTime()) ? key.revoked_at : timeFormat.format(date);
    status.append(when);
  }

  const actions = tableCell('');
  actions.className = 'actions-cell';
  if (!revoked) {
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.className = 'danger';
    revoke.textContent = 'Revoke';
    revoke.setAttribute('aria-label', `Revoke ${key.name}`);
    revoke.addEventListener('click', () => askRevoke(key, revoke));
    actions.append(revoke);
  }

  row.append(name, scopes, timeCell(key.created_at, 'Created'),
    timeCell(key.last_used_at, 'Last used'), status, actions);
  return row;
}

// "send, read" for the list and the new key panel.
function scopeList(scopes) {
  return Array.isArray(scopes) && scopes.length ? scopes.join(', ') : 'none';
}

// The form's scopes as they start: those checked in the page's own markup.
function resetScopes() {
  for (const box of keys.scopeBoxes) box.checked = box.defaultChecked;
  markScopes(false);
}

// The checkboxes carry aria-invalid (a group cannot); the fieldset shows it.
function markScopes(invalid) {
  keys.scopes.classList.toggle('invalid', invalid);
  for (const box of keys.scopeBoxes) {
    if (invalid) box.setAttribute('aria-invalid', 'true');
    else box.removeAttribute('aria-invalid');
  }
}

function renderKeys(items) {
  keys.tableBody.replaceChildren(...items.map(keyRow));
  keys.empty.hidden = items.length > 0;
}

async function loadKeys() {
  const answer = await api('GET', 'api/v1/keys');
  renderKeys(Array.isArray(answer && answer.items) ? answer.items : []);
}

// Shows the keys view; any failure is said on the page, a lost session sends the
// user back to the form.
async function showKeys() {
  keys.error.textContent = '';
  try {
    await loadKeys();
  } catch (error) {
    if (isSignedOut(error)) {
      showSignIn('Your session has ended. Sign in again.');
      return;
    }
    show('keys');
    keys.error.textContent = `Could not load the keys: ${error.message}`;
    return;
  }
  show('keys');
  byId('keys-heading').focus();
}

// Every failure of a key action lands here: said in the page, never swallowed.
function reportKeysError(error, target = keys.error, prefix = '') {
  if (isSignedOut(error)) {
    showSignIn('Your session has ended. Sign in again.');
    return;
  }
  target.textContent = prefix + error.message;
}

keys.createForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  keys.createError.textContent = '';
  keys.error.textContent = '';
  keys.name.removeAttribute('aria-invalid');
  markScopes(false);
  // The name and scopes are checked by the server alone, so that the page never
  // disagrees with it (none checked is its error to say).
  const name = keys.name.value;
  const scopes = keys.scopeBoxes.filter((box) => box.checked).map((box) => box.value);
  setBusy(keys.createForm, true);
  let created;
  try {
    created = await api('POST', 'api/v1/keys', { name, scopes });
  } catch (error) {
    setBusy(keys.createForm, false);
    reportKeysError(error, keys.createError);
    if (error.field === 'scopes') {
      markScopes(true);
      keys.scopeBoxes[0].focus();
      return;
    }
    if (error.field === 'name') keys.name.setAttribute('aria-invalid', 'true');
    keys.name.focus();
    return;
  }
  setBusy(keys.createForm, false);
  keys.name.value = '';
  resetScopes();
  showNewKey(created);
  try {
    await loadKeys();
  } catch (error) {
    reportKeysError(error, keys.error, 'The key was created, but the list could not be loaded: ');
  }
});

// ---- The new key, shown once -------------------------------------------------------

function showNewKey(created) {
  keys.newKeyName.textContent = created.name;
  keys.newKeyScopes.textContent = scopeList(created.scopes);
  keys.newKeyValue.value = created.key;
  keys.copyStatus.textContent = '';
  keys.newKey.hidden = false;
  keys.newKey.focus();
  keys.newKeyValue.select();
}

// The key leaves the page (and its memory, as far as a page can say) once dismissed.
function hideNewKey() {
  keys.newKeyValue.value = '';
  keys.newKeyName.textContent = '';
  keys.newKeyScopes.textContent = '';
  keys.copyStatus.textContent = '';
  keys.newKey.hidden = true;
}

keys.newKeyDone.addEventListener('click', () => {
  hideNewKey();
  keys.name.focus();
});

// navigator.clipboard exists only in a secure context (https, or localhost); an
// appliance reached as http://192.168.x.y is not one, so the selection is copied the
// old way there.
keys.copy.addEventListener('click', async () => {
  const key = keys.newKeyValue.value;
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(key);
      copied = true;
    } catch {
      // Refused (no permission, page not focused): try the selection below.
    }
  }
  if (!copied) {
    keys.newKeyValue.focus();
    keys.newKeyValue.select();
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
  }
  keys.copyStatus.textContent = copied
    ? 'Copied to the clipboard.'
    : 'Could not copy: the key is selected, copy it with Ctrl+C (or ⌘C).';
  if (!copied) {
    keys.newKeyValue.focus();
    keys.newKeyValue.select();
  }
});

// ---- Revoking, after an in-page confirmation -----------------------------------------

let pendingRevoke = null;

function askRevoke(key, button) {
  pendingRevoke = { key, button };
  keys.dialogName.textContent = key.name;
  keys.error.textContent = '';
  keys.dialog.showModal();
  keys.dialogCancel.focus();
}

// Escape and Cancel both close without revoking; focus goes back to the row's button.
keys.dialog.addEventListener('close', () => {
  const pending = pendingRevoke;
  pendingRevoke = null;
  if (pending && keys.dialog.returnValue !== 'revoke' && pending.button.isConnected) {
    pending.button.focus();
  }
  keys.dialog.returnValue = '';
});

keys.dialogCancel.addEventListener('click', () => keys.dialog.close('cancel'));

keys.dialogConfirm.addEventListener('click', async () => {
  const pending = pendingRevoke;
  keys.dialog.close('revoke');
  if (!pending) return;
  pending.button.disabled = true;
  try {
    await api('DELETE', `api/v1/keys/${encodeURIComponent(pending.key.id)}`);
  } catch (error) {
    pending.button.disabled = false;
    reportKeysError(error, keys.error, `Could not revoke ${pending.key.name}: `);
    // Revoked meanwhile elsewhere (404): the list below shows how things are now.
    if (error.status !== 404) return;
  }
  try {
    await loadKeys();
    byId('list-heading').focus();
  } catch (error) {
    reportKeysError(error);
  }
});

// ---- Start -------------------------------------------------------------------------

async function start() {
  try {
    await api('GET', 'api/v1/admin/session');
  } catch (error) {
    if (isSignedOut(error)) {
      showSignIn();
      return;
    }
    // The daemon is unreachable or broken: say so, and still offer the form.
    showSignIn();
    signIn.error.textContent = `Could not ask smsgated for the session: ${error.message}`;
    return;
  }
  await showKeys();
}

start();
