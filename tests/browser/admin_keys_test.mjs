// The admin page in real Chromium against a real smsgated: sign in with the admin
// password, list, create (with scopes) and revoke API keys, sign out.
//
//   node tests/browser/admin_keys_test.mjs path/to/smsgated
//
// Needs Debian's chromium (/usr/bin/chromium, or $SMSGATE_CHROMIUM) and playwright-core
// from `npm ci` in this folder (scripts/install-deps runs it). The daemon runs as
// `smsgated run --demo --listen 127.0.0.1:0` in a fresh temporary directory and is
// stopped with SIGTERM at the end, also when a check fails. Exit status 0 only when
// every check passed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const CHROMIUM = process.env.SMSGATE_CHROMIUM || '/usr/bin/chromium';
// Long enough for a sanitizer build of the daemon on a small machine, short enough that
// a hang fails well inside ctest's timeout.
const STEP_TIMEOUT_MS = 10_000;
const DAEMON_START_TIMEOUT_MS = 30_000;
const DAEMON_STOP_TIMEOUT_MS = 15_000;

const smsgated = process.argv[2] && resolve(process.argv[2]);  // the daemon runs elsewhere
if (!smsgated) {
  console.error('usage: node admin_keys_test.mjs PATH_TO_SMSGATED');
  process.exit(2);
}

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (error) {
  console.error(`playwright-core is not installed (${error.message}):` +
    ' run scripts/install-deps, or `npm ci` in tests/browser');
  process.exit(1);
}

// ---- The daemon --------------------------------------------------------------------

// Starts the demo and waits for the lines run_command.cpp prints for its user:
//   Admin page:     http://127.0.0.1:PORT/
//   Admin password: ...
//   API key:        sgk_...
function startDaemon(workDir) {
  const child = spawn(smsgated, ['run', '--demo', '--listen', '127.0.0.1:0'], {
    cwd: workDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = { text: '' };
  const keep = (chunk) => {
    // Both pipes are drained to the end, so the daemon never blocks on a full one;
    // only the tail is kept for a failure report.
    log.text = (log.text + chunk.toString()).slice(-64 * 1024);
  };
  child.stderr.on('data', keep);
  const ready = new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => reject(new Error(`smsgated printed no API key within ${DAEMON_START_TIMEOUT_MS} ms`)),
      DAEMON_START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      stdout += chunk.toString();
      const url = /^Admin page:\s+(\S+)$/m.exec(stdout);
      const password = /^Admin password:\s+(\S+)$/m.exec(stdout);
      const key = /^API key:\s+(\S+)$/m.exec(stdout);
      if (url && password && key) {
        clearTimeout(timer);
        resolve({ url: new URL(url[1]), password: password[1], apiKey: key[1] });
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`smsgated exited early (status ${code}, signal ${signal})`));
    });
  });
  return { child, log, ready };
}

async function stopDaemon(child) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(DAEMON_STOP_TIMEOUT_MS, 'timeout')]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`smsgated did not stop within ${DAEMON_STOP_TIMEOUT_MS} ms of SIGTERM`);
  }
  return code;
}

// ---- Small helpers -------------------------------------------------------------------

