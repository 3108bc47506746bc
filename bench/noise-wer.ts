// Noise suppression's effect on the listen path: word error rate (and what the VAD makes of the audio)
// with RNNoise off and on, on clean callers and on callers with pink noise or babble mixed in before
// the phone line at 15 and 10 dB SNR; and what RNNoise costs per 20 ms frame.
//   node dist/bench/noise-wer.js [--voices rms,awb,kal16,slt] [--snr 15,10] [--noises pink,babble] [--calls 100]
// The cost is measured apart, with --calls suppressors taking turns frame by frame as that many calls would.
// Writes bench/results/noise-wer.json and prints the table for BENCHMARKS.md.
import { parseArgs } from 'node:util';
import { PocketsphinxSpeechToText } from '../src/engine/listen/pocketsphinx-stt.js';
import { createRnnoiseSuppressor, loadRnnoise } from '../src/engine/listen/noise-suppression.js';
import { createSileroVad } from '../src/engine/listen/vad.js';
import type { VadEvent } from '../src/engine/types.js';
import { audibleSpan, CLINIC_EXPECTED_PHRASES } from '../test/fixtures/speech.js';
import { parseNoiseKind, type NoiseKind } from './lib/noise.js';
import { log, writeResults } from './lib/results.js';
import { callerClips, parseVoices, FRAME, LEAD_IN_MS, lineAudio, scoreUtterances, TAIL_MS, utteranceAudio, werPercent, type Clip } from './lib/stt-score.js';

const { values } = parseArgs({
  options: {
    voices: { type: 'string', default: 'rms,awb,kal16,slt' },
    snr: { type: 'string', default: '15,10' },
    noises: { type: 'string', default: 'pink,babble' },
    calls: { type: 'string', default: '100' },
  },
});
const voices = parseVoices(values.voices);
const conditions: { noise: NoiseKind; snrDb: number; label: string }[] = [{ noise: 'none', snrDb: Infinity, label: 'clean' }];
for (const noise of values.noises.split(',').map(parseNoiseKind)) {
  for (const snrDb of values.snr.split(',').map(Number)) conditions.push({ noise, snrDb, label: `${noise} ${snrDb} dB` });
}

/** Where the speech is in each clip, from the clean clip: the VAD's truth. */
const clean = await callerClips(voices, { noise: 'none', snrDb: 0 });
const truth = clean.map((c) => audibleSpan(c.audio));

interface VadTally {
  /** Clips where the VAD started within the speech. */
  found: number;
  /** Clips where noise before the speech started it. */
  falseStarts: number;
  /** Clips where the VAD had not ended by the end of the noisy tail. */
  unended: number;
  /** The VAD's end boundary minus the true end of speech, per ended clip. */
  endErrorMs: number[];
}

function vadOn(line: Int16Array, span: { startMs: number; endMs: number }, tally: VadTally): void {
  const vad = createSileroVad();
  const events: VadEvent[] = [];
  for (let i = 0; i < line.length; i += FRAME) events.push(...vad.process(line.subarray(i, i + FRAME)));
  vad.close();
  const starts = events.filter((e) => e.type === 'speech_start');
  if (starts.some((e) => e.atMs < span.startMs - 150)) tally.falseStarts++;
  if (starts.some((e) => e.atMs >= span.startMs - 150 && e.atMs <= span.endMs)) tally.found++;
  const last = events.at(-1);
  if (!last || last.type === 'speech_start') tally.unended++;
  else tally.endErrorMs.push(last.atMs - span.endMs);
}

const stt = new PocketsphinxSpeechToText({ workers: 1 });
await loadRnnoise();

