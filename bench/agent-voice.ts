// Which offline voice should the agent speak with (issue 18)? Time to first audio for the first sentence
// of typical clinic replies (the engine synthesises a reply sentence by sentence, so this is what the
// caller waits for), for every flite voice through the engine's own TextToSpeech, and for festival's
// voices in a warm festival process (a lower bound: the engine has no festival path). Naturalness cannot
// be listened to here; two word error rates stand in for intelligibility: the agent's own sentences heard
// through the phone line and decoded with pocketsphinx's general English model (no domain tuning, so no
// voice is favoured by it), and the held-out caller sentences (bench/results/heldout-wer.json, clean).
//   node dist/bench/agent-voice.js [--repeat 3]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentiles } from '../src/bench/latency-samples.js';
import { resampleLinear } from '../src/audio/resample.js';
import { PocketsphinxDecoder, POCKETSPHINX_SAMPLE_RATE } from '../src/engine/listen/pocketsphinx.js';
import { CMUDICT_PATH, POCKETSPHINX_MODEL_DIR } from '../src/engine/listen/pronunciations.js';
import { FLITE_VOICES, FliteTextToSpeech } from '../src/engine/speak/flite.js';
import { ENGINE_SAMPLE_RATE } from '../src/engine/types.js';
import { wordErrors } from '../test/fixtures/speech.js';
import { CALLER_VOICES, festivalScript, missingReason, spokenByCaller } from './lib/caller-voices.js';
import { log, RESULTS_DIR, writeResults } from './lib/results.js';

/** First sentences of the built-in dialog's replies, short and long. */
const REPLY_SENTENCES = [
  'Thank you for calling Maple Street Family Medicine.',
  "Can I have the patient's full name, please?",
  "And the patient's date of birth?",
  'What day would you like to come in?',
  'On Friday, December fourth I have eight AM, one PM or four thirty PM.',
  'Good news, Tuesday, December first at ten AM is open.',
  "So that's Maria Gonzalez, born April ninth, nineteen seventy six, on Tuesday, December first at ten AM.",
  "You're all set.",
  'Our hours are Monday to Friday, eight AM to five PM; Saturday and Sunday, closed.',
  "We're at 1420 Maple Street, Suite 200, Springfield, IL 62704.",
  'If this is a medical emergency, please hang up and call nine one one right now.',
  "Sorry, I didn't catch that.",
  "I see Linda Chen's appointment on Monday, November thirtieth at two PM.",
  "Sure, I'll transfer you to our staff now.",
  'Thank you for calling.',
];

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' } } });
const repeat = Math.max(1, Number(values.repeat) || 1);

interface VoiceTiming {
  voice: string;
  engine_path: boolean;
  first_audio_ms: { p50: number; p95: number; max: number };
  /** The reply sentences through the phone line, general English model. */
  reply_wer_percent: number | null;
  /** The held-out caller sentences, the engine's recogniser. */
  heldout_wer_percent: number | null;
}

const WARM_UP = 'Hello, this is a short sentence to warm the decoder up.';
const generalDecoder = new PocketsphinxDecoder({
  lmPath: join(POCKETSPHINX_MODEL_DIR, 'en-us.lm.bin'),
  dictPath: CMUDICT_PATH,
});
const intelligibility = readWer();
const timings: VoiceTiming[] = [];

for (const voice of FLITE_VOICES) {
  const tts = new FliteTextToSpeech({ voice });
  const samples: number[] = [];
  for (let r = 0; r < repeat; r++) {
    for (const sentence of REPLY_SENTENCES) samples.push(await firstAudioMs(tts, sentence));
  }
  log(`flite-${voice}: timed, now decoding its replies`);
  record(`flite-${voice}`, true, samples, await replyWer(`flite-${voice}`));
}
for (const voice of CALLER_VOICES.filter((v) => v.synthesizer === 'festival')) {
  const reason = await missingReason(voice);
  if (reason) {
    log(`MISSING ${voice.name}: ${reason}`);
    continue;
  }
  const samples = await festivalSentenceMs(voice.id, Array.from({ length: repeat }, () => REPLY_SENTENCES).flat());
  record(voice.name, false, samples, await replyWer(voice.name));
}