let step = 'starting the daemon';
const started = Date.now();
function check(name) {
  step = name;
  console.log(`- ${name} (at ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// Polls until `read` gives a value that `accept` takes, so that a check waits for the
// page to catch up instead of sleeping; fails with the last value seen.
async function eventually(read, accept, what) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) {
      assert.fail(`${what}: still ${JSON.stringify(last)} after ${STEP_TIMEOUT_MS} ms`);
    }
    await sleep(50);
  }
}

const visible = (locator) => locator.isVisible();

async function expectVisible(locator, what) {
  await eventually(() => visible(locator), (shown) => shown === true, `${what} visible`);
}

async function expectHidden(locator, what) {
  await eventually(() => visible(locator), (shown) => shown === false, `${what} hidden`);
}

async function expectText(locator, pattern, what) {
  return eventually(
    async () => ((await locator.count()) ? (await locator.first().innerText()).trim() : null),
    (text) => text !== null && pattern.test(text),
    `${what} matching ${pattern}`);
}

// A row's cell by its column (the data-label a narrow screen shows).
const cell = (row, label) => row.locator(`td[data-label="${label}"]`);
const scopeCell = (row) => cell(row, 'Scopes');

function apiStatus(base, path, key) {
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  return fetch(new URL(path, base), { headers }).then((response) => response.status);
}

// ---- The scenario --------------------------------------------------------------------

async function scenario(page, demo) {
  const signInForm = page.locator('#sign-in-form');
  const password = page.getByLabel('Admin password');
  const signInButton = page.getByRole('button', { name: 'Sign in' });
  const keysHeading = page.getByRole('heading', { name: 'API keys', level: 1 });
  const table = page.locator('#keys-table');
  const row = (name) => table.locator('tbody tr').filter({
    has: page.getByRole('rowheader', { name, exact: true }),
  });

  check('without a session the page shows the sign-in form');
  await page.goto(demo.url.href);
  await expectVisible(password, 'the password field');
  await expectVisible(signInButton, 'the sign-in button');
  assert.equal(await keysHeading.isVisible(), false, 'the keys view is hidden before signing in');
  assert.equal(await password.getAttribute('type'), 'password');

  check('a wrong password is refused with a message, and the form stays');
  await password.fill('not the password');
  await signInButton.click();
  await expectText(signInForm.getByRole('alert'), /password/i, 'the sign-in error');
  await expectVisible(password, 'the password field after a wrong password');
  assert.equal(await password.getAttribute('aria-invalid'), 'true');

  check('the right password, sent with Enter, shows the keys with the demo\'s key');
  await password.fill(demo.password);
  await password.press('Enter');
  await expectVisible(keysHeading, 'the keys heading');
  await expectHidden(signInForm, 'the sign-in form');
  await expectVisible(row('demo'), 'the demo key\'s row');
  await expectText(cell(row('demo'), 'Status'), /^active$/, 'the demo key\'s status');
  await expectText(scopeCell(row('demo')),
    /^send, read, inbound, otp, webhooks, optouts, modems, metrics$/, 'the demo key\'s scopes');

  check('the key form offers every scope as a labelled checkbox, send and read checked');
  const scopeNames = ['send', 'read', 'inbound', 'otp', 'webhooks', 'optouts', 'modems', 'metrics'];
  const scopeBox = (scope) => page.getByRole('group', { name: 'Scopes' })
    .getByRole('checkbox', { name: scope, exact: true });
  for (const scope of scopeNames) {
    await expectVisible(scopeBox(scope), `the ${scope} checkbox`);
    assert.equal(await scopeBox(scope).isChecked(), scope === 'send' || scope === 'read',
      `${scope} checked to start with`);
  }

  check('the created time is shown in the browser\'s local time');
  // The context runs in a time zone far from UTC, so a page showing UTC would differ.
  const created = cell(row('demo'), 'Created').locator('time');
  const createdIso = await created.getAttribute('datetime');
  assert.ok(createdIso, 'the created cell holds a <time datetime>');
  const expectedLocal = await page.evaluate((iso) => new Intl.DateTimeFormat(undefined,
    { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)), createdIso);
  assert.equal((await created.innerText()).trim(), expectedLocal);
  const localHour = await page.evaluate((iso) => new Date(iso).getHours(), createdIso);
  assert.notEqual(localHour, new Date(createdIso).getUTCHours(),
    'the test\'s time zone differs from UTC');

  check('the session survives a reload');
  await page.reload();
  await expectVisible(row('demo'), 'the demo key\'s row after a reload');

  check('the page reads at phone width without scrolling sideways');
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 360px screen`);
  await page.setViewportSize({ width: 1024, height: 768 });

  check('creating a key named "shop" shows it once, with a copy button and a warning');
  const name = page.getByLabel('Name', { exact: true });
  await name.fill('shop');
  await page.getByRole('button', { name: 'Create key' }).click();
  const newKey = page.locator('#new-key');
  await expectVisible(newKey, 'the new key panel');
  const keyField = newKey.getByRole('textbox');
  const shopKey = await eventually(() => keyField.inputValue(), (v) => v.startsWith('sgk_'),
    'the new key');
  await expectText(newKey, /not be shown again/i, 'the warning');
  assert.equal(await page.evaluate(() => document.getElementById('new-key')
    .contains(document.activeElement)), true, 'focus moves to the new key');
  await expectVisible(row('shop'), 'the shop key\'s row');
  await expectText(cell(row('shop'), 'Last used'), /^never$/, 'the shop key\'s last use');
  await expectText(cell(row('shop'), 'Status'), /^active$/, 'the shop key\'s status');
  await expectText(scopeCell(row('shop')), /^send, read$/, 'the shop key\'s scopes');
  await expectText(newKey, /Scopes: send, read/, 'the new key\'s scopes');
  assert.equal(await name.inputValue(), '', 'the name field is emptied');

  check('the copy button puts the key on the clipboard');
  await newKey.getByRole('button', { name: 'Copy' }).click();
  await expectText(newKey.getByRole('status'), /copied/i, 'the copy confirmation');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shopKey);

  check('the new key works on the API, and no key is refused');
  assert.equal(await apiStatus(demo.url, '/api/v1/messages', shopKey), 200);
  assert.equal(await apiStatus(demo.url, '/api/v1/messages'), 401);
  await page.reload();
  await expectText(cell(row('shop'), 'Last used'), /\d/, 'the shop key\'s last use, a time');

  check('a key with only the metrics scope scrapes /metrics and is refused elsewhere');
  await name.fill('prometheus');
  await scopeBox('send').uncheck();
  await scopeBox('read').uncheck();
  await scopeBox('metrics').check();
  await page.getByRole('button', { name: 'Create key' }).click();
  await expectVisible(row('prometheus'), 'the prometheus key\'s row');
  await expectText(scopeCell(row('prometheus')), /^metrics$/, 'the prometheus key\'s scopes');
  const metricsKey = await eventually(() => keyField.inputValue(),
    (v) => v.startsWith('sgk_') && v !== shopKey, 'the prometheus key');
  assert.equal(await apiStatus(demo.url, '/metrics', metricsKey), 200);
  assert.equal(await apiStatus(demo.url, '/api/v1/messages', metricsKey), 403);
  assert.equal(await apiStatus(demo.url, '/metrics', shopKey), 403, 'the shop key cannot scrape');
  for (const scope of scopeNames) {
    assert.equal(await scopeBox(scope).isChecked(), scope === 'send' || scope === 'read',
      `${scope} back to how it started after creating`);
  }

  check('a key with no scope is refused with the server\'s words, and none is made');
  await newKey.getByRole('button', { name: 'I have copied it' }).click();
  await name.fill('nothing');
  await scopeBox('send').uncheck();
  await scopeBox('read').uncheck();
  await page.getByRole('button', { name: 'Create key' }).click();
  await expectText(page.locator('#create-error'), /scope/, 'the no-scope error');
  assert.equal(await scopeBox('send').getAttribute('aria-invalid'), 'true');
  assert.equal(await row('nothing').count(), 0, 'no key was made');
  await scopeBox('send').check();
  await scopeBox('read').check();
  await name.fill('');

  check('revoking asks first; Cancel keeps the key');
  await expectHidden(newKey, 'the new key, after a reload');
  const revokeShop = row('shop').getByRole('button', { name: 'Revoke shop' });
  const dialog = page.getByRole('dialog');
  await revokeShop.click();
  await expectVisible(dialog, 'the confirmation');
  await expectText(dialog, /shop/, 'the confirmation naming the key');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expectHidden(dialog, 'the confirmation');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Revoke',
    'focus returns to the revoke button');
  assert.equal(await apiStatus(demo.url, '/api/v1/messages', shopKey), 200,
    'a cancelled revoke leaves the key working');

  check('revoking confirmed marks the key revoked, and the API refuses it at once');
  await revokeShop.click();
  await dialog.getByRole('button', { name: 'Revoke key' }).click();
  await expectText(cell(row('shop'), 'Status'), /^revoked\b/, 'the shop key\'s status');
  assert.equal(await row('shop').getByRole('button').count(), 0, 'no revoke button left');
  await expectText(cell(row('demo'), 'Status'), /^active$/, 'the demo key\'s status');
  assert.equal(await apiStatus(demo.url, '/api/v1/messages', shopKey), 401);
  assert.equal(await apiStatus(demo.url, '/api/v1/messages', demo.apiKey), 200,
    'the demo key still works');

  check('an empty name shows the server\'s own error');
  await name.fill('');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/keys') &&
      r.request().method() === 'POST', { timeout: STEP_TIMEOUT_MS }),
    page.getByRole('button', { name: 'Create key' }).click(),
  ]);
  assert.equal(answer.status(), 400);
  const refusal = (await answer.json()).error;
  assert.equal(refusal.code, 'invalid_name');
  assert.ok(refusal.message, 'the server says why');
  const createError = page.locator('#create-error');
  assert.equal(await createError.getAttribute('role'), 'alert');
  await expectText(createError, new RegExp(refusal.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    'the create error');
  assert.equal(await name.getAttribute('aria-invalid'), 'true');

  check('signing out returns to the form, and the session is gone');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectVisible(password, 'the password field after signing out');
  await expectHidden(keysHeading, 'the keys heading after signing out');
  assert.equal(await table.locator('tbody tr').count(), 0, 'the key list is cleared');
  assert.equal(await page.evaluate(() => fetch('/api/v1/keys').then((r) => r.status)), 401);
  await page.reload();
  await expectVisible(password, 'the password field after a reload');
}