interface Row {
  condition: string;
  suppression: 'off' | 'on';
  wer_percent: Record<string, number>;
  errors: number;
  words: number;
  vad: { found: number; false_starts: number; unended: number; end_error_ms_median: number | null; clips: number };
}
const rows: Row[] = [];
for (const condition of conditions) {
  const clips: Clip[] = condition.noise === 'none' ? clean : await callerClips(voices, condition);
  for (const suppression of ['off', 'on'] as const) {
    const lines: Int16Array[] = [];
    for (const clip of clips) {
      const suppressor = suppression === 'on' ? await createRnnoiseSuppressor() : undefined;
      lines.push(lineAudio(clip, suppressor));
      suppressor?.close();
    }
    // A recogniser per pass, as per call in the engine: its cepstral mean adapts to what it has heard.
    const recognizer = await stt.createRecognizer(CLINIC_EXPECTED_PHRASES);
    const result = await scoreUtterances(recognizer, clips, lines.map(utteranceAudio), 0);
    recognizer.close();
    const vad: VadTally = { found: 0, falseStarts: 0, unended: 0, endErrorMs: [] };
    lines.forEach((line, i) => vadOn(line, { startMs: truth[i]!.startMs, endMs: truth[i]!.endMs }, vad));
    const sortedEnd = [...vad.endErrorMs].sort((a, b) => a - b);
    const row: Row = {
      condition: condition.label,
      suppression,
      wer_percent: Object.fromEntries([...result.perVoice].map(([v, t]) => [v, round1(werPercent(t))])),
      errors: result.total.errors,
      words: result.total.words,
      vad: {
        found: vad.found,
        false_starts: vad.falseStarts,
        unended: vad.unended,
        end_error_ms_median: sortedEnd.length ? Math.round(sortedEnd[Math.floor(sortedEnd.length / 2)]!) : null,
        clips: clips.length,
      },
    };
    row.wer_percent.all = round1(werPercent(result.total));
    rows.push(row);
    log(`${condition.label.padEnd(14)} suppression ${suppression.padEnd(3)} WER ${JSON.stringify(row.wer_percent)} vad ${JSON.stringify(row.vad)}`);
  }
}
await stt.close();

const cost = await suppressionCost(Number(values.calls), 10);
const share = `${cost.cpu_percent_of_a_core_per_call}% of a core per call`;
log(`RNNoise and its resampling, ${cost.calls} calls at once: ${cost.us_per_20ms_frame} us CPU per 20 ms frame (${share})`);
const command = `node dist/bench/noise-wer.js --voices ${voices.join(',')} --snr ${values.snr} --noises ${values.noises} --calls ${values.calls}`;
const file = writeResults('noise-wer', command, {
  clips_per_condition: clean.length,
  lead_in_ms: LEAD_IN_MS,
  tail_ms: TAIL_MS,
  rows,
  rnnoise_cost: cost,
});
log(`wrote ${file}`);

// The table for BENCHMARKS.md: one line per condition, off and on side by side.
const header = ['condition', ...voices.map((v) => `${v} off / on`), 'all off / on', 'VAD: speech found', 'VAD: false starts', 'VAD: never ended'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const condition of conditions) {
  const [off, on] = ['off', 'on'].map((s) => rows.find((r) => r.condition === condition.label && r.suppression === s)!) as [Row, Row];
  const pair = (key: string) => `${off.wer_percent[key]} / ${on.wer_percent[key]}`;
  const vadPair = (key: 'found' | 'false_starts' | 'unended') => `${off.vad[key]} / ${on.vad[key]}`;
  const cells = [condition.label, ...voices.map(pair), `**${pair('all')}**`, vadPair('found'), vadPair('false_starts'), vadPair('unended')];
  console.log(`| ${cells.join(' | ')} |`);
}

/** CPU per 20 ms frame with `calls` suppressors at once, each fed `seconds` of a noisy caller, frame by frame in turn. */
async function suppressionCost(calls: number, seconds: number) {
  const line = (await callerClips(['rms'], { noise: 'pink', snrDb: 10 }))[0]!.audio;
  const frameAt = (f: number) => {
    const at = (f * FRAME) % (line.length - FRAME);
    return line.subarray(at, at + FRAME);
  };
  const suppressors = await Promise.all(Array.from({ length: calls }, () => createRnnoiseSuppressor()));
  const wasmMb = (await loadRnnoise()).HEAPF32.buffer.byteLength / 2 ** 20;
  // A second of audio each first, so that the timed part runs optimised code, as a server does after its first calls.
  const warmup = 50;
  const frames = (seconds * 1000) / 20;
  for (let f = 0; f < warmup; f++) for (const s of suppressors) s.process(frameAt(f));
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (let f = warmup; f < warmup + frames; f++) for (const s of suppressors) s.process(frameAt(f));
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - wall;
  for (const s of suppressors) s.close();
  const usPerFrame = (used.user + used.system) / (frames * calls);
  return {
    calls,
    frames_per_call: frames,
    us_per_20ms_frame: Math.round(usPerFrame),
    wall_us_per_20ms_frame: Math.round((wallMs * 1000) / (frames * calls)),
    cpu_percent_of_a_core_per_call: round1(usPerFrame / 200),
    wasm_memory_mb: round1(wasmMb),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
