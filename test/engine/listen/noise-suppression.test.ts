import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRnnoiseSuppressor } from '../../../src/engine/listen/noise-suppression.js';
import { PocketsphinxSpeechToText } from '../../../src/engine/listen/pocketsphinx-stt.js';
import { createSileroVad } from '../../../src/engine/listen/vad.js';
import { spokenCaller } from '../../../src/engine/speak/phone-channel.js';
import type { NoiseSuppressor, VadEvent } from '../../../src/engine/types.js';
import { noisyCaller, pinkNoise } from '../../../bench/lib/noise.js';
import { audibleSpan, CLINIC_EXPECTED_PHRASES, concat } from '../../fixtures/speech.js';

const FRAME = 160;
let speech: Int16Array;
before(async () => {
  speech = await spokenCaller('I would like to book an appointment with Doctor Patel', 'rms');
});

/** As a call delivers audio: 20 ms frames, or chunks of the given size. */
function through(suppressor: NoiseSuppressor, audio: Int16Array, chunk = FRAME): Int16Array {
  const out: Int16Array[] = [];
  for (let i = 0; i < audio.length; i += chunk) out.push(suppressor.process(audio.subarray(i, i + chunk)));
  return concat(...out);
}

function power(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return sum / samples.length;
}

/** The shift (in samples) of `output` against `input` that lines them up best. */
function delayOf(input: Int16Array, output: Int16Array, maxLag: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) {
    let score = 0;
    for (let i = 0; i + lag < output.length && i < input.length; i++) score += input[i]! * output[i + lag]!;
    if (score > bestScore) [best, bestScore] = [lag, score];
  }
  return best;
}

test('takes the noise out of a noise-only line', async () => {
  const hiss = Int16Array.from(pinkNoise(8000 * 4, 9), (v) => Math.round(v * 1000));
  const out = through(await createRnnoiseSuppressor(), hiss);
  // After the first second (the network settling), pink noise comes out at least 20 dB down.
  const reductionDb = 10 * Math.log10(power(hiss.subarray(8000)) / power(out.subarray(8000)));
  assert.ok(reductionDb > 20, `pink noise reduced by ${reductionDb.toFixed(1)} dB`);
});

test('keeps clean speech: its level, its timing (one RNNoise frame late at most) and the recogniser still understands it', async () => {
  const suppressor = await createRnnoiseSuppressor();
  const out = through(suppressor, speech);
  suppressor.close();
  const lossDb = 10 * Math.log10(power(speech) / power(out));
  assert.ok(Math.abs(lossDb) < 2, `speech level changed by ${lossDb.toFixed(2)} dB`);
  // RNNoise's own 10 ms plus a frame filling up: never more than 20 ms (160 samples) of added delay.
  const delay = delayOf(speech, out, 400);
  assert.ok(delay <= 160, `delay ${delay} samples`);
  assert.ok(speech.length - out.length <= 82, `${speech.length - out.length} samples still inside at the end`);

  const stt = new PocketsphinxSpeechToText({ workers: 1 });
  try {
    const recognizer = await stt.createRecognizer(CLINIC_EXPECTED_PHRASES);
    recognizer.begin();
    for (let i = 0; i < out.length; i += FRAME) recognizer.write(out.subarray(i, i + FRAME));
    assert.match(await recognizer.finish(), /book an appointment/);
    recognizer.close();
  } finally {
    await stt.close();
  }
});

test("each call has its own state: interleaved calls come out as each would alone, whatever the chunking", async () => {
  const noisy = await noisyCaller('Can I speak to a nurse please', 'awb', { noise: 'pink', snrDb: 10, leadInMs: 500 });
  const alone = through(await createRnnoiseSuppressor(), noisy);
  assert.deepEqual(through(await createRnnoiseSuppressor(), noisy, 97), alone, 'chunks of any size give the same audio');
  const [a, b] = [await createRnnoiseSuppressor(), await createRnnoiseSuppressor()];
  const outA: Int16Array[] = [];
  const outB: Int16Array[] = [];
  for (let i = 0; i < Math.max(noisy.length, speech.length); i += FRAME) {
    if (i < noisy.length) outA.push(a.process(noisy.subarray(i, i + FRAME)));
    if (i < speech.length) outB.push(b.process(speech.subarray(i, i + FRAME)));
  }
  assert.deepEqual(concat(...outA), alone);
  assert.deepEqual(concat(...outB), through(await createRnnoiseSuppressor(), speech));
  a.close();
  a.close();
  const after = new Int16Array([1, 2, 3]);
  assert.equal(a.process(after), after, 'a closed suppressor passes audio through');
});

function vadEvents(audio: Int16Array): VadEvent[] {
  const vad = createSileroVad();
  const events: VadEvent[] = [];
  for (let i = 0; i < audio.length; i += FRAME) events.push(...vad.process(audio.subarray(i, i + FRAME)));
  return events;
}

// Babble is other people talking: RNNoise keeps voices, so the VAD hears it as speech with or without
// suppression (bench/noise-wer.ts counts how often); steady noise is what suppression takes away.
test('the VAD still finds the start and the end of speech in denoised noisy audio, and nothing in denoised noise', async () => {
  const lead = 1000;
  const truth = audibleSpan(await spokenCaller('I need a refill of my prescription', 'slt'));
  const noisy = await noisyCaller('I need a refill of my prescription', 'slt', { noise: 'pink', snrDb: 10, leadInMs: lead, tailMs: 1000 });
  const events = vadEvents(through(await createRnnoiseSuppressor(), noisy));
  assert.deepEqual(events.map((e) => e.type), ['speech_start', 'speech_end'], JSON.stringify(events));
  const [start, end] = events as [VadEvent, VadEvent];
  assert.ok(Math.abs(start.atMs - (lead + truth.startMs)) <= 200, `start ${start.atMs} vs ${lead + truth.startMs}`);
  assert.ok(Math.abs(end.atMs - (lead + truth.endMs)) <= 400, `end ${end.atMs} vs ${lead + truth.endMs}`);
  const hiss = Int16Array.from(pinkNoise(8000 * 3, 4), (v) => Math.round(v * 2000));
  assert.deepEqual(vadEvents(through(await createRnnoiseSuppressor(), hiss)), []);
});
