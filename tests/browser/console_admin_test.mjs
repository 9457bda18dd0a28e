// What admins do with the console, in real Chromium against a real smsgated: add an
// operator, who then signs in from another browser and finds no Settings (in the
// navigation, on its page, or from the API); the audit log lists both; the gateway's
// automatic replies, appointments and other settings are shown read-only; a webhook to a
// receiver this test runs gets a signed test event that the page shows delivered; the
// operator's session outlives a restart of the daemon, and signing out ends it on the
// server; an admin sets the operator's password, manages an opt-out, removes the
// operator.
//
//   node tests/browser/console_admin_test.mjs path/to/smsgated
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import {
  check, eventually, expectHidden, expectText, expectVisible, runBrowserTest, signIn,
} from './harness.mjs';

const OPERATOR = 'olga';
const OPERATOR_PASSWORD = 'front desk 2026 spring';
const NEW_PASSWORD = 'front desk 2026 autumn';

// A webhook receiver on loopback: keeps every POST (headers and the raw body), answers 200.
async function startReceiver() {
  const received = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method, url: request.url, headers: request.headers,
        body: Buffer.concat(chunks) });
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  return { received, url: `http://127.0.0.1:${server.address().port}/sms-events`,
    close: () => new Promise((resolve) => { server.close(resolve); }) };
}

const cell = (row, label) => row.locator(`td[data-label="${label}"]`);

// The session cookie a context holds for the daemon, as a Cookie header.
async function cookieHeader(context, origin) {
  const cookies = await context.cookies(origin);
  assert.ok(cookies.length > 0, 'the browser holds a session cookie');
  return cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}

function signInStatus(origin, name, password) {
  return fetch(new URL('/api/v1/admin/session', origin), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }),
  }).then((response) => response.status);
}

function sessionStatus(origin, cookie) {
  return fetch(new URL('/api/v1/admin/session', origin), { headers: { Cookie: cookie } })
    .then((response) => response.status);
}

