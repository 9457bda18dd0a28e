// The Rules page in real Chromium against a real smsgated: an admin adds a keyword
// rule, which the API then lists; a regex that does not compile is refused in ICU's
// words beside the field; the rule is turned off and on, then deleted after a
// confirmation.
//
//   node tests/browser/console_rules_test.mjs path/to/smsgated
import assert from 'node:assert/strict';
import {
  apiCall, check, expectHidden, expectText, expectVisible, runBrowserTest, signIn,
} from './harness.mjs';

const cell = (row, label) => row.locator(`td[data-label="${label}"]`);

async function scenario(page, demo) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const main = page.getByRole('main');
  const dialog = page.getByRole('dialog');

  check('an admin adds a keyword rule on the Rules page');
  await signIn(page, demo);
  await nav.getByRole('link', { name: 'Rules' }).click();
  await expectText(page.getByRole('heading', { level: 1 }), /^Rules$/, 'the page heading');
  await main.getByLabel('Name', { exact: true }).fill('Opening hours');
  await main.getByLabel('Match by').selectOption('keyword');
  await main.getByLabel('Keyword or pattern').fill('HOURS');
  await main.getByLabel('Reply', { exact: true }).fill('We are open Mon-Fri 08:00-17:00.');
  await main.getByRole('button', { name: 'Add rule' }).click();
  const rules = page.getByRole('region', { name: 'Rules' });
  const row = rules.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: 'Opening hours' }) });
  await expectVisible(row, 'the rule\'s row');
  await expectText(cell(row, 'Matches'), /^Keyword HOURS$/, 'what it matches');
  await expectText(cell(row, 'State'), /^On$/, 'the rule is on');
  const listed = await apiCall(demo.url.origin, 'GET', '/api/v1/rules', demo.apiKey);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.items.map((r) => [r.name, r.match, r.reply]),
    [['Opening hours', { keyword: 'HOURS' }, { text: 'We are open Mon-Fri 08:00-17:00.' }]]);

  check('a regex that does not compile is refused in ICU\'s words, beside the field');
  await main.getByLabel('Name', { exact: true }).fill('Broken');
  await main.getByLabel('Match by').selectOption('regex');
  await main.getByLabel('Keyword or pattern').fill('(jam|hours');
  await main.getByLabel('Reply', { exact: true }).fill('never');
  await main.getByRole('button', { name: 'Add rule' }).click();
  await expectText(page.locator('#rule-error'), /match\.regex: does not compile: mismatched paren \(at character 11\)/,
    'the refusal');
  await expectVisible(page.locator('#rule-pattern[aria-invalid="true"]'), 'the pattern marked invalid');

  check('the rule is turned off and on, then deleted after a confirmation');
  await page.getByRole('button', { name: 'Turn off rule Opening hours' }).click();
  await expectText(cell(row, 'State'), /^Off$/, 'the rule is off');
  const off = await apiCall(demo.url.origin, 'GET', '/api/v1/rules', demo.apiKey);
  assert.equal(off.body.items[0].enabled, false);
  await page.getByRole('button', { name: 'Turn on rule Opening hours' }).click();
  await expectText(cell(row, 'State'), /^On$/, 'the rule is on again');
  await page.getByRole('button', { name: 'Delete rule Opening hours' }).click();
  await dialog.getByRole('button', { name: 'Delete rule' }).click();
  await expectText(page.locator('#rules-status'), /Rule Opening hours is deleted\./, 'the deletion confirmed');
  await expectHidden(row, 'the rule\'s row');
  const none = await apiCall(demo.url.origin, 'GET', '/api/v1/rules', demo.apiKey);
  assert.deepEqual(none.body.items, []);
}

await runBrowserTest('browser.console_rules', scenario, { viewport: { width: 1280, height: 900 } });