// ---- Run -----------------------------------------------------------------------------

const workDir = mkdtempSync(join(tmpdir(), 'smsgate-browser-'));
const daemon = startDaemon(workDir);
// Whatever ends this process (a stray exception, ctest's timeout as SIGTERM, Ctrl-C)
// takes the daemon with it; the normal path below stops it gently first.
process.on('exit', () => {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) {
    daemon.child.kill('SIGKILL');
  }
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`browser.admin: stopped by ${signal} at "${step}"`);
    process.exit(1);
  });
}
// Every wait above has its own deadline; this one only guards against a hang in
// between, well inside ctest's 120 s.
setTimeout(() => {
  console.error(`browser.admin: no end after 100 s, at "${step}"\n${daemon.log.text}`);
  process.exit(1);
}, 100_000).unref();
let browser;
let page;
const pageProblems = [];
let failed = false;
try {
  const demo = await daemon.ready;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox refuses to start as root (CI runs as root).
    chromiumSandbox: process.getuid?.() !== 0,
    // This machine has no network but loopback: no background calls home.
    args: ['--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run', '--disable-gpu'],
  });
  const context = await browser.newContext({
    // Far from UTC all year (no daylight saving), so local time is visibly not UTC.
    timezoneId: 'Asia/Kathmandu',
    locale: 'en-GB',
    viewport: { width: 1024, height: 768 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: demo.url.origin,
  });
  page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  // Script errors and Content-Security-Policy refusals (an inline style, a script from
  // elsewhere) fail the test; 401s logged by fetch are expected and ignored.
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      pageProblems.push(`console: ${message.text()}`);
    }
  });
  page.on('requestfailed', (request) => {
    // A request cut short by a reload is no fault of the page.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    pageProblems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== demo.url.origin) {
      pageProblems.push(`request to another origin: ${request.url()}`);
    }
  });

  await scenario(page, demo);
  check('no script errors, policy violations or foreign requests');
  assert.deepEqual(pageProblems, []);
} catch (error) {
  failed = true;
  console.error(`\nFAILED at "${step}":\n${error.stack || error}`);
  if (pageProblems.length) console.error(`page problems:\n  ${pageProblems.join('\n  ')}`);
  if (page) {
    // Kept outside the source tree, for a look at what the page showed.
    const shot = join(tmpdir(), `smsgate-browser-failure-${process.pid}.png`);
    try {
      await page.screenshot({ path: shot, fullPage: true });
      console.error(`screenshot: ${shot}`);
    } catch {
      // The browser may be gone; the error above says what matters.
    }
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  try {
    const status = await stopDaemon(daemon.child);
    if (!failed && status !== 0) {
      failed = true;
      console.error(`smsgated exited with status ${status} after SIGTERM`);
    }
  } catch (error) {
    failed = true;
    console.error(error.message);
  }
  if (failed) console.error(`\nsmsgated's output (tail):\n${daemon.log.text}`);
  rmSync(workDir, { recursive: true, force: true });
}
console.log(failed ? 'browser.admin: FAILED' : 'browser.admin: all checks passed');
process.exit(failed ? 1 : 0);