async function scenario(page, demo, { newPage, restartDaemon }) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const main = page.getByRole('main');
  const dialog = page.getByRole('dialog');

  check('an admin adds an operator in Settings → Users');
  await signIn(page, demo);
  await nav.getByRole('link', { name: 'Settings' }).click();
  const users = page.locator('#users-table');
  await expectVisible(users.getByRole('rowheader', { name: 'admin', exact: true }), 'the admin in the users');
  await main.getByLabel('User name').fill(OPERATOR);
  await main.getByLabel('Role').selectOption('operator');
  await main.getByLabel('Password', { exact: true }).fill(OPERATOR_PASSWORD);
  await main.getByRole('button', { name: 'Add user' }).click();
  const olgaRow = users.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: OPERATOR, exact: true }) });
  await expectVisible(olgaRow, 'the operator\'s row');
  await expectText(cell(olgaRow, 'Role'), /^operator$/, 'the operator\'s role');
  const listed = await page.evaluate(() => fetch('/api/v1/users').then((r) => r.json()));
  assert.deepEqual(listed.items.find((u) => u.name === OPERATOR)?.role, 'operator');

  check('the operator signs in from another browser: the console, without Settings');
  const desk = await newPage();
  await desk.goto(demo.url.href);
  await desk.locator('#sign-in-form').getByLabel('User name').fill(OPERATOR);
  await desk.locator('#sign-in-form').getByLabel('Password', { exact: true }).fill(OPERATOR_PASSWORD);
  await desk.getByRole('button', { name: 'Sign in' }).click();
  const deskNav = desk.getByRole('navigation', { name: 'Main' });
  await expectVisible(deskNav, 'the operator\'s navigation');
  await expectText(desk.locator('#who'), new RegExp(`^${OPERATOR} \\(operator\\)$`), 'who is signed in');
  assert.deepEqual((await deskNav.getByRole('link').allInnerTexts()).map((t) => t.trim()),
    ['Dashboard', 'Send', 'Messages', 'Inbox', 'Contacts', 'Modems', 'Rules', 'Mail']);
  // The day's work still shows: the modems on the dashboard.
  await expectVisible(desk.locator('.modem-card').first(), 'a modem card for the operator');

  check('the Settings address says in words that it needs an admin');
  await desk.goto(`${demo.url.origin}/#/settings`);
  await expectText(desk.locator('#settings-refused'), /^Settings needs an admin\. You are signed in as olga, an operator/,
    'the refusal');
  assert.equal(await desk.getByRole('heading', { name: 'API keys' }).count(), 0, 'no keys section');

  check('the API answers the operator\'s session 403 on admin routes, 200 on the day\'s work');
  const statuses = await desk.evaluate(async () => Object.fromEntries(await Promise.all(
    ['/api/v1/users', '/api/v1/keys', '/api/v1/audit', '/api/v1/settings', '/api/v1/webhooks', '/api/v1/messages',
      '/api/v1/contacts']
      .map(async (path) => [path, (await fetch(path)).status]))));
  assert.deepEqual(statuses, {
    '/api/v1/users': 403, '/api/v1/keys': 403, '/api/v1/audit': 403, '/api/v1/settings': 403,
    '/api/v1/webhooks': 403, '/api/v1/messages': 200, '/api/v1/contacts': 200,
  });

  check('the admin\'s audit log lists the operator\'s creation and sign-in');
  await page.reload();
  const audit = page.locator('#audit-table');
  const auditRow = (action, actor) => audit.locator(`tbody tr[data-action="${action}"]`)
    .filter({ has: page.getByRole('rowheader', { name: actor, exact: true }) });
  await expectVisible(auditRow('user.add', 'admin'), 'the user.add row');
  await expectText(cell(auditRow('user.add', 'admin'), 'To what'), new RegExp(`^${OPERATOR}$`), 'whom the admin added');
  await expectText(cell(auditRow('user.add', 'admin'), 'What'), /added a person/, 'the action in words');
  await expectVisible(auditRow('session.sign_in', OPERATOR), 'the operator\'s sign-in row');
  await expectText(cell(auditRow('session.sign_in', OPERATOR), 'From'), /^127\.0\.0\.1$/, 'where from');

  check('Gateway: time zone and quiet hours read-only, with where to change them');
  const facts = page.locator('#gateway-facts');
  await expectText(facts, /Time zone\s+UTC/, 'the demo\'s time zone');
  await expectText(facts, /Quiet hours\s+none/, 'the demo\'s quiet hours');
  await expectText(page.locator('#gateway-how'), /^To change them: these are built-in settings/, 'how to change them');
  await expectText(facts, /One-time passwords\s+at most 5 to a number in 60 minutes/, 'the OTP limit');
  await expectText(facts, /Email to SMS\s+off/, 'email to SMS, off in the demo');
  await expectText(facts, /Mailed back for a text that came by email\s+delivery, failure, replies, to the mail's sender/,
    'what the demo mails back, through its smarthost');

  check('Automatic replies and Appointments: the configured texts and words, read-only, with where to change them');
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Automatic replies' }).click();
  await eventually(() => page.evaluate(() => document.activeElement?.id), (id) => id === 'autoreply-heading',
    'focus on the Automatic replies heading');
  const autoreply = page.locator('#autoreply-facts');
  await expectText(autoreply, /Automatic replies\s+on/, 'automatic replies on');
  await expectText(autoreply, /Help words\s+HELP\b/, 'the help word');
  await expectText(autoreply, /Help answer\s+\W?Messages from \{sender_name\}\. Reply STOP to get no more, START to resume\./,
    'the help text as written, placeholders and all');
  await expectText(autoreply, /Opt-out confirmation\s+\W?You will get no more messages from \{sender_name\}/, 'the opt-out confirmation');
  await expectText(autoreply, /Opening hours\s+none set: no out-of-hours answer/, 'no opening hours in the demo');
  await expectText(page.locator('#autoreply-how'), /^To change them: these are built-in settings/, 'how to change them');
  await expectVisible(page.locator('section[aria-labelledby="autoreply-heading"]').getByRole('link', { name: 'Rules page' }),
    'the way to the Rules page');
  const appointments = page.locator('#appointments-facts');
  await expectText(appointments, /Default reminders\s+-24h/, 'the default reminder');
  await expectText(appointments, /Replies counted for\s+48 hours/, 'the reply window');
  await expectText(appointments, /Booking confirmation\s+\W?Your appointment on \{date\} at \{time\} is booked/, 'the confirmation text');
  await expectText(appointments, /Yes words\s+[^]*en: YES, Y, OK, 1[^]*id: YA, IYA, OK, 1/, 'the yes words by language');
  await expectText(appointments, /No words\s+[^]*en: NO, N, CANCEL/, 'the no words by language');
  await expectText(page.locator('#appointments-how'), /^To change them: these are built-in settings/, 'how to change them');
  assert.equal(await page.locator('section[aria-labelledby="appointments-heading"] input, '
    + 'section[aria-labelledby="autoreply-heading"] input').count(), 0, 'nothing to edit there');

  const receiver = await startReceiver();
  try {
    check('an admin adds a webhook to a receiver on 127.0.0.1; its secret is shown once');
    await main.getByLabel('URL', { exact: true }).fill(receiver.url);
    // One rare event only, so that the test event is what the receiver gets.
    await main.getByRole('checkbox', { name: 'modem.storage_full' }).check();
    await main.getByRole('button', { name: 'Create webhook' }).click();
    const secret = await eventually(() => page.locator('#new-webhook-secret-value').inputValue().catch(() => ''),
      (value) => value.length >= 16, 'the new webhook\'s secret');
    const card = page.locator('li[data-webhook-id]').filter({ hasText: receiver.url });
    await expectVisible(card, 'the webhook\'s card');
    const webhookId = Number(await card.getAttribute('data-webhook-id'));

    check('Send test event: the receiver gets a signed webhook.test POST');
    await card.getByRole('button', { name: `Send a test event to ${receiver.url}` }).click();
    const post = await eventually(() => receiver.received.find((r) => r.headers['x-smsgate-event'] === 'webhook.test'),
      Boolean, 'a webhook.test POST at the receiver', 15_000);
    assert.equal(post.method, 'POST');
    assert.equal(post.url, '/sms-events');
    assert.match(post.headers['content-type'], /^application\/json/);
    const body = JSON.parse(post.body.toString('utf8'));
    assert.equal(body.event, 'webhook.test');
    assert.equal(body.data.webhook_id, webhookId);
    assert.ok(!Number.isNaN(Date.parse(body.occurred_at)), 'occurred_at is a time');
    const expected = `sha256=${createHmac('sha256', secret).update(post.body).digest('hex')}`;
    assert.equal(post.headers['x-smsgate-signature'], expected, 'the HMAC-SHA256 of the raw body with the secret');
    assert.match(post.headers['x-smsgate-delivery'], /^evt_[1-9]\d*$/);

    check('the page shows the test event delivered, in its result and in the deliveries');
    await expectText(card.locator('[data-test-result]'),
      new RegExp(`^Test event ${post.headers['x-smsgate-delivery']}: delivered \\(HTTP 200\\)\\.$`), 'the test result', 15_000);
    const deliveryRow = card.locator(`tr[data-delivery-id="${post.headers['x-smsgate-delivery'].slice(4)}"]`);
    await expectText(cell(deliveryRow, 'State'), /^delivered$/, 'the delivery\'s state', 15_000);
    await expectText(deliveryRow.getByRole('rowheader'), /^webhook\.test$/, 'the delivery\'s event');
    await expectText(cell(deliveryRow, 'Last answer'), /^HTTP 200$/, 'the receiver\'s answer');
  } finally {
    await receiver.close();
  }

  check('the operator\'s session outlives a restart of the daemon');
  const deskCookie = await cookieHeader(desk.context(), demo.url.origin);
  assert.equal(await sessionStatus(demo.url.origin, deskCookie), 200);
  await desk.goto(`${demo.url.origin}/#/messages`);
  await expectVisible(desk.getByRole('region', { name: 'Messages' }).getByRole('table'), 'the operator\'s messages');
  const restarted = await restartDaemon();
  assert.equal(restarted.url.origin, demo.url.origin, 'the same address after the restart');
  await desk.reload();
  await expectVisible(desk.getByRole('region', { name: 'Messages' }).getByRole('table'), 'the messages after the restart');
  await expectText(desk.locator('#who'), new RegExp(`^${OPERATOR} \\(operator\\)$`), 'still signed in');
  await expectHidden(desk.locator('#sign-in-form'), 'the sign-in form');
  assert.equal(await desk.evaluate(() => fetch('/api/v1/messages?limit=1').then((r) => r.status)), 200);

  check('signing out ends the session on the server: its old cookie gets 401');
  await desk.getByRole('button', { name: 'Sign out' }).click();
  await expectVisible(desk.locator('#sign-in-form').getByLabel('Password', { exact: true }), 'the sign-in form');
  await expectText(desk.locator('#sign-in-notice'), /signed out/, 'the signed-out notice');
  assert.equal(await sessionStatus(demo.url.origin, deskCookie), 401, 'the old cookie, sent by hand');
  const messagesStatus = await fetch(new URL('/api/v1/messages', demo.url.origin), { headers: { Cookie: deskCookie } })
    .then((response) => response.status);
  assert.equal(messagesStatus, 401);

  check('an admin sets the operator\'s password: the new one signs in, the old one no longer');
  // `run --demo` gives admin a new password each start, which ends admin's sessions.
  await page.goto(restarted.url.href);
  await eventually(async () => (await nav.isVisible()) || page.locator('#sign-in-form').isVisible(), Boolean,
    'the console or the sign-in form');
  if (!await nav.isVisible()) await signIn(page, restarted);
  await nav.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: `Change password of ${OPERATOR}` }).click();
  await dialog.getByLabel('New password').fill('short');
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expectText(dialog.getByRole('alert'), /12/, 'the server\'s words on a short password');
  await dialog.getByLabel('New password').fill(NEW_PASSWORD);
  await dialog.getByRole('button', { name: 'Change password' }).click();
  await expectHidden(dialog, 'the password dialog');
  await expectText(page.locator('#users-status'), new RegExp(`password of ${OPERATOR} is changed`),
    'the change confirmed');
  assert.equal(await signInStatus(demo.url.origin, OPERATOR, OPERATOR_PASSWORD), 401, 'the old password');
  assert.equal(await signInStatus(demo.url.origin, OPERATOR, NEW_PASSWORD), 204, 'the new password');

  check('Opt-outs: an admin adds a number, finds it by search, and removes it after a confirmation');
  await main.getByLabel('Number to opt out').fill('+491709998877');
  await main.getByLabel('Reason (optional)').fill('asked by phone');
  await main.getByRole('button', { name: 'Add opt-out' }).click();
  const optouts = page.getByRole('region', { name: 'Opt-outs' });
  await expectVisible(optouts.getByRole('rowheader', { name: '+491709998877' }), 'the opt-out\'s row');
  await main.getByLabel('Search opt-outs').fill('99988');
  await eventually(() => optouts.getByRole('rowheader').allInnerTexts(), (numbers) => numbers.join() === '+491709998877',
    'only the matching opt-out');
  const optedOut = await fetch(new URL('/api/v1/messages', demo.url.origin), {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${restarted.apiKey}` },
    body: JSON.stringify({ to: '+491709998877', text: 'Hello' }),
  });
  assert.equal(optedOut.status, 409, 'a send to an opted-out number is refused');
  await page.getByRole('button', { name: 'Remove opt-out +491709998877' }).click();
  await dialog.getByRole('button', { name: 'Remove opt-out' }).click();
  await expectText(page.locator('#optouts-status'), /no longer opted out/, 'the removal confirmed');
  await expectHidden(optouts.getByRole('rowheader', { name: '+491709998877' }), 'the opt-out\'s row');

  check('the operator is removed after a confirmation, and can no longer sign in');
  await page.getByRole('button', { name: `Remove user ${OPERATOR}` }).click();
  await dialog.getByRole('button', { name: 'Remove user' }).click();
  await expectHidden(olgaRow, 'the operator\'s row');
  assert.equal(await signInStatus(demo.url.origin, OPERATOR, NEW_PASSWORD), 401);
}

await runBrowserTest('browser.console_admin', scenario, { viewport: { width: 1280, height: 900 } });
