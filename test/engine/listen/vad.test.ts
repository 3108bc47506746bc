import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createSileroVad } from '../../../src/engine/listen/vad.js';
import { spokenCaller } from '../../../src/engine/speak/phone-channel.js';
import type { VadEvent, VoiceActivityDetector } from '../../../src/engine/types.js';
import { audibleSpan, concat, noise, silence } from '../../fixtures/speech.js';

let speech: Int16Array;
before(async () => {
  speech = await spokenCaller('I would like to book an appointment for next Tuesday, please.', 'rms');
});

/** Feeds 20 ms frames, as a phone call delivers them. */
function run(vad: VoiceActivityDetector, audio: Int16Array): VadEvent[] {
  const events: VadEvent[] = [];
  for (let i = 0; i < audio.length; i += 160) events.push(...vad.process(audio.subarray(i, i + 160)));
  return events;
}

test('finds the start and end of speech surrounded by silence', () => {
  const lead = 1000;
  const audio = concat(silence(lead), speech, silence(1500));
  const truth = audibleSpan(speech);
  const events = run(createSileroVad(), audio);
  assert.deepEqual(events.map((e) => e.type), ['speech_start', 'speech_end']);
  const [start, end] = events as [VadEvent, VadEvent];
  assert.ok(Math.abs(start.atMs - (lead + truth.startMs)) <= 150, `start ${start.atMs} vs ${lead + truth.startMs}`);
  assert.ok(end.atMs >= lead + truth.endMs - 150 && end.atMs <= lead + truth.endMs + 350, `end ${end.atMs} vs ${lead + truth.endMs}`);
});

test('the silence hangover decides whether a pause ends the turn', () => {
  const audio = concat(silence(500), speech, silence(600), speech, silence(1500));
  const patient = run(createSileroVad({ minSilenceMs: 900 }), audio);
  assert.deepEqual(patient.map((e) => e.type), ['speech_start', 'speech_end']);
  const eager = run(createSileroVad({ minSilenceMs: 200 }), audio);
  assert.deepEqual(eager.map((e) => e.type), ['speech_start', 'speech_end', 'speech_start', 'speech_end']);
});

test('stays quiet on silence and on steady noise', () => {
  assert.deepEqual(run(createSileroVad(), silence(3000)), []);
  assert.deepEqual(run(createSileroVad(), noise(3000, 1000)), []);
});

test('finds speech in moderate noise', () => {
  const audio = concat(silence(500), speech, silence(1500));
  const hiss = noise((audio.length * 1000) / 8000, 500, 3);
  const noisy = Int16Array.from(audio, (s, i) => s + hiss[i]!);
  const events = run(createSileroVad(), noisy);
  assert.deepEqual(events.map((e) => e.type), ['speech_start', 'speech_end']);
});

test('detectors keep separate state when interleaved, and reset forgets an utterance in progress', () => {
  const audio = concat(silence(500), speech, silence(1000));
  const alone = run(createSileroVad(), audio);
  const a = createSileroVad();
  const b = createSileroVad();
  const fromA: VadEvent[] = [];
  for (let i = 0; i < audio.length; i += 160) {
    fromA.push(...a.process(audio.subarray(i, i + 160)));
    b.process(silence(20));
  }
  assert.deepEqual(fromA, alone);

  const vad = createSileroVad();
  run(vad, concat(silence(300), speech.subarray(0, 8000)));
  vad.reset();
  assert.deepEqual(run(vad, silence(1000)), [], 'no speech_end for an utterance forgotten by reset');
});
