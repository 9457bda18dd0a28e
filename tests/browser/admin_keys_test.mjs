// The console's API keys (Settings) in real Chromium against a real smsgated: sign in
// with the admin password, list, create (with scopes) and revoke API keys, sign out.
//
//   node tests/browser/admin_keys_test.mjs path/to/smsgated
//
// harness.mjs starts `smsgated run --demo` and the browser; exit status 0 only when
// every check passed.
import assert from 'node:assert/strict';
import {
  STEP_TIMEOUT_MS, check, eventually, expectHidden, expectText, expectVisible, runBrowserTest,
} from './harness.mjs';

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
  // The sign-in form's own: Settings has a Password field too (adding a person).
  const password = page.locator('#sign-in-form').getByLabel('Password', { exact: true });
  const signInButton = page.getByRole('button', { name: 'Sign in' });
  const keysHeading = page.getByRole('heading', { name: 'API keys', level: 2 });
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

  check('the right password, sent with Enter, opens the console; Settings shows the demo\'s key');
  await password.fill(demo.password);
  await password.press('Enter');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expectVisible(keysHeading, 'the keys heading');
  await expectHidden(signInForm, 'the sign-in form');
  await expectVisible(row('demo'), 'the demo key\'s row');
  await expectText(cell(row('demo'), 'Status'), /^active$/, 'the demo key\'s status');
  await expectText(scopeCell(row('demo')),
    /^send, read, inbound, otp, webhooks, optouts, modems, metrics, templates, rules, appointments, contacts$/, 'the demo key\'s scopes');

  check('the key form offers every scope as a labelled checkbox, send and read checked');
  const scopeNames = ['send', 'read', 'inbound', 'otp', 'webhooks', 'optouts', 'modems', 'metrics',
    'templates', 'rules', 'appointments', 'contacts'];
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
  // The panel takes focus once the key is in it, which a busy machine may show later.
  await eventually(() => page.evaluate(() => document.getElementById('new-key')
    .contains(document.activeElement)), (focused) => focused === true, 'focus on the new key');
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

await runBrowserTest('browser.admin', scenario);
