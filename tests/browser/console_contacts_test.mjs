// The Contacts page in real Chromium against a real smsgated: a contact added with the
// keyboard alone (a field and a new group), found by search among others, a CSV file
// imported whose bad row is refused with its reason, the book downloaded and read
// back; a template sent to the group from the Send page, each member's name and field
// rendered and the opted-out member skipped and counted; the contact deleted after a
// confirmation. Every control reached by Tab with its label, and no axe-core violation
// in light and dark.
//
//   node tests/browser/console_contacts_test.mjs path/to/smsgated
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  apiCall, axeViolations, check, eventually, expectHidden, expectText, expectVisible, runBrowserTest, signIn,
} from './harness.mjs';

const ANNA = '+491701110001';
const BERND = '+491701110002';
const CARLA = '+491701110003';
const DORA = '+491701110004';
const GROUP = 'test-patients';
const TEMPLATE = 'visit-note';

const cell = (row, label) => row.locator(`td[data-label="${label}"]`);

// What Tab reaches from the page's heading until focus leaves the page: each control
// as its tag and its label (the <label>, aria-label, or its own text).
async function tabWalk(page, max = 120) {
  await page.locator('#page-heading').focus();
  const reached = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || !document.getElementById('page').contains(element)) return null;
      const label = element.labels?.[0]?.textContent || element.getAttribute('aria-label')
        || element.textContent;
      return `${element.tagName.toLowerCase()}: ${label.trim()}`;
    });
    if (focused === null) return reached;
    reached.push(focused);
  }
  return reached;
}

