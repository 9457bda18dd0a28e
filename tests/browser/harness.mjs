// What every browser test shares: a real `smsgated run --demo` in a fresh temporary
// directory (stopped with SIGTERM at the end, also when a check fails; restarted on the
// same directory and port on request), Debian's Chromium driven by playwright-core,
// checks that wait for the page instead of sleeping, and pages watched for script
// errors, policy refusals and requests to anywhere but the daemon.
//
//   await runBrowserTest('browser.console_pages', async (page, demo, tools) => { ... });
//
// tools: `context` (the page's browser context), `newPage()` (a page in a second,
// separate context: another person's browser), `restartDaemon({ host })` (SIGTERM, then
// the demo again on its database and port, on another address when given; resolves to
// the new demo's access), `artifacts` (the folder for screenshots: $SMSGATE_ARTIFACTS,
// else browser-artifacts in the working directory, which ctest sets to the build tree).
// The demo listens on 127.0.0.1 unless runBrowserTest's `host` says another address
// (0.0.0.0: every address, the page still opened on 127.0.0.1).
//
// Needs /usr/bin/chromium (or $SMSGATE_CHROMIUM) and `npm ci` in this folder
// (scripts/install-deps runs it). The path of smsgated is the first argument.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const CHROMIUM = process.env.SMSGATE_CHROMIUM || '/usr/bin/chromium';
// Long enough for a sanitizer build of the daemon on a small machine, short enough that
// a hang fails well inside ctest's timeout.
export const STEP_TIMEOUT_MS = 10_000;
const DAEMON_START_TIMEOUT_MS = 30_000;
const DAEMON_STOP_TIMEOUT_MS = 15_000;

// ---- The daemon --------------------------------------------------------------------

