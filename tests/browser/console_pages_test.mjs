// Every page of the console in real Chromium against a real smsgated: reached from the
// navigation (the current page marked, focus on its heading, back and forward), no
// axe-core violation of WCAG 2 A or AA in light and in dark, no sideways scrolling on
// a 390 px wide phone, and a screenshot of each at 390 and 1440 px (test artefacts in
// the build tree: see harness.mjs).
//
//   node tests/browser/console_pages_test.mjs path/to/smsgated
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  axeViolations, check, eventually, expectText, expectVisible, runBrowserTest, signIn,
} from './harness.mjs';

const PAGES = ['Dashboard', 'Send', 'Messages', 'Inbox', 'Contacts', 'Modems', 'Rules', 'Mail', 'Settings'];

async function settled(page) {
  // Sections say "Loading…" until their answer is in.
  await eventually(() => page.locator('#page').getByText('Loading…').count(), (count) => count === 0,
    'every section loaded');
}

async function currentLinks(page) {
  return page.getByRole('navigation', { name: 'Main' }).locator('a[aria-current="page"]').allInnerTexts();
}

async function focusedHeading(page) {
  return page.evaluate(() => (document.activeElement?.tagName === 'H1' ? document.activeElement.textContent : null));
}

// A full-page screenshot, checked to be a real PNG file of some size.
async function screenshot(page, artifacts, name) {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  assert.ok(statSync(path).size > 1000, `${path} holds a picture`);
}

async function scenario(page, demo, { artifacts }) {
  const nav = page.getByRole('navigation', { name: 'Main' });

  check('signing in opens the console with the eight pages in its navigation');
  await signIn(page, demo);
  assert.deepEqual((await nav.getByRole('link').allInnerTexts()).map((t) => t.trim()), PAGES);
  await expectText(page.getByRole('heading', { level: 1 }), /^Dashboard$/, 'the first page');

  check('Dashboard: the modem cards count the day\'s sends, without a daily limit too');
  // The demo sends its four one-part samples as it starts; its modems have no daily limit.
  const sentToday = () => page.locator('.modem-card dt:text-is("Sent today") + dd').allInnerTexts();
  const counts = await eventually(sentToday,
    (texts) => texts.length === 4 && texts.reduce((sum, text) => sum + Number.parseInt(text, 10), 0) >= 4,
    'four sends counted on the cards', 20_000);
  assert.ok(counts.every((text) => /^\d+ \(no daily limit\)$/.test(text)), counts.join(' | '));

  check('Dashboard: each card shows its SIM\'s balance, and the low one is listed as an alarm');
  // The demo checks *100# as its modems come up; the last SIM has 0.85 EUR, below 1.
  const balances = () => page.locator('.modem-card dt:text-is("Balance") + dd').allInnerTexts();
  const shown = await eventually(balances, (texts) => texts.length === 4 && texts.every((t) => / EUR \(/.test(t)),
    'four balances on the cards', 20_000);
  assert.equal(shown.filter((text) => text.startsWith('5.00 EUR (')).length, 3, shown.join(' | '));
  const alarms = () => page.locator('#dash-alarms-body .alarm').allInnerTexts();
  const listed = await eventually(alarms, (texts) => texts.length === 1, 'one alarm listed', 20_000);
  assert.match(listed[0], /^Low balance · modem \d+: balance 0\.85 EUR is below 1\.00 EUR \(since /);

  for (const name of PAGES) {
    check(`${name}: from the navigation, marked current, focus on its heading`);
    await nav.getByRole('link', { name, exact: true }).click();
    await eventually(() => focusedHeading(page), (text) => text === name, `focus on the ${name} heading`);
    assert.deepEqual(await currentLinks(page), [name]);
    assert.equal(new URL(page.url()).hash, `#/${name.toLowerCase()}`);
    assert.match(await page.title(), new RegExp(`^${name} · smsgate$`));
    await settled(page);

    for (const colorScheme of ['light', 'dark']) {
      check(`${name}: no axe violations (wcag2a, wcag2aa) in ${colorScheme}`);
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await axeViolations(page), []);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, artifacts, `${name.toLowerCase()}-1440`);

    check(`${name}: nothing wider than a 390 px screen`);
    await page.setViewportSize({ width: 390, height: 844 });
    await settled(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${name} is ${width} px wide at 390 px`);
    await screenshot(page, artifacts, `${name.toLowerCase()}-390`);
    await page.setViewportSize({ width: 1440, height: 900 });
  }

  check('a message\'s page passes axe in light and dark and fits 390 px');
  await page.goto(`${demo.url.origin}/#/messages/1`);
  await expectVisible(page.getByRole('heading', { name: 'History' }), 'the message\'s history');
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    assert.deepEqual(await axeViolations(page), [], `message page in ${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, artifacts, 'message-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390);
  await screenshot(page, artifacts, 'message-390');
  await page.setViewportSize({ width: 1440, height: 900 });

  check('a conversation\'s page, a reply under its request, passes axe and fits 390 px');
  // The demo's fourth sample asks +491700000013 for a score, which its phone answers.
  await page.goto(`${demo.url.origin}/#/inbox/${encodeURIComponent('+491700000013')}`);
  await expectVisible(page.getByRole('list', { name: /^Messages with \+491700000013/ }), 'the thread');
  await expectText(page.locator('.replies .rating'), /^Rating: 9 of 10$/, 'the rated reply', 20_000);
  assert.deepEqual(await axeViolations(page), [], 'conversation page');
  await screenshot(page, artifacts, 'conversation-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390);
  await screenshot(page, artifacts, 'conversation-390');
  await page.setViewportSize({ width: 1440, height: 900 });

  check('Back and Forward move between pages, each marked current again');
  await nav.getByRole('link', { name: 'Modems', exact: true }).click();
  await nav.getByRole('link', { name: 'Send', exact: true }).click();
  await eventually(() => focusedHeading(page), (text) => text === 'Send', 'the Send page');
  await page.goBack();
  await eventually(() => focusedHeading(page), (text) => text === 'Modems', 'back on Modems');
  assert.deepEqual(await currentLinks(page), ['Modems']);
  await page.goForward();
  await eventually(() => focusedHeading(page), (text) => text === 'Send', 'forward on Send');
  assert.deepEqual(await currentLinks(page), ['Send']);

  check('an unknown address shows the dashboard');
  await page.goto(`${demo.url.origin}/#/nowhere`);
  await eventually(() => currentLinks(page), (links) => links.join() === 'Dashboard', 'the dashboard');
}

await runBrowserTest('browser.console_pages', scenario, { viewport: { width: 1440, height: 900 } });
