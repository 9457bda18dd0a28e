// The Mail page in real Chromium against a real smsgated: an admin forwards texts from
// anyone to an address, which the API then lists; an address that is not one is
// refused beside the field; a text that comes in is put in the mail outbox, shown with
// its state and why it has not gone (the demo's mail server, 127.0.0.1:2525, is not
// there); the rule is deleted after a confirmation.
//
//   node tests/browser/console_mail_test.mjs path/to/smsgated
import assert from 'node:assert/strict';
import {
  apiCall, check, eventually, expectHidden, expectText, expectVisible, runBrowserTest, signIn,
} from './harness.mjs';

const cell = (row, label) => row.locator(`td[data-label="${label}"]`);
const FRONT_DESK = 'frontdesk@clinic.example';

async function scenario(page, demo) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const main = page.getByRole('main');
  const dialog = page.getByRole('dialog');

  check('an admin forwards texts from anyone to the front desk on the Mail page');
  await signIn(page, demo);
  await nav.getByRole('link', { name: 'Mail' }).click();
  await expectText(page.getByRole('heading', { level: 1 }), /^Mail$/, 'the page heading');
  await main.getByLabel('Email address').fill('frontdesk');
  await main.getByRole('button', { name: 'Add forwarding' }).click();
  await expectText(page.locator('#forward-error'), /^to: "frontdesk" is not an email address/,
    'the refusal');
  await expectVisible(page.locator('#forward-to[aria-invalid="true"]'), 'the address marked invalid');
  await main.getByLabel('Email address').fill(FRONT_DESK);
  await main.getByRole('button', { name: 'Add forwarding' }).click();
  await expectText(page.locator('#mail-status'), /Texts are forwarded to frontdesk@clinic\.example\./,
    'the rule added');
  const rules = page.getByRole('region', { name: 'Forwarding rules' });
  const row = rules.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: FRONT_DESK }) });
  await expectVisible(row, 'the rule\'s row');
  await expectText(cell(row, 'From'), /^Anyone$/, 'from anyone');
  await expectText(cell(row, 'Subject'), /^SMS from \{number\}$/, 'the subject');
  const listed = await apiCall(demo.url.origin, 'GET', '/api/v1/forwards', demo.apiKey);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.items.map((r) => [r.source, r.to, r.from_numbers, r.subject]),
    [['api', FRONT_DESK, [], 'SMS from {number}']]);

  check('a text that comes in waits in the outbox, with why');
  // The demo's phones answer a request for a score from 1 to 10.
  const sent = await apiCall(demo.url.origin, 'POST', '/api/v1/messages', demo.apiKey,
    { to: '+4917000000077', text: 'How did we do? Reply 1-10.', category: 'feedback' });
  assert.equal(sent.status, 202);
  await eventually(() => apiCall(demo.url.origin, 'GET', '/api/v1/mail', demo.apiKey),
    (answer) => answer.body.items.some((m) => m.to === FRONT_DESK && m.attempts > 0),
    'the forwarded text tried', 30_000);
  await page.reload();
  const outbox = page.getByRole('region', { name: 'Mail outbox' });
  const mail = outbox.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: FRONT_DESK }) });
  await expectVisible(mail.first(), 'the mail in the outbox');
  await expectText(cell(mail.first(), 'Subject'), /^SMS from \+4917000000077$/, 'its subject');
  await expectText(cell(mail.first(), 'Kind'), /^Forwarded text$/, 'what kind of mail');
  await expectText(cell(mail.first(), 'State'), /^(Waiting|Set aside)$/, 'its state');
  await expectText(cell(mail.first(), 'Last error'), /\S/, 'why it has not gone');

  check('the rule is deleted after a confirmation');
  await page.getByRole('button', { name: `Delete forwarding to ${FRONT_DESK}` }).click();
  await dialog.getByRole('button', { name: 'Delete rule' }).click();
  await expectText(page.locator('#mail-status'), /Forwarding to frontdesk@clinic\.example is deleted\./,
    'the deletion confirmed');
  await expectHidden(row, 'the rule\'s row');
  const none = await apiCall(demo.url.origin, 'GET', '/api/v1/forwards', demo.apiKey);
  assert.deepEqual(none.body.items, []);
}

await runBrowserTest('browser.console_mail', scenario, { viewport: { width: 1280, height: 900 } });