function record(voice: string, enginePath: boolean, samples: number[], replyWerPercent: number | null): void {
  const p = percentiles([Float64Array.from(samples)]);
  const timing = {
    voice,
    engine_path: enginePath,
    first_audio_ms: { p50: Math.round(p.p50), p95: Math.round(p.p95), max: Math.round(p.max) },
    reply_wer_percent: replyWerPercent,
    heldout_wer_percent: intelligibility[voice] ?? null,
  };
  timings.push(timing);
  log(JSON.stringify(timing));
}

/** Word error rate of the reply sentences in this voice, through the phone line, with the general English model. */
async function replyWer(voiceName: string): Promise<number | null> {
  const voice = CALLER_VOICES.find((v) => v.name === voiceName);
  if (!voice) return null;
  // Sentences with digits are left out: a voice reads "1420" its own way, which the reference cannot know.
  const sentences = REPLY_SENTENCES.filter((s) => !/\d/.test(s));
  const clips = await spokenByCaller(voice, [WARM_UP, ...sentences]);
  let errors = 0;
  let words = 0;
  for (const [i, clip] of clips.entries()) {
    generalDecoder.startUtterance();
    generalDecoder.process(resampleLinear(clip, ENGINE_SAMPLE_RATE, POCKETSPHINX_SAMPLE_RATE));
    const heard = generalDecoder.endUtterance();
    // The first clip only warms the decoder up (its cepstral mean starts cold).
    if (i === 0) continue;
    const score = wordErrors(sentences[i - 1]!, heard);
    errors += score.errors;
    words += score.words;
  }
  return Math.round((1000 * errors) / words) / 10;
}

async function firstAudioMs(tts: FliteTextToSpeech, sentence: string): Promise<number> {
  const started = performance.now();
  for await (const _chunk of tts.synthesize(sentence, new AbortController().signal)) return performance.now() - started;
  throw new Error(`no audio for "${sentence}"`);
}

/**
 * Per-sentence synthesis time in one festival process that has already started and loaded its voice:
 * the time between one sentence's file appearing and the next's. The first sentence (start-up) is not counted.
 */
async function festivalSentenceMs(voiceId: string, sentences: string[]): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'phone-agent-festival-'));
  const clips = ['Hello.', ...sentences].map((text, i) => ({ text, file: join(dir, `${i}.wav`) }));
  writeFileSync(join(dir, 'run.scm'), festivalScript(voiceId, clips));
  const child = spawn('festival', ['-b', join(dir, 'run.scm')], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const appeared: number[] = [];
  while (appeared.length < clips.length) {
    if (existsSync(clips[appeared.length]!.file)) appeared.push(performance.now());
    else if (child.exitCode !== null) throw new Error(`festival ${voiceId} stopped after ${appeared.length} of ${clips.length} sentences`);
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return appeared.slice(1).map((at, i) => at - appeared[i]!);
}

function readWer(): Record<string, number> {
  const file = ['heldout-wer.json', 'heldout-wer-clean.json'].map((name) => join(RESULTS_DIR, name)).find((f) => existsSync(f));
  if (!file) return {};
  const results = JSON.parse(readFileSync(file, 'utf8')) as { wer_percent: Record<string, { clean: number | null }> };
  return Object.fromEntries(Object.entries(results.wer_percent).flatMap(([voice, w]) => (w.clean === null ? [] : [[voice, w.clean]])));
}

console.log(`agent voice: time to first audio of a reply's first sentence (${REPLY_SENTENCES.length} sentences x ${repeat})`);
console.log(`${'voice'.padEnd(18)}${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}${'max ms'.padStart(8)}  reply WER  held-out WER`);
const percent = (n: number | null) => (n === null ? '-' : `${n}%`);
for (const t of timings) {
  const note = t.engine_path ? '' : '  (warm festival process, not an engine path)';
  console.log(`${t.voice.padEnd(18)}${String(t.first_audio_ms.p50).padStart(8)}${String(t.first_audio_ms.p95).padStart(8)}` +
    `${String(t.first_audio_ms.max).padStart(8)}  ${percent(t.reply_wer_percent).padStart(9)}  ${percent(t.heldout_wer_percent).padStart(12)}${note}`);
}
generalDecoder.free();
log(`wrote ${writeResults('agent-voice', `node dist/bench/agent-voice.js --repeat ${repeat}`, { sentences: REPLY_SENTENCES, voices: timings })}`);

