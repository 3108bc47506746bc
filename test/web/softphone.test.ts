// The dashboard and its softphone in a real browser (Debian's chromium), against the whole application
// with the embedded engine: the fake microphone says a clinic sentence, the engine answers, and the
// dashboard shows both turns while the agent's audio plays in the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { writeWav } from '../../src/audio/wav.js';
import { fliteSpeech } from '../../src/engine/speak/flite.js';
import { CHROMIUM, launchChromium } from './browser.js';
import { startDashboardApp, type DashboardApp } from './dashboard-app.js';

/** The caller's lines, spaced so that each comes after the agent has answered the one before. */
const CALLER = [
  { at: 6, text: 'I would like to book an appointment' },
  { at: 13, text: 'Next Tuesday in the morning' },
];
/** UPDATE_SCREENSHOTS=1 refreshes the README's pictures (docs/screenshots) from this run. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : undefined;

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

let dir: string;
let server: DashboardApp;
let browser: Browser;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phone-agent-softphone-'));
  // Chrome loops the file: a long silence at the end keeps it to one pass in a call.
  const microphone = join(dir, 'caller.wav');
  await writeFile(microphone, await callerRecording(50));
  server = await startDashboardApp();
  browser = await launchChromium(microphone);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function callerRecording(seconds: number): Promise<Buffer> {
  const rate = 16_000;
  const track = new Int16Array(seconds * rate);
  for (const line of CALLER) {
    const { samples, sampleRate } = await fliteSpeech(line.text, 'rms');
    assert.equal(sampleRate, rate);
    track.set(samples, line.at * rate);
  }
  return writeWav(rate, track);
}

async function waitForCount(locator: Locator, count: number, timeout: number): Promise<void> {
  await locator.nth(count - 1).waitFor({ timeout });
}

async function played(page: Page): Promise<number> {
  return Number(await page.locator('#softphone').getAttribute('data-played-samples'));
}

/** The browser tests need a real Chromium (bootstrap --tests installs it). */
const needsChromium = { skip: !existsSync(CHROMIUM) && 'chromium is not installed' };

test('a softphone call: the caller\'s words and the agent\'s reply appear on the dashboard, and the agent is heard', needsChromium, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(server.url);
  // Landmarks a screen reader lists, and a call started from the keyboard.
  await page.getByRole('navigation', { name: 'Calls' }).waitFor();
  await page.getByRole('region', { name: 'Softphone' }).waitFor();
  await page.getByRole('button', { name: 'Call the agent' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('In call. Speak now.').waitFor({ timeout: 10_000 });

  const transcript = page.locator('ol.transcript');
  // The greeting, then each caller line as the engine recognised it and the agent's answer to it.
  await waitForCount(transcript.locator('li.turn.user'), CALLER.length, 30_000);
  await waitForCount(transcript.locator('li.turn.assistant'), CALLER.length + 1, 20_000);
  const callerSaid = await transcript.locator('li.turn.user .text').allTextContents();
  assert.match(callerSaid[0] ?? '', /appointment/i, `the engine heard ${JSON.stringify(callerSaid)}`);
  const replies = await transcript.locator('li.turn.assistant .text').allTextContents();
  assert.ok(replies.every((r) => r.trim().length > 0), `agent turns: ${JSON.stringify(replies)}`);

  // The agent's audio plays in the page: its counter of played samples grows.
  await page.waitForFunction("Number(document.querySelector('#softphone').dataset.playedSamples) > 8000", undefined, { timeout: 15_000 });
  assert.ok((await played(page)) > 8000);
  assert.match((await page.locator('#detail-heading').textContent()) ?? '', /softphone/);
  await page.locator('.latency-chart rect.bar').first().waitFor({ timeout: 10_000 });

  await screenshot(page, 'softphone-call.png');

  await page.getByRole('button', { name: 'Hang up' }).click();
  await page.getByText(/Call ended/).waitFor();
  await page.locator('#detail-heading .badge', { hasText: 'completed' }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'dashboard.png');

  const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await narrow.goto(server.url);
  await narrow.locator('ol.transcript li.turn').first().waitFor();
  await screenshot(narrow, 'dashboard-mobile.png');
  await narrow.close();

  assert.deepEqual(errors, []);
  await page.close();
});

test('with Twilio signature checks on, the signed-in dashboard user calls through a softphone ticket', needsChromium, async () => {
  const ADMIN_TOKEN = 'softphone-admin-token';
  const secured = await startDashboardApp({ TWILIO_AUTH_TOKEN: 'test-twilio-auth-token', ADMIN_TOKEN });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(secured.url);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await page.getByRole('button', { name: 'Call the agent' }).click();
    await page.getByText('In call. Speak now.').waitFor({ timeout: 10_000 });
    const transcript = page.locator('ol.transcript');
    await waitForCount(transcript.locator('li.turn.user'), 1, 30_000);
    await waitForCount(transcript.locator('li.turn.assistant'), 2, 20_000);
    assert.ok((await played(page)) > 0);
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.locator('#detail-heading .badge', { hasText: 'completed' }).waitFor({ timeout: 10_000 });
  } finally {
    await context.close();
    await secured.close();
  }
});
