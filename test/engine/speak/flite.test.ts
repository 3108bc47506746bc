import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_AGENT_VOICE, FliteTextToSpeech, synthesizeSpeech } from '../../../src/engine/speak/flite.js';
import { phoneChannel } from '../../../src/engine/speak/phone-channel.js';
import { ENGINE_SAMPLE_RATE } from '../../../src/engine/types.js';

const SENTENCE = 'Your appointment with Doctor Patel is confirmed for Tuesday at ten in the morning.';
const WORDS = SENTENCE.split(' ').length;

// Conversational speech runs at 2-4 words per second; allow a generous margin either side.
function assertPlausibleDuration(samples: Int16Array): void {
  const seconds = samples.length / ENGINE_SAMPLE_RATE;
  assert.ok(seconds > WORDS / 6 && seconds < WORDS / 1.2, `${seconds.toFixed(2)} s for ${WORDS} words`);
}

function rms(samples: Int16Array): number {
  return Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / Math.max(1, samples.length));
}

test('kal speaks 8 kHz audio of plausible duration', async () => {
  const audio = await synthesizeSpeech(SENTENCE, 'kal');
  assertPlausibleDuration(audio);
  assert.ok(rms(audio) > 500, 'audible');
});

test('a 16 kHz voice comes out at 8 kHz with the same duration', async () => {
  const audio = await synthesizeSpeech(SENTENCE, 'awb');
  assertPlausibleDuration(audio);
  assert.ok(rms(audio) > 500, 'audible');
});

test('TextToSpeech streams 20 ms chunks that add up to the whole sentence', async () => {
  const tts = new FliteTextToSpeech();
  const chunks: Int16Array[] = [];
  for await (const chunk of tts.synthesize(SENTENCE, new AbortController().signal)) chunks.push(chunk);
  assert.ok(chunks.length > 20);
  assert.ok(chunks.slice(0, -1).every((c) => c.length === 160));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  assert.equal(total, (await synthesizeSpeech(SENTENCE, DEFAULT_AGENT_VOICE)).length);
});

test('TextToSpeech stops when aborted, mid-stream or before it starts', async () => {
  const tts = new FliteTextToSpeech();
  const controller = new AbortController();
  let count = 0;
  for await (const _ of tts.synthesize(SENTENCE, controller.signal)) {
    if (++count === 3) controller.abort();
  }
  assert.equal(count, 3);
  const aborted = AbortSignal.abort();
  let after = 0;
  for await (const _ of tts.synthesize(SENTENCE, aborted)) after++;
  assert.equal(after, 0);
});

test('the phone channel removes what a telephone line cannot carry', () => {
  const rate = 16000;
  const tone = (hz: number) => Int16Array.from({ length: rate }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)));
  const settle = (s: Int16Array) => s.subarray(800);
  assert.ok(rms(settle(phoneChannel(tone(1000), rate))) > 4000, 'speech band passes');
  assert.ok(rms(settle(phoneChannel(tone(100), rate))) < 1000, 'hum is cut');
  assert.ok(rms(settle(phoneChannel(tone(6000), rate))) < 1000, 'high frequencies are cut, not aliased');
  assert.equal(phoneChannel(tone(1000), rate).length, 8000);
});

test('flite is started by the helper process, never by this one (a start from a large process stalls its event loop)', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { fliteProcess } = await import('../../../src/engine/speak/flite-process.js');
  const children = (pid: number) =>
    readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  const isFlite = (pid: string) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'flite';
    } catch {
      return false; // already gone
    }
  };
  let underHelper = 0;
  let underSelf = 0;
  let done = false;
  const batch = Promise.all(Array.from({ length: 12 }, (_, i) => synthesizeSpeech(`${SENTENCE} Number ${i}.`))).finally(() => (done = true));
  while (!done) {
    if (children(process.pid).some(isFlite)) underSelf++;
    const helper = fliteProcess.pid;
    if (helper !== undefined && children(helper).some(isFlite)) underHelper++;
    await new Promise((r) => setImmediate(r));
  }
  await batch;
  assert.ok(underHelper > 0, 'flite seen running under the helper');
  assert.equal(underSelf, 0, 'never under this process');
});

test('an aborted synthesis ends with the abort, and the helper goes on serving', async () => {
  const controller = new AbortController();
  const pending = synthesizeSpeech(SENTENCE.repeat(20), 'kal', controller.signal);
  setTimeout(() => controller.abort(), 5);
  await assert.rejects(pending, { name: 'AbortError' });
  assertPlausibleDuration(await synthesizeSpeech(SENTENCE, 'kal'));
});
