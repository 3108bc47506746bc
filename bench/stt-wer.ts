// Speech-to-text quality and speed on synthetic clinic callers: flite voices through a G.711 phone
// channel, recognised with the domain language model the engine builds from expected phrases.
//   node dist/bench/stt-wer.js [--voices rms,awb,kal16,slt] [--order 3] [--speed 4]
// --speed paces audio at that multiple of real time for the latency pass (the decoder must keep up, as
// in a call); RTF comes from a separate pass that feeds audio as fast as possible.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { PocketsphinxSpeechToText } from '../src/engine/listen/pocketsphinx-stt.js';
import { createSileroVad } from '../src/engine/listen/vad.js';
import { FLITE_VOICES, FliteTextToSpeech, type FliteVoice } from '../src/engine/speak/flite.js';
import { spokenCaller } from '../src/engine/speak/phone-channel.js';
import { ENGINE_SAMPLE_RATE, type SpeechRecognizer } from '../src/engine/types.js';
import { CLINIC_EXPECTED_PHRASES, CLINIC_TEST_SENTENCES, wordErrors } from '../test/fixtures/speech.js';

const FRAME = 160;

const { values } = parseArgs({
  options: {
    voices: { type: 'string', default: 'rms,awb,kal16,slt' },
    order: { type: 'string', default: '3' },
    speed: { type: 'string', default: '4' },
  },
});
const voices = values.voices.split(',').map((v) => {
  if (!(FLITE_VOICES as readonly string[]).includes(v)) throw new Error(`unknown voice ${v} (use ${FLITE_VOICES.join(', ')})`);
  return v as FliteVoice;
});
const speed = Number(values.speed);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
}

async function feed(recognizer: SpeechRecognizer, audio: Int16Array, pace: number): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < audio.length; i += FRAME) {
    recognizer.write(audio.subarray(i, i + FRAME));
    if (pace > 0) {
      const due = start + ((i + FRAME) * 1000) / ENGINE_SAMPLE_RATE / pace;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
  }
}

const clips: { sentence: string; voice: FliteVoice; audio: Int16Array }[] = [];
for (const voice of voices) {
  for (const sentence of CLINIC_TEST_SENTENCES) clips.push({ sentence, voice, audio: await spokenCaller(sentence, voice) });
}
const audioSeconds = clips.reduce((s, c) => s + c.audio.length, 0) / ENGINE_SAMPLE_RATE;

const stt = new PocketsphinxSpeechToText({ workers: 1, lmOrder: Number(values.order) });
let t = performance.now();
const recognizer = await stt.createRecognizer(CLINIC_EXPECTED_PHRASES);
const createMs = performance.now() - t;

// Throughput: everything as fast as the worker decodes it.
t = performance.now();
for (const clip of clips) {
  recognizer.begin();
  await feed(recognizer, clip.audio, 0);
  await recognizer.finish();
}
const rtf = (performance.now() - t) / 1000 / audioSeconds;

// Accuracy and finalize latency, audio paced like a call.
const perVoice = new Map<FliteVoice, { errors: number; words: number }>();
const finalizeMs: number[] = [];
const misses: string[] = [];
for (const clip of clips) {
  recognizer.begin();
  await feed(recognizer, clip.audio, speed);
  t = performance.now();
  const heard = await recognizer.finish();
  finalizeMs.push(performance.now() - t);
  const score = wordErrors(clip.sentence, heard);
  const tally = perVoice.get(clip.voice) ?? { errors: 0, words: 0 };
  tally.errors += score.errors;
  tally.words += score.words;
  perVoice.set(clip.voice, tally);
  if (score.errors > 0) misses.push(`  ${clip.voice.padEnd(5)} ${clip.sentence}\n        -> ${heard}`);
}
recognizer.close();
await stt.close();

const total = [...perVoice.values()].reduce((a, b) => ({ errors: a.errors + b.errors, words: a.words + b.words }));
console.log(
  `stt-wer: ${CLINIC_TEST_SENTENCES.length} sentences x ${voices.length} voices, ${audioSeconds.toFixed(1)} s of phone audio, LM order ${values.order}`,
);
console.log(`recognizer created (LM + decoder + warm-up) in ${createMs.toFixed(0)} ms`);
for (const [voice, { errors, words }] of perVoice) console.log(`  WER ${voice.padEnd(5)} ${((100 * errors) / words).toFixed(1)}% (${errors}/${words})`);
console.log(`WER all   ${((100 * total.errors) / total.words).toFixed(1)}% (${total.errors}/${total.words})`);
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
const all = clips.map((c) => c.audio);
t = performance.now();
let frames = 0;
for (const audio of all) for (let i = 0; i < audio.length; i += FRAME, frames++) vad.process(audio.subarray(i, i + FRAME));
console.log(`silero VAD: ${(((performance.now() - t) * 1000) / frames).toFixed(1)} us per 20 ms frame (${frames} frames)`);
if (misses.length) console.log(`utterances with errors:\n${misses.join('\n')}`);