async function scenario(page, demo, { artifacts }) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const main = page.getByRole('main');
  const dialog = page.getByRole('dialog');
  const api = (method, path, body) => apiCall(demo.url.origin, method, path, demo.apiKey, body);

  // Another contact, so that a search has something to leave out.
  const bernd = await api('POST', '/api/v1/contacts', { number: BERND, name: 'Bernd Other' });
  assert.equal(bernd.status, 201, JSON.stringify(bernd.body));
  const made = await api('POST', '/api/v1/templates',
    { name: TEMPLATE, text: 'Hello {name}, see you in room {room}. {note}' });
  assert.equal(made.status, 201, JSON.stringify(made.body));

  check('Contacts is in the navigation after Inbox, and lists the contact there is');
  await signIn(page, demo);
  const links = (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
  assert.equal(links[links.indexOf('Inbox') + 1], 'Contacts');
  await nav.getByRole('link', { name: 'Contacts' }).click();
  await expectText(page.getByRole('heading', { level: 1 }), /^Contacts$/, 'the page heading');
  const contacts = page.getByRole('region', { name: 'Contacts' });
  const row = (name) => contacts.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name }) });
  await expectVisible(row('Bernd Other'), 'the contact made through the API');

  check('keyboard only: a contact with a language, a new group and a field is added');
  await main.getByLabel('Number', { exact: true }).focus();
  await page.keyboard.type('+49 170 1110001');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Anna Test');
  await page.keyboard.press('Tab');
  await page.keyboard.type('de');
  await page.keyboard.press('Tab');
  await page.keyboard.type(GROUP);
  await page.keyboard.press('Tab');
  await page.keyboard.type('room=12');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Add contact');
  await page.keyboard.press('Enter');
  await expectText(page.locator('#contacts-status'), /^Anna Test \(\+491701110001\) is added\.$/, 'the addition');
  const anna = row('Anna Test');
  await expectText(cell(anna, 'Number'), /^\+491701110001$/, 'the number in E.164');
  await expectText(cell(anna, 'Groups'), new RegExp(`^${GROUP}$`), 'its group');
  await expectText(cell(anna, 'Fields'), /^room: 12$/, 'its field');
  const stored = await api('GET', `/api/v1/contacts?q=${encodeURIComponent('Anna')}`);
  assert.deepEqual(stored.body.items.map((c) => [c.number, c.name, c.language, c.groups, c.fields]),
    [[ANNA, 'Anna Test', 'de', [GROUP], { room: '12' }]]);
  const groups = page.getByRole('region', { name: 'Groups' });
  const groupRow = groups.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: GROUP }) });
  await expectText(cell(groupRow, 'Members'), /^1$/, 'the new group with its one member');

  check('a field written wrongly is refused beside the fields, and nothing is added');
  await main.getByLabel('Number', { exact: true }).fill('+491701110009');
  await main.getByLabel('Name', { exact: true }).fill('Nobody');
  await main.getByLabel('Fields (optional)').fill('room 12');
  await main.getByRole('button', { name: 'Add contact' }).click();
  await expectText(page.locator('#contact-fields-error'), /^Line 1 "room 12": write name=value/, 'the refusal');
  await expectVisible(page.locator('#contact-fields[aria-invalid="true"]'), 'the fields marked invalid');
  check('the server\'s refusal of a field name is shown on the fields too');
  await main.getByLabel('Fields (optional)').fill('name=Anna');
  await main.getByRole('button', { name: 'Add contact' }).click();
  await expectText(page.locator('#contact-fields-error'), /^fields\.name: is the contact's own; it is not a field$/,
    'the server\'s words');
  assert.equal((await api('GET', '/api/v1/contacts?q=Nobody')).body.items.length, 0);
  await main.getByLabel('Number', { exact: true }).fill('');
  await main.getByLabel('Name', { exact: true }).fill('');
  await main.getByLabel('Fields (optional)').fill('');

  check('a search by name finds Anna and leaves Bernd out; the group filter too');
  await main.getByLabel('Name or number').fill('anna');
  await main.getByLabel('Name or number').press('Enter');
  await expectText(page.locator('#contacts-summary'), /^Showing 1 contact, newest first\.$/, 'one found');
  await expectVisible(anna, 'Anna\'s row');
  await expectHidden(row('Bernd Other'), 'Bernd\'s row');
  await main.getByRole('button', { name: 'Show all' }).click();
  await expectVisible(row('Bernd Other'), 'Bernd again');
  await main.getByLabel('Group', { exact: true }).selectOption(GROUP);
  await main.getByRole('button', { name: 'Find', exact: true }).click();
  await expectHidden(row('Bernd Other'), 'Bernd, who is in no group');
  await expectVisible(anna, 'Anna in the group');
  await main.getByRole('button', { name: 'Show all' }).click();

  check('a CSV file is imported: one row taken into the group, the bad row refused with its reason');
  const csv = `number,name,groups,room\n${CARLA},Carla Import,${GROUP},14\nnot-a-number,Bad Row,,\n`;
  await main.getByLabel('CSV file').setInputFiles({ name: 'patients.csv', mimeType: 'text/csv',
    buffer: Buffer.from(csv) });
  await main.getByRole('button', { name: 'Import', exact: true }).click();
  const report = page.locator('#import-report');
  await expectText(report, /^Taken: 1 row\. Refused: 1 row\./, 'the report');
  const refused = await report.getByRole('listitem').allInnerTexts();
  assert.equal(refused.length, 1);
  assert.match(refused[0], /^Row 3: .*not-a-number/);
  await expectVisible(row('Carla Import'), 'the imported contact');
  await expectText(cell(groupRow, 'Members'), /^2$/, 'the group with two members');
  const carla = await api('GET', `/api/v1/contacts?q=${encodeURIComponent('Carla')}`);
  assert.deepEqual(carla.body.items.map((c) => [c.number, c.groups, c.fields]), [[CARLA, [GROUP], { room: '14' }]]);

  check('a file that is no contacts file is refused in words beside the file input, nothing taken');
  await main.getByLabel('CSV file').setInputFiles({ name: 'other.csv', mimeType: 'text/csv',
    buffer: Buffer.from('phone,who\n+491701110004,Eve\n') });
  await main.getByRole('button', { name: 'Import', exact: true }).click();
  await expectText(page.locator('#contacts-file-error'), /no "number" column.*Nothing was imported\./,
    'the refusal of the whole file');

  check('the export downloads a CSV file that holds the contact with its group and field');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    main.getByRole('link', { name: 'Download all contacts as CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'contacts.csv');
  const exported = readFileSync(await download.path(), 'utf8').split('\r\n');
  assert.equal(exported[0], 'number,name,language,groups,room');
  assert.ok(exported.includes(`${ANNA},Anna Test,de,${GROUP},12`), exported.join(' | '));
  assert.ok(exported.includes(`${CARLA},Carla Import,,${GROUP},14`), exported.join(' | '));

  check('every control of the page is reached by Tab, each with its label');
  const reached = await tabWalk(page);
  for (const control of ['input: Name or number', 'select: Group', 'button: Find', 'button: Show all',
    'button: Edit contact Anna Test', 'button: Delete contact Anna Test', 'input: Number', 'input: Name',
    'input: Language (optional)', 'input: Groups (optional)', 'textarea: Fields (optional)',
    'button: Add contact', `button: Show the members of ${GROUP}`, `button: Delete group ${GROUP}`,
    'input: Group name', 'input: Description (optional)', 'button: Add group', 'input: CSV file',
    'button: Import', 'a: Download all contacts as CSV']) {
    assert.ok(reached.includes(control), `${control} not among ${reached.join(' | ')}`);
  }
  assert.ok(reached.every((control) => !/^[a-z]+: $/.test(control)), `a control without a label: ${reached}`);

  for (const colorScheme of ['light', 'dark']) {
    check(`the Contacts page with its contacts, groups and report: no axe violations in ${colorScheme}`);
    await page.emulateMedia({ colorScheme });
    assert.deepEqual(await axeViolations(page), []);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(artifacts, 'contacts-filled-1280.png'), fullPage: true });
  check('the page with its contacts is no wider than a 390 px screen');
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the Contacts page is ${width} px wide at 390 px`);
  await page.screenshot({ path: join(artifacts, 'contacts-filled-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  check('a contact is edited: its name changed, the group kept');
  await page.getByRole('button', { name: 'Edit contact Carla Import' }).click();
  await expectText(page.locator('#contact-form-heading'), /^Edit Carla Import$/, 'the form in edit mode');
  await main.getByLabel('Name', { exact: true }).fill('Carla Changed');
  await main.getByRole('button', { name: 'Save contact' }).click();
  await expectText(page.locator('#contacts-status'), /^Carla Changed is saved\.$/, 'the change');
  await expectVisible(row('Carla Changed'), 'the row under the new name');
  const changed = await api('GET', `/api/v1/contacts?q=${encodeURIComponent('Carla')}`);
  assert.deepEqual(changed.body.items.map((c) => [c.name, c.groups, c.fields]),
    [['Carla Changed', [GROUP], { room: '14' }]]);

  check('a group is added and deleted after a confirmation; its members stay');
  await main.getByLabel('Group name').fill('Bad Name');
  await main.getByRole('button', { name: 'Add group' }).click();
  await expectText(page.locator('#group-name-error'), /^name: must be 1 to 64 lower-case letters/, 'the refusal');
  await main.getByLabel('Group name').fill('walk-ins');
  await main.getByRole('button', { name: 'Add group' }).click();
  await expectText(page.locator('#contacts-status'), /^Group walk-ins is added\.$/, 'the group added');
  await page.getByRole('button', { name: 'Delete group walk-ins' }).click();
  await dialog.getByRole('button', { name: 'Delete group' }).click();
  await expectText(page.locator('#contacts-status'), /^Group walk-ins is deleted\.$/, 'the group deleted');
  const left = await api('GET', '/api/v1/groups');
  assert.deepEqual(left.body.items.map((g) => [g.name, g.members]), [[GROUP, 2]]);

  check('the Send page sends a template to the group: the variables a contact has are left empty');
  // A member who opted out, to be skipped; the newest member, so the counter's example.
  const dora = await api('POST', '/api/v1/contacts', { number: DORA, name: 'Dora Stop', groups: [GROUP],
    fields: { room: '3' } });
  assert.equal(dora.status, 201, JSON.stringify(dora.body));
  assert.equal((await api('POST', '/api/v1/optouts', { number: DORA })).status, 201);
  await nav.getByRole('link', { name: 'Send' }).click();
  await expectText(page.getByRole('heading', { level: 1 }), /^Send$/, 'the Send page');
  await main.getByLabel('A group').check();
  await main.getByLabel('Group', { exact: true }).selectOption(GROUP);
  await main.getByLabel('Use a template').check();
  await main.getByLabel('Template', { exact: true }).selectOption(TEMPLATE);
  await expectText(page.locator('#send-template-text'), /^Hello \{name\}, see you in room \{room\}\. \{note\}$/,
    'the template\'s text');
  assert.deepEqual(await page.locator('fieldset.variables label').allInnerTexts(), ['{name}', '{room}', '{note}']);
  await main.getByLabel('{note}').fill('Bring your card.');
  await expectText(page.locator('#send-rendered'),
    /^As Dora Stop, the group's first member, will get it:\s+Hello Dora Stop, see you in room 3\. Bring your card\.$/,
    'the rendered preview');
  await expectText(page.locator('#send-counter'), /^1 part · GSM-7 · \d+ left$/, 'the counter of the rendered text');
  for (const colorScheme of ['light', 'dark']) {
    check(`the Send page with a template and a group: no axe violations in ${colorScheme}`);
    await page.emulateMedia({ colorScheme });
    assert.deepEqual(await axeViolations(page), []);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(artifacts, 'send-template-group-1280.png'), fullPage: true });

  check('the result says how many went and how many opted-out members were skipped');
  await main.getByRole('button', { name: 'Send', exact: true }).click();
  const result = page.locator('#send-result');
  await expectText(result, /^Group test-patients: 2 messages accepted, 1 member skipped as opted out\./, 'the result');
  check('Anna\'s message reads with her name and field rendered, on its page and through the API');
  await result.getByRole('link', { name: `to ${ANNA}` }).click();
  await expectText(page.locator('.message-text'), /^Hello Anna Test, see you in room 12\. Bring your card\.$/,
    'the rendered text on the message\'s page');
  const sentId = Number(/(\d+)$/.exec(new URL(page.url()).hash)[1]);
  const sent = await api('GET', `/api/v1/messages/${sentId}`);
  assert.equal(sent.body.to, ANNA);
  assert.equal(sent.body.text, 'Hello Anna Test, see you in room 12. Bring your card.');

  check('a template to a number that is no contact: the missing variable is refused beside its input');
  await nav.getByRole('link', { name: 'Send' }).click();
  await main.getByLabel('Use a template').check();
  await main.getByLabel('Template', { exact: true }).selectOption(TEMPLATE);
  await main.getByLabel('To', { exact: true }).fill('+491701119999');
  await main.getByLabel('{room}').fill('7');
  await main.getByLabel('{note}').fill('See you.');
  await expectText(page.locator('#send-rendered'), /^As it reads:\s+Hello \{name\}, see you in room 7\. See you\.$/,
    'the preview with {name} as written');
  const before = (await api('GET', '/api/v1/messages?limit=1')).body.items[0].id;
  await main.getByRole('button', { name: 'Send', exact: true }).click();
  await expectText(page.locator('#send-var-name-error'), /variables\.name/, 'the refusal beside {name}');
  assert.equal(await main.getByLabel('{name}').getAttribute('aria-invalid'), 'true');
  assert.equal((await api('GET', '/api/v1/messages?limit=1')).body.items[0].id, before, 'nothing sent');
  await nav.getByRole('link', { name: 'Contacts' }).click();

  check('the contact is deleted after a confirmation, and is gone from the book');
  const annaId = stored.body.items[0].id;
  await page.getByRole('button', { name: 'Delete contact Anna Test' }).click();
  await expectText(dialog, /Anna Test \(\+491701110001\) leaves the book/, 'the question');
  await dialog.getByRole('button', { name: 'Delete contact' }).click();
  await expectText(page.locator('#contacts-status'), /^Anna Test is deleted\.$/, 'the deletion');
  await expectHidden(anna, 'Anna\'s row');
  assert.equal((await api('GET', `/api/v1/contacts/${annaId}`)).status, 404);
  await eventually(() => cell(groupRow, 'Members').innerText(), (text) => text === '2', 'the group without Anna');
}

await runBrowserTest('browser.console_contacts', scenario, { viewport: { width: 1280, height: 900 } });
