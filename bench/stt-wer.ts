// Speech-to-text quality and speed on synthetic clinic callers: flite voices through a G.711 phone
// channel, recognised with the domain language model the engine builds from expected phrases.
//   node dist/bench/stt-wer.js [--voices rms,awb,kal16,slt] [--order 3] [--speed 4]
//                              [--noise none|pink|babble] [--snr 15] [--noise-suppression off|on]
// --speed paces audio at that multiple of real time for the latency pass (the decoder must keep up, as
// in a call); RTF comes from a separate pass that feeds audio as fast as possible. --noise mixes noise into
// the caller's speech before the line at --snr dB; --noise-suppression on passes what the line delivers
// through the engine's RNNoise first (bench/noise-wer.ts runs the whole grid of both).
import { parseArgs } from 'node:util';
import { PocketsphinxSpeechToText } from '../src/engine/listen/pocketsphinx-stt.js';
import { createRnnoiseSuppressor } from '../src/engine/listen/noise-suppression.js';
import { createSileroVad } from '../src/engine/listen/vad.js';
import { FliteTextToSpeech } from '../src/engine/speak/flite.js';
import { ENGINE_SAMPLE_RATE } from '../src/engine/types.js';
import { CLINIC_EXPECTED_PHRASES, CLINIC_TEST_SENTENCES } from '../test/fixtures/speech.js';
import { parseNoiseKind } from './lib/noise.js';
import { callerClips, parseVoices, feed, FRAME, lineAudio, scoreUtterances, utteranceAudio, werPercent } from './lib/stt-score.js';

const { values } = parseArgs({
  options: {
    voices: { type: 'string', default: 'rms,awb,kal16,slt' },
    order: { type: 'string', default: '3' },
    speed: { type: 'string', default: '4' },
    noise: { type: 'string', default: 'none' },
    snr: { type: 'string', default: '15' },
    'noise-suppression': { type: 'string', default: 'off' },
  },
});
const voices = parseVoices(values.voices);
const speed = Number(values.speed);
const noise = parseNoiseKind(values.noise);
const snrDb = Number(values.snr);
if (!['on', 'off'].includes(values['noise-suppression'])) throw new Error('--noise-suppression must be on or off');
const suppress = values['noise-suppression'] === 'on';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
}

const clips = await callerClips(voices, { noise, snrDb });
// Each clip is a call of its own: a fresh denoiser that has heard the line's noise before the caller speaks.
const audios: Int16Array[] = [];
for (const clip of clips) {
  const suppressor = suppress ? await createRnnoiseSuppressor() : undefined;
  audios.push(utteranceAudio(lineAudio(clip, suppressor)));
  suppressor?.close();
}
const audioSeconds = audios.reduce((s, a) => s + a.length, 0) / ENGINE_SAMPLE_RATE;

const stt = new PocketsphinxSpeechToText({ workers: 1, lmOrder: Number(values.order) });
let t = performance.now();
const recognizer = await stt.createRecognizer(CLINIC_EXPECTED_PHRASES);
const createMs = performance.now() - t;

// Throughput: everything as fast as the worker decodes it.
t = performance.now();
for (const audio of audios) {
  recognizer.begin();
  await feed(recognizer, audio, 0);
  await recognizer.finish();
}
const rtf = (performance.now() - t) / 1000 / audioSeconds;

// Accuracy and finalize latency, audio paced like a call.
const { perVoice, total, finalizeMs, misses } = await scoreUtterances(recognizer, clips, audios, speed);
recognizer.close();
await stt.close();

const condition = noise === 'none' ? 'clean' : `${noise} noise at ${snrDb} dB SNR`;
console.log(
  `stt-wer: ${CLINIC_TEST_SENTENCES.length} sentences x ${voices.length} voices, ${audioSeconds.toFixed(1)} s of phone audio, LM order ${values.order}, ` +
    `${condition}, noise suppression ${suppress ? 'on' : 'off'}`,
);
console.log(`recognizer created (LM + decoder + warm-up) in ${createMs.toFixed(0)} ms`);
for (const [voice, tally] of perVoice) console.log(`  WER ${voice.padEnd(5)} ${werPercent(tally).toFixed(1)}% (${tally.errors}/${tally.words})`);
console.log(`WER all   ${werPercent(total).toFixed(1)}% (${total.errors}/${total.words})`);
console.log(`real-time factor ${rtf.toFixed(3)} (one worker thread)`);
console.log(`finalize latency (end of audio -> final text, audio at ${speed}x real time): ${summary(finalizeMs)}`);

// The other two per-turn costs of the listen/speak path, for the same sentences.
const tts = new FliteTextToSpeech();
const firstAudioMs: number[] = [];
for (const sentence of CLINIC_TEST_SENTENCES) {
  t = performance.now();
  for await (const _ of tts.synthesize(sentence, new AbortController().signal)) {
    firstAudioMs.push(performance.now() - t);
    break;
  }
}
console.log(`flite kal time to first audio chunk: ${summary(firstAudioMs)}`);
const vad = createSileroVad();
t = performance.now();
let frames = 0;
for (const audio of audios) for (let i = 0; i < audio.length; i += FRAME, frames++) vad.process(audio.subarray(i, i + FRAME));
console.log(`silero VAD: ${(((performance.now() - t) * 1000) / frames).toFixed(1)} us per 20 ms frame (${frames} frames)`);
if (misses.length) console.log(`utterances with errors:\n${misses.join('\n')}`);
