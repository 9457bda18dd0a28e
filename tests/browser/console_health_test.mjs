// The dashboard's health banner in real Chromium against a real smsgated: a demo that
// listens on every address without TLS shows the health check's warning to the person
// signed in; the same demo on loopback only shows none.
//
//   node tests/browser/console_health_test.mjs path/to/smsgated
//
// harness.mjs starts `smsgated run --demo` (here on 0.0.0.0) and the browser; exit
// status 0 only when every check passed.
import assert from 'node:assert/strict';
import {
  apiCall, axeViolations, check, eventually, expectHidden, expectText, expectVisible, runBrowserTest,
  signIn,
} from './harness.mjs';

// Modems of a freshly started demo take a few seconds to be ready.
const MODEMS_READY_MS = 30_000;

async function scenario(page, demo, { restartDaemon }) {
  const banner = page.getByRole('region', { name: 'Needs attention' });

  check('the health check warns of an API served without TLS beyond loopback');
  const health = await apiCall(demo.url, 'GET', 'api/v1/health');
  const warning = health.body?.warnings?.[0];
  assert.match(warning ?? '', /^the API listens on 0\.0\.0\.0:\d+ without TLS/);

  check('the dashboard shows that warning in its banner, in the health check\'s words');
  await signIn(page, demo);
  await expectText(page.getByRole('heading', { level: 1 }), /^Dashboard$/, 'the dashboard');
  await expectVisible(banner, 'the health banner');
  const items = banner.getByRole('listitem');
  await eventually(() => items.allInnerTexts(), (texts) => texts.map((text) => text.trim()).includes(warning),
    'the warning among the banner\'s items');
  assert.deepEqual(await axeViolations(page), [], 'the dashboard with its banner is accessible');

  check('on loopback only, the health check and the dashboard warn of nothing');
  const loopback = await restartDaemon({ host: '127.0.0.1' });
  const quiet = await eventually(() => apiCall(loopback.url, 'GET', 'api/v1/health'),
    (answer) => answer.status === 200 && answer.body.modems.ready === answer.body.modems.total,
    'the demo healthy on loopback, every modem ready', MODEMS_READY_MS);
  assert.deepEqual(quiet.body.warnings, []);
  // The demo's admin password is new each start: signing in again.
  await signIn(page, loopback);
  await expectText(page.getByRole('heading', { level: 1 }), /^Dashboard$/, 'the dashboard again');
  await expectVisible(page.locator('.modem-card').first(), 'the modem cards');
  await expectHidden(banner, 'the health banner');
}

await runBrowserTest('browser.console_health', scenario, { host: '0.0.0.0' });
