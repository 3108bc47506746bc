import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { PocketsphinxDecoder, PocketsphinxUnavailableError } from '../../../src/engine/listen/pocketsphinx.js';
import { PocketsphinxSpeechToText } from '../../../src/engine/listen/pocketsphinx-stt.js';
import { spokenCaller } from '../../../src/engine/speak/phone-channel.js';
import type { FliteVoice } from '../../../src/engine/speak/flite.js';
import { findSpelling } from '../../../src/engine/think/dialog/spelling.js';
import { tokenize } from '../../../src/engine/think/dialog/words.js';
import type { SpeechRecognizer } from '../../../src/engine/types.js';
import { CLINIC_EXPECTED_PHRASES, CLINIC_TEST_SENTENCES, noise, silence, wordErrors } from '../../fixtures/speech.js';

const stt = new PocketsphinxSpeechToText({ workers: 1 });
after(() => stt.close());

async function recognise(recognizer: SpeechRecognizer, audio: Int16Array): Promise<string> {
  recognizer.begin();
  for (let i = 0; i < audio.length; i += 160) recognizer.write(audio.subarray(i, i + 160));
  return recognizer.finish();
}

test('recognises clinic sentences spoken by flite voices through a phone line', async () => {
  const recognizer = await stt.createRecognizer(CLINIC_EXPECTED_PHRASES);
  const voices: FliteVoice[] = ['rms', 'awb', 'kal16'];
  const sentences = CLINIC_TEST_SENTENCES.slice(0, 9);
  let errors = 0;
  let words = 0;
  const transcript: string[] = [];
  for (const [i, sentence] of sentences.entries()) {
    const voice = voices[i % voices.length]!;
    const heard = await recognise(recognizer, await spokenCaller(sentence, voice));
    const score = wordErrors(sentence, heard);
    errors += score.errors;
    words += score.words;
    transcript.push(`${voice}: "${sentence}" -> "${heard}"`);
  }
  recognizer.close();
  // Measured ~5-10% on this material; a broken pipeline (rate, upsampling, warm-up, LM) lands far above.
  assert.ok(errors / words <= 0.25, `WER ${(errors / words).toFixed(3)}\n${transcript.join('\n')}`);
});

test('silence and noise produce (almost) no words; finish without audio gives empty text', async () => {
  const recognizer = await stt.createRecognizer(['I would like to book an appointment']);
  assert.equal(await recognizer.finish(), '');
  const heard = await recognise(recognizer, silence(1500));
  assert.ok(heard.split(' ').filter(Boolean).length <= 1, `silence heard as "${heard}"`);
  const hiss = await recognise(recognizer, noise(1500, 300));
  assert.ok(hiss.split(' ').filter(Boolean).length <= 2, `noise heard as "${hiss}"`);
  recognizer.close();
  assert.equal(await recognizer.finish(), '', 'a closed recogniser has nothing to say');
});

test('two recognisers with different phrase sets decode independently', async () => {
  const [a, b] = await Promise.all([
    stt.createRecognizer(['Is Dr. Garcia available on Friday?']),
    stt.createRecognizer(['I need a prescription refill']),
  ]);
  const [audioA, audioB] = await Promise.all([
    spokenCaller('Is Doctor Garcia available on Friday', 'rms'),
    spokenCaller('I need a prescription refill', 'rms'),
  ]);
  a.begin();
  b.begin();
  for (let i = 0; i < Math.max(audioA.length, audioB.length); i += 160) {
    a.write(audioA.subarray(i, i + 160));
    b.write(audioB.subarray(i, i + 160));
  }
  const [textA, textB] = await Promise.all([a.finish(), b.finish()]);
  assert.ok(wordErrors('Is Doctor Garcia available on Friday', textA).errors <= 1, textA);
  assert.ok(wordErrors('I need a prescription refill', textB).errors <= 1, textB);
  a.close();
  b.close();
});

test('a missing acoustic model is reported with the Debian packages to install', () => {
  assert.throws(
    () => new PocketsphinxDecoder({ lmPath: '/nonexistent.arpa', dictPath: '/nonexistent.dict', hmmDir: '/nonexistent' }),
    (err: unknown) => err instanceof PocketsphinxUnavailableError && /pocketsphinx-en-us/.test(err.message),
  );
});

test('a name spelled in plain letters and in the phonetic alphabet is heard letter by letter', async () => {
  const recognizer = await stt.createRecognizer(CLINIC_EXPECTED_PHRASES);
  const heard: string[] = [];
  for (const spelling of ['G, O, N, Z, A, L, E, Z.', 'Oscar, Kilo, Alpha, Foxtrot, Oscar, Romeo.']) {
    heard.push(await recognise(recognizer, await spokenCaller(spelling, 'rms')));
  }
  recognizer.close();
  assert.deepEqual(heard.map((text) => findSpelling(tokenize(text))), ['Gonzalez', 'Okafor'], heard.join(' | '));
});
