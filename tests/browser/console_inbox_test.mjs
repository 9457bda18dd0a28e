// The console's inbox in real Chromium against a real smsgated, whose simulated phones
// answer a text that asks for a score from 1 to 10 with "9, thank you!": a feedback
// request sent from the Send page gets its reply, which the Inbox shows unread (live,
// without a reload), under the message it answers with its rating once opened, and
// read from then on; a reply from the thread goes to that number.
//
//   node tests/browser/console_inbox_test.mjs path/to/smsgated
import assert from 'node:assert/strict';
import {
  apiCall, check, eventually, expectHidden, expectText, expectVisible, runBrowserTest, signIn,
} from './harness.mjs';

const NUMBER = '+491701112233';
const QUESTION = 'How did we do? Reply 1-10.';
// The simulated phone answers about 3 s after the send, which itself takes about 1 s.
const REPLY_TIMEOUT_MS = 20_000;

async function unreadOf(demo, number) {
  const list = await apiCall(demo.url, 'GET', `/api/v1/conversations?q=${encodeURIComponent(number.slice(1))}`,
    demo.apiKey);
  return list.body.items.find((c) => c.number === number)?.unread ?? null;
}

async function scenario(page, demo) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const main = page.getByRole('main');

  check('a feedback request is sent from the Send page');
  await signIn(page, demo);
  await nav.getByRole('link', { name: 'Send' }).click();
  await main.getByLabel('To', { exact: true }).fill(NUMBER);
  await main.getByLabel('Message', { exact: true }).fill(QUESTION);
  await main.getByLabel('Category').selectOption('feedback');
  await main.getByRole('button', { name: 'Send', exact: true }).click();
  const result = page.locator('#send-result');
  await expectText(result, /Message accepted/, 'the result');
  const sentId = Number(/Message (\d+)/.exec(await result.getByRole('link').innerText())[1]);
  const sent = await apiCall(demo.url, 'GET', `/api/v1/messages/${sentId}`, demo.apiKey);
  assert.equal(sent.body.category, 'feedback');
  assert.equal(sent.body.expect_reply, true, 'a feedback request expects a reply');

  check('the Inbox shows the number\'s conversation with one unread reply, without a reload');
  await nav.getByRole('link', { name: 'Inbox' }).click();
  const conversation = main.locator(`li[data-number="${NUMBER}"]`);
  await expectText(conversation.locator('.badge-unread'), /^1 unread$/, 'the unread mark', REPLY_TIMEOUT_MS);
  await expectText(conversation.locator('.conv-last'), /^9, thank you!$/, 'the last text, the reply');
  assert.equal(await unreadOf(demo, NUMBER), 1);
  // Newest first: the conversation that just got a reply is at the top.
  assert.equal(await main.locator('ul.conversations > li').first().getAttribute('data-number'), NUMBER);

  check('opening it shows the reply under the message it answers, with its rating');
  await conversation.getByRole('link').click();
  const replies = main.getByRole('list', { name: `Replies to message ${sentId}` });
  await expectVisible(replies, 'the replies under the feedback request');
  const reply = replies.getByRole('listitem');
  await expectText(reply.locator('.bubble-text'), /^9, thank you!$/, 'the reply\'s text');
  await expectText(reply.locator('.rating'), /^Rating: 9 of 10$/, 'the rating');
  const request = main.locator(`li[data-direction="out"][data-id="${sentId}"]`);
  await expectText(request.locator(':scope > .bubble-text'), new RegExp(`^${QUESTION.replace(/[?.]/g, '\\$&')}$`),
    'the feedback request it answers');

  check('once opened it is read: no unread mark in the list or the API');
  await eventually(() => unreadOf(demo, NUMBER), (unread) => unread === 0, 'unread in the API');
  await main.getByRole('link', { name: 'All conversations' }).click();
  await expectVisible(conversation, 'the conversation in the list');
  await expectHidden(conversation.locator('.badge-unread'), 'the unread mark');

  check('a reply from the thread goes to that number');
  await conversation.getByRole('link').click();
  await main.getByLabel(`Reply to ${NUMBER}`).fill('Thank you for the 9!');
  await main.getByRole('button', { name: 'Send reply' }).click();
  const status = page.locator('#reply-status');
  await expectText(status, /^Reply accepted as message \d+\.$/, 'the reply result');
  const replyId = Number(/message (\d+)/.exec(await status.innerText())[1]);
  const answer = await apiCall(demo.url, 'GET', `/api/v1/messages/${replyId}`, demo.apiKey);
  assert.equal(answer.body.to, NUMBER);
  assert.equal(answer.body.text, 'Thank you for the 9!');
  await expectText(main.locator(`li[data-direction="out"][data-id="${replyId}"] .bubble-text`),
    /^Thank you for the 9!$/, 'the reply in the thread');
  assert.equal(await main.locator('ol.thread > li').first().getAttribute('data-id'), String(replyId),
    'newest first');

  check('the demo\'s own feedback request to +491700000013 got its rated answer too');
  const sample = await eventually(
    () => apiCall(demo.url, 'GET', `/api/v1/conversations/${encodeURIComponent('+491700000013')}`, demo.apiKey),
    (thread) => thread.body.items.some((item) => item.direction === 'in' && item.rating === 9),
    'the sample\'s rated answer', REPLY_TIMEOUT_MS);
  assert.ok(sample.body.items.some((item) => item.direction === 'out' && item.category === 'feedback'));
}

await runBrowserTest('browser.console_inbox', scenario, { viewport: { width: 1280, height: 900 } });
