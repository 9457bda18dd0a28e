// What staff do with the console every day, in real Chromium against a real smsgated
// and its simulated modems: sign in and send with the keyboard alone and see the
// message reach "delivered" (the simulated network returns a status report), the live
// parts counter and its plain-character offer, cancelling a scheduled message and
// sending it again, filtering the Messages table and seeing it follow a send made
// elsewhere, disabling and enabling a modem after a confirmation, and errors shown in
// words.
//
//   node tests/browser/console_flows_test.mjs path/to/smsgated
import assert from 'node:assert/strict';
import {
  apiCall, check, eventually, expectHidden, expectText, expectVisible, runBrowserTest,
} from './harness.mjs';

// Presses Tab (or Shift+Tab) until the focused element is the one `matches` takes;
// fails after `max`.
async function tabTo(page, describe, matches, { key = 'Tab', max = 30 } = {}) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(key);
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      const label = element.labels?.[0]?.textContent ?? '';
      return { tag: element.tagName, text: element.textContent.trim(), label: label.trim(),
        name: element.getAttribute('aria-label') || '' };
    });
    if (matches(focused)) return;
  }
  assert.fail(`Tab never reached ${describe}`);
}

const focusedHeading = (page) => page.evaluate(
  () => (document.activeElement?.tagName === 'H1' ? document.activeElement.textContent : null));

const NUMBER = '+491701234567';