// Starts the demo and waits for the lines run_command.cpp prints for its user:
//   Admin page:     http://127.0.0.1:PORT/
//   Admin password: ...
//   API key:        sgk_...
function startDaemon(smsgated, workDir, listen = '127.0.0.1:0') {
  const child = spawn(smsgated, ['run', '--demo', '--listen', listen], {
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
  const ready = new Promise((resolvePromise, reject) => {
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
        const page = new URL(url[1]);
        // Every address includes loopback, where the browser finds it.
        if (page.hostname === '0.0.0.0') page.hostname = '127.0.0.1';
        resolvePromise({ url: page, password: password[1], apiKey: key[1] });
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
  const exited = new Promise((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(DAEMON_STOP_TIMEOUT_MS, 'timeout')]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`smsgated did not stop within ${DAEMON_STOP_TIMEOUT_MS} ms of SIGTERM`);
  }
  return code;
}

// ---- Checks --------------------------------------------------------------------------

let step = 'starting the daemon';
const started = Date.now();
export function check(name) {
  step = name;
  console.log(`- ${name} (at ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// Polls until `read` gives a value that `accept` takes, so that a check waits for the
// page to catch up instead of sleeping; fails with the last value seen.
export async function eventually(read, accept, what, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline) {
      assert.fail(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

export async function expectVisible(locator, what) {
  await eventually(() => locator.isVisible(), (shown) => shown === true, `${what} visible`);
}

export async function expectHidden(locator, what) {
  await eventually(() => locator.isVisible(), (shown) => shown === false, `${what} hidden`);
}

export async function expectText(locator, pattern, what, timeoutMs = STEP_TIMEOUT_MS) {
  return eventually(
    async () => ((await locator.count()) ? (await locator.first().innerText()).trim() : null),
    (text) => text !== null && pattern.test(text),
    `${what} matching ${pattern}`, timeoutMs);
}

export function apiCall(base, method, path, key, body) {
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(new URL(path, base), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (response) => ({ status: response.status, body: await response.json().catch(() => null) }));
}

export async function signIn(page, demo) {
  await page.goto(demo.url.href);
  await page.locator('#sign-in-form').getByLabel('Password', { exact: true }).fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectVisible(page.getByRole('navigation', { name: 'Main' }), 'the console\'s navigation');
}

// axe-core, evaluated in the page by the test only (the console never loads it).
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function axeViolations(page) {
  if (!await page.evaluate(() => typeof window.axe === 'object')) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document,
    { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }));
  return result.violations.map((violation) => `${violation.id}: ${violation.help} at `
    + violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(', '));
}

// ---- Run -----------------------------------------------------------------------------

// Script errors and Content-Security-Policy refusals (an inline style, a script from
// elsewhere) fail the test; 401s and 404s logged by fetch are expected, and so are
// requests cut short while the daemon restarts (`quiet.outage`).
function watchPage(page, origin, problems, quiet) {
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('requestfailed', (request) => {
    // A request cut short by a reload or by leaving a page is no fault of the page.
    if (request.failure()?.errorText === 'net::ERR_ABORTED' || quiet.outage) return;
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== origin) {
      problems.push(`request to another origin: ${request.url()}`);
    }
  });
}

export function artifactsDir() {
  const dir = resolve(process.env.SMSGATE_ARTIFACTS || join(process.cwd(), 'browser-artifacts'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function runBrowserTest(name, scenario,
  { viewport = { width: 1024, height: 768 }, host = '127.0.0.1' } = {}) {
  const smsgated = process.argv[2] && resolve(process.argv[2]);
  if (!smsgated) {
    console.error(`usage: node ${name}.mjs PATH_TO_SMSGATED`);
    process.exit(2);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    console.error(`playwright-core is not installed (${error.message}):`
      + ' run scripts/install-deps, or `npm ci` in tests/browser');
    process.exit(1);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'smsgate-browser-'));
  let daemon = startDaemon(smsgated, workDir, `${host}:0`);
  // Whatever ends this process (a stray exception, ctest's timeout as SIGTERM, Ctrl-C)
  // takes the daemon with it; the normal path below stops it gently first.
  process.on('exit', () => {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      console.error(`${name}: stopped by ${signal} at "${step}"`);
      process.exit(1);
    });
  }
  // Every wait has its own deadline; this one only guards against a hang in between,
  // well inside ctest's timeout.
  setTimeout(() => {
    console.error(`${name}: no end after 100 s, at "${step}"\n${daemon.log.text}`);
    process.exit(1);
  }, 100_000).unref();
  let browser;
  let page;
  const pageProblems = [];
  const quiet = { outage: false };
  let failed = false;
  try {
    let demo = await daemon.ready;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Chromium's sandbox refuses to start as root (CI runs as root).
      chromiumSandbox: process.getuid?.() !== 0,
      // This machine has no network but loopback: no background calls home.
      args: ['--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--disable-quic', '--no-first-run', '--disable-gpu'],
    });
    const newContext = async () => {
      const made = await browser.newContext({
        // Far from UTC all year (no daylight saving), so local time is visibly not UTC.
        timezoneId: 'Asia/Kathmandu',
        locale: 'en-GB',
        viewport,
      });
      await made.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.url.origin });
      return made;
    };
    const context = await newContext();
    page = await context.newPage();
    watchPage(page, demo.url.origin, pageProblems, quiet);
    const newPage = async () => {
      const other = await (await newContext()).newPage();
      watchPage(other, demo.url.origin, pageProblems, quiet);
      return other;
    };
    // The same directory (its database) and the same port, so that the pages' address
    // and cookies stay valid.
    let listenHost = host;
    const restartDaemon = async ({ host: newHost = listenHost } = {}) => {
      quiet.outage = true;
      const status = await stopDaemon(daemon.child);
      if (status !== 0) throw new Error(`smsgated exited with status ${status} after SIGTERM`);
      listenHost = newHost;
      daemon = startDaemon(smsgated, workDir, `${listenHost}:${demo.url.port}`);
      demo = await daemon.ready;
      quiet.outage = false;
      return demo;
    };
    await scenario(page, demo, { context, newPage, restartDaemon, artifacts: artifactsDir() });
    check('no script errors, policy violations or foreign requests');
    assert.deepEqual(pageProblems, []);
  } catch (error) {
    failed = true;
    console.error(`\nFAILED at "${step}":\n${error.stack || error}`);
    if (pageProblems.length) console.error(`page problems:\n  ${pageProblems.join('\n  ')}`);
    if (page) {
      // Kept outside the source tree, for a look at what the page showed.
      const shot = join(artifactsDir(), `${name}-failure.png`);
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
  console.log(failed ? `${name}: FAILED` : `${name}: all checks passed`);
  process.exit(failed ? 1 : 0);
}