async function scenario(page, demo) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const main = page.getByRole('main');

  check('keyboard only: sign in, reach Send through the navigation');
  await page.goto(demo.url.href);
  await expectVisible(page.locator('#sign-in-form').getByLabel('Password', { exact: true }), 'the password field');
  await page.keyboard.type(demo.password);  // the password field has focus at the start
  await page.keyboard.press('Enter');
  await expectVisible(nav, 'the navigation');
  await eventually(() => focusedHeading(page), (text) => text === 'Dashboard', 'focus on the Dashboard heading');
  // The navigation comes before the page's heading.
  await tabTo(page, 'the Send link', (f) => f.tag === 'A' && f.text === 'Send', { key: 'Shift+Tab' });
  await page.keyboard.press('Enter');
  await eventually(() => focusedHeading(page), (text) => text === 'Send', 'focus on the Send heading');

  check('keyboard only: fill To and Message, send with the Send button');
  await tabTo(page, 'the To field', (f) => f.label === 'To');
  await page.keyboard.type(NUMBER);
  await tabTo(page, 'the Message field', (f) => f.label === 'Message');
  await page.keyboard.type('Your glasses are ready to collect.');
  await expectText(page.locator('#send-counter'), /^1 part · GSM-7 · \d+ left$/, 'the counter');
  await tabTo(page, 'the Send button', (f) => f.tag === 'BUTTON' && f.text === 'Send');
  await page.keyboard.press('Enter');
  const result = page.locator('#send-result');
  await expectText(result, /Message accepted/, 'the result');

  check('keyboard only: the result links to the message, whose page shows it reach delivered');
  await tabTo(page, 'the link to the message', (f) => f.tag === 'A' && f.text.startsWith('Message '));
  await page.keyboard.press('Enter');
  await eventually(() => focusedHeading(page), (text) => /^Message \d+$/.test(text || ''), 'the message page');
  const sentId = Number(/(\d+)$/.exec(new URL(page.url()).hash)[1]);
  // The page follows the message by itself; no reload. A delivery report was asked for
  // (the Send page's default), and the simulated network sends one 2 s after the part.
  await expectText(page.locator('#message-status'), /^delivered$/, 'the message\'s status', 20_000);
  const history = page.getByRole('list').filter({ hasText: 'claimed by' });
  await expectText(history, /sent[\s\S]*delivered/, 'the history, sent then delivered');
  const partsTable = page.getByRole('region', { name: 'Parts' }).getByRole('table');
  await expectText(partsTable.locator('td[data-label="Delivery report"]'), /^delivered \(status 0\)$/,
    'the part\'s delivery report');
  await expectText(partsTable.locator('td[data-label="Modem"]'), /^\d{15}$/, 'the modem that sent it');
  const stored = await apiCall(demo.url, 'GET', `/api/v1/messages/${sentId}`, demo.apiKey);
  assert.equal(stored.body.to, NUMBER);
  assert.equal(stored.body.text, 'Your glasses are ready to collect.');
  assert.equal(stored.body.status, 'delivered');
  assert.equal(stored.body.status_report, true);
  assert.equal(await main.getByRole('button', { name: 'Resend' }).count(), 0, 'no Resend for a delivered message');

  check('the counter counts parts as the sender will, GSM-7');
  await nav.getByRole('link', { name: 'Send' }).click();
  const message = main.getByLabel('Message', { exact: true });
  const counter = page.locator('#send-counter');
  await message.fill('a'.repeat(170));
  await expectText(counter, /^2 parts · GSM-7 · 136 left$/, 'two concatenated parts of 153');

  check('the counter names what forced UCS-2 and offers plain characters when they save a part');
  const text = `“Ready” ${'b'.repeat(70)}`;
  await message.fill(text);
  await expectText(counter, /^2 parts · UCS-2 · \d+ left$/, 'two UCS-2 parts');
  await expectText(page.locator('#send-forced'), /UCS-2.*“ ”/, 'the characters that forced UCS-2');
  const plain = main.getByRole('button', { name: /^Use plain characters for “ ” \(saves 1 part\)$/ });
  await expectVisible(plain, 'the plain-character offer');
  await plain.click();
  assert.equal(await message.inputValue(), `"Ready" ${'b'.repeat(70)}`);
  await expectText(counter, /^1 part · GSM-7 · 82 left$/, 'one GSM-7 part after the offer');
  await expectHidden(plain, 'the offer once taken');

  check('an API error is shown in words beside its field, and nothing is sent');
  const before = (await apiCall(demo.url, 'GET', '/api/v1/messages?limit=1', demo.apiKey)).body.items[0].id;
  await main.getByLabel('To', { exact: true }).fill('call me');
  await main.getByRole('button', { name: 'Send', exact: true }).click();
  const toError = page.locator('#send-to-error');
  await expectText(toError, /not a phone number/, 'the To error');
  assert.doesNotMatch(await toError.innerText(), /[{}"]/, 'words, not JSON');
  assert.equal(await main.getByLabel('To', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal((await apiCall(demo.url, 'GET', '/api/v1/messages?limit=1', demo.apiKey)).body.items[0].id, before);

  check('a gateway that cannot be reached is said so in words');
  await page.route('**/api/v1/messages/preview', (route) => route.abort('aborted'));
  await message.fill('Is anyone there?');
  await expectText(counter, /cannot be reached/, 'the counter\'s network error');
  await page.unroute('**/api/v1/messages/preview');

  check('a message scheduled for tomorrow 09:30 local time is sent with the browser\'s offset');
  const tomorrow = await page.evaluate(() => {
    const date = new Date(Date.now() + 24 * 3600 * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T09:30`;
  });
  await main.getByLabel('To', { exact: true }).fill(NUMBER);
  await message.fill('Reminder: your appointment is tomorrow.');
  await main.getByLabel('Category').selectOption('reminder');
  await main.getByLabel('Send at (optional)').fill(tomorrow);
  await main.getByRole('button', { name: 'Send', exact: true }).click();
  await expectText(result, /Message accepted/, 'the scheduled result');
  await result.getByRole('link').click();
  await expectText(page.locator('#message-status'), /^scheduled$/, 'scheduled');
  const scheduledId = Number(/(\d+)$/.exec(new URL(page.url()).hash)[1]);
  const scheduled = await apiCall(demo.url, 'GET', `/api/v1/messages/${scheduledId}`, demo.apiKey);
  // The test's browser runs in Asia/Kathmandu, UTC+05:45.
  assert.equal(new Date(scheduled.body.send_at).getTime(), new Date(`${tomorrow}:00+05:45`).getTime());
  assert.equal(scheduled.body.category, 'reminder');

  check('cancelling asks first; Cancel keeps it scheduled, confirming cancels it');
  const dialog = page.getByRole('dialog');
  await main.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expectVisible(dialog, 'the confirmation');
  await page.keyboard.press('Escape');
  await expectHidden(dialog, 'the confirmation after Escape');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel',
    'focus returns to the Cancel button');
  assert.equal((await apiCall(demo.url, 'GET', `/api/v1/messages/${scheduledId}`, demo.apiKey)).body.status,
    'scheduled');
  await main.getByRole('button', { name: 'Cancel', exact: true }).click();
  await dialog.getByRole('button', { name: 'Cancel message' }).click();
  await expectText(page.locator('#message-status'), /^cancelled$/, 'cancelled');
  await expectText(page.locator('#message-action-result'), /cancelled/, 'the cancel result');
  assert.equal(await main.getByRole('button', { name: 'Cancel', exact: true }).count(), 0);

  check('Resend sends a cancelled message again as a new one, and links to it');
  await main.getByRole('button', { name: 'Resend' }).click();
  const again = page.locator('#message-action-result');
  await expectText(again, /^Sent again as message \d+ \((queued|sending|sent|delivered)\)\.$/, 'the resend result');
  const resentId = Number(/message (\d+)/.exec(await again.innerText())[1]);
  assert.notEqual(resentId, scheduledId);
  const resent = await apiCall(demo.url, 'GET', `/api/v1/messages/${resentId}`, demo.apiKey);
  assert.equal(resent.body.resent_from, scheduledId);
  assert.equal(resent.body.text, 'Reminder: your appointment is tomorrow.');
  assert.equal(resent.body.category, 'reminder');
  await again.getByRole('link').click();
  await eventually(() => focusedHeading(page), (heading) => heading === `Message ${resentId}`, 'the new message\'s page');
  await expectText(main.locator('dd').filter({ hasText: `message ${scheduledId}` }), new RegExp(`^message ${scheduledId}$`),
    'the link back to the cancelled one');

  check('Messages: the status filter shows only cancelled messages, ours among them');
  await nav.getByRole('link', { name: 'Messages' }).click();
  const table = page.getByRole('region', { name: 'Messages' }).getByRole('table');
  const rows = table.locator('tbody tr');
  await expectVisible(rows.first(), 'the first row');
  await main.getByLabel('Status').selectOption('cancelled');
  await main.getByRole('button', { name: 'Apply filters' }).click();
  await eventually(() => rows.locator('td[data-label="Status"]').allInnerTexts(),
    (statuses) => statuses.length > 0 && statuses.every((s) => s === 'cancelled'), 'only cancelled rows');
  assert.equal(await table.locator(`tr[data-message-id="${scheduledId}"]`).count(), 1);
  assert.match(new URL(page.url()).hash, /status=cancelled/, 'the filter is in the address');

  check('Messages: the number and category filters, and Clear');
  await main.getByLabel('Status').selectOption('');
  await main.getByLabel('Number').fill(NUMBER);
  await main.getByRole('button', { name: 'Apply filters' }).click();
  await eventually(() => rows.locator('th').allInnerTexts(),
    (numbers) => numbers.length === 3 && numbers.every((n) => n === NUMBER), 'our three messages');
  await main.getByLabel('Category').selectOption('reminder');
  await main.getByRole('button', { name: 'Apply filters' }).click();
  await eventually(() => rows.evaluateAll((all) => all.map((row) => row.dataset.messageId)),
    (ids) => ids.join() === `${resentId},${scheduledId}`, 'only the two reminders, newest first');

  check('Messages: search (q) finds words of the text');
  await main.getByLabel('Category').selectOption('');
  await main.getByLabel('Number').fill('');
  await main.getByLabel('Search').fill('glasses');
  await main.getByRole('button', { name: 'Apply filters' }).click();
  await eventually(() => rows.evaluateAll((all) => all.map((row) => row.dataset.messageId)),
    (ids) => ids.join() === String(sentId), 'only the message about glasses');
  await main.getByRole('button', { name: 'Clear filters' }).click();
  await eventually(() => rows.count(), (count) => count > 2, 'every message again');

  check('Messages: a message sent elsewhere shows in the table and goes on to sent, no reload');
  await page.evaluate(() => { window.stillThisPage = true; });
  const elsewhere = await apiCall(demo.url, 'POST', '/api/v1/messages', demo.apiKey,
    { to: NUMBER, text: 'Sent by the booking system' });
  assert.equal(elsewhere.status, 202);
  const liveRow = table.locator(`tr[data-message-id="${elsewhere.body.id}"]`);
  await eventually(() => liveRow.locator('td[data-label="Status"]').allInnerTexts(),
    (statuses) => statuses.length === 1 && /^(sent|delivered)$/.test(statuses[0]),
    'the new row, sent');
  assert.equal(await page.evaluate(() => window.stillThisPage), true, 'the page was not reloaded');

  check('Modems: Disable asks first; Cancel changes nothing');
  await nav.getByRole('link', { name: 'Modems' }).click();
  const modems = (await apiCall(demo.url, 'GET', '/api/v1/modems', demo.apiKey)).body.items;
  const modem = modems[0];
  const card = page.locator(`[data-modem-id="${modem.id}"]`);
  const sending = async () => (await apiCall(demo.url, 'GET', '/api/v1/modems', demo.apiKey))
    .body.items.find((m) => m.id === modem.id).sending_enabled;
  await card.getByRole('button', { name: /^Disable / }).click();
  await expectText(dialog, /Disable sending through this modem\?/, 'the confirmation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expectHidden(dialog, 'the confirmation');
  assert.equal(await sending(), true);

  check('Modems: Disable confirmed stops sending through it, Enable resumes');
  await card.getByRole('button', { name: /^Disable / }).click();
  await dialog.getByRole('button', { name: 'Disable sending' }).click();
  await expectText(card.getByRole('status'), /Sending is disabled/, 'the disable result');
  assert.equal(await sending(), false);
  await card.getByRole('button', { name: /^Enable / }).click();
  await dialog.getByRole('button', { name: 'Enable sending' }).click();
  await expectText(card.getByRole('status'), /Sending is enabled/, 'the enable result');
  assert.equal(await sending(), true);

  check('Modems: a USSD code is answered by the network in words; a bad one is refused first');
  const ussd = card.getByRole('form', { name: /^USSD through / });
  await ussd.getByLabel('USSD code').fill('balance');
  await ussd.getByRole('button', { name: 'Ask the network' }).click();
  await expectText(ussd.getByRole('alert'), /Enter a code of digits/, 'the refusal in words');
  await ussd.getByLabel('USSD code').fill('*100#');
  await ussd.getByRole('button', { name: 'Ask the network' }).click();
  await expectText(ussd.getByRole('status'), /^The network answered: Your balance is 5\.00 EUR/, 'the balance');
  assert.equal((await ussd.locator('p.error').innerText()).trim(), '', 'no error left');

  check('Dashboard: a message scheduled elsewhere shows in the queue without a reload');
  await nav.getByRole('link', { name: 'Dashboard' }).click();
  const scheduledTile = main.locator('a[data-status="scheduled"] .tile-number');
  const shown = Number(await expectText(scheduledTile, /^\d+\+?$/, 'the scheduled count'));
  const later = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
  const made = await apiCall(demo.url, 'POST', '/api/v1/messages', demo.apiKey,
    { to: NUMBER, text: 'See you next week.', send_at: later });
  assert.equal(made.status, 202);
  // Live events, or the look every 10 seconds.
  await expectText(scheduledTile, new RegExp(`^${shown + 1}$`), 'the scheduled count, one more', 15_000);
}

await runBrowserTest('browser.console_flows', scenario, { viewport: { width: 1280, height: 900 } });
