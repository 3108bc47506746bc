// Word error rate on callers the engine was never tuned on (issue 18): the held-out clinic sentences of
// bench/heldout/ spoken by flite, festival and espeak-ng voices through a G.711 line, clean and with
// noise, each voice decoded by its own recogniser built as the server builds one for a call (the agent
// of config/agent.json and the built-in dialog's phrases).
//   node dist/bench/heldout-wer.js [--voices flite-rms,...] [--noise 15|off] [--noise-kind pink|babble] [--no-clean] [--parallel 2] [--show-errors]
// --noise SNR adds a second condition: the same clips with background noise (bench/lib/noise.ts, pink by
// default: road or fan noise) mixed in where the caller is, at SNR dB in the telephone band; --no-clean
// measures that condition only.
// Missing synthesizers are reported and skipped (install them with `node scripts/bootstrap.mjs --bench`).
// --show-errors prints every misrecognised sentence: for reading, never for tuning the engine on.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAgentSettings } from '../src/agent/settings-file.js';
import { primaryThink } from '../src/agent/settings.js';
import { PACKAGE_ROOT } from '../src/bench/server-process.js';
import { errorMessage } from '../src/observability/error-message.js';
import { expectedPhrases } from '../src/engine/expected-phrases.js';
import { genericDomainSentences } from '../src/engine/listen/domain-corpus.js';
import { PocketsphinxSpeechToText } from '../src/engine/listen/pocketsphinx-stt.js';
import { PronunciationDictionary } from '../src/engine/listen/pronunciations.js';
import { corpusSentences } from '../src/engine/listen/recognizer-model.js';
import { spokenWords } from '../src/engine/listen/spoken-text.js';
import { createThinkProvider } from '../src/engine/think/index.js';
import { CLINIC_EXPECTED_PHRASES, CLINIC_TEST_SENTENCES, wordErrors } from '../test/fixtures/speech.js';
import { CALLER_VOICES, callerVoices, speakingVoices, spokenByCaller, type CallerVoice } from './lib/caller-voices.js';
import { overlapWithTuning } from './lib/heldout-overlap.js';
import { parseNoiseKind } from './lib/noise.js';
import { log, writeResults } from './lib/results.js';
import { HELD_OUT_SENTENCES, type SentenceKind } from './heldout/clinic-sentences.js';

const FRAME = 160;

const { values } = parseArgs({
  options: {
    voices: { type: 'string', default: CALLER_VOICES.map((v) => v.name).join(',') },
    noise: { type: 'string', default: '15' },
    'noise-kind': { type: 'string', default: 'pink' },
    'no-clean': { type: 'boolean', default: false },
    parallel: { type: 'string', default: '2' },
    'show-errors': { type: 'boolean', default: false },
  },
});
const wanted = callerVoices(values.voices);
const snrDb = values.noise === 'off' ? undefined : Number(values.noise);
if (snrDb !== undefined && !Number.isFinite(snrDb)) throw new Error(`--noise must be an SNR in dB or "off", got "${values.noise}"`);
const noiseKind = parseNoiseKind(values['noise-kind']);
const parallel = Math.max(1, Number(values.parallel) || 1);

// The recogniser a call gets: the default agent's Settings and the think provider the server would pick.
const settings = loadAgentSettings(join(PACKAGE_ROOT, 'config/agent.json'));
const think = primaryThink(settings);
const phrases = expectedPhrases(settings, think, createThinkProvider(think));

// Held out means held out: report what the tuning material (today's, whatever it grows into) shares with the sentences.
const sentences = HELD_OUT_SENTENCES.map((s) => s.text);
const generic = genericDomainSentences();
const overlap = overlapWithTuning(sentences, [...phrases, ...generic, ...CLINIC_TEST_SENTENCES, ...CLINIC_EXPECTED_PHRASES]);
const vocabulary = new Set(corpusSentences([...phrases, ...generic], PronunciationDictionary.load()).sentences.flat());
const referenceWords = sentences.flatMap((s) => spokenWords(s));
const outOfVocabulary = referenceWords.filter((w) => !vocabulary.has(w));
log(`${sentences.length} held-out sentences, ${referenceWords.length} words; recogniser vocabulary ${vocabulary.size} words`);
log(`overlap with tuning material: ${overlap.identical.length} identical sentence(s), ${overlap.containing.length} containing a tuning phrase of 5+ words, ` +
  `${(100 * overlap.fourGramShare).toFixed(1)}% of word 4-grams shared`);
for (const s of overlap.identical) log(`  identical: ${s}`);
for (const { sentence, phrase } of overlap.containing) log(`  contains "${phrase}": ${sentence}`);
log(`out of the recogniser's vocabulary: ${outOfVocabulary.length} of ${referenceWords.length} words (${pct(outOfVocabulary.length, referenceWords.length)})`);

const { voices, missing } = await speakingVoices(wanted);

const conditions = [...(values['no-clean'] ? [] : ['clean']), ...(snrDb === undefined ? [] : [`${noiseKind}-${snrDb}dB`])];
if (conditions.length === 0) throw new Error('--no-clean needs --noise SNR: nothing to measure');
interface Tally { errors: number; words: number }
interface Run { voice: CallerVoice; condition: string; total: Tally; byKind: Map<SentenceKind, Tally>; misses: string[] }

const stt = new PocketsphinxSpeechToText({ workers: parallel });
const tasks = voices.flatMap((voice) => conditions.map((condition) => ({ voice, condition })));
const runs: Run[] = [];
const started = performance.now();
await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, async () => {
  for (let task = tasks.shift(); task; task = tasks.shift()) {
    try {
      runs.push(await decodeVoice(task.voice, task.condition));
    } catch (err) {
      // A voice that fails to speak is reported with the missing ones; the others still count.
      missing.push({ voice: `${task.voice.name} (${task.condition})`, reason: errorMessage(err) });
      log(`FAILED voice ${task.voice.name} ${task.condition}: ${errorMessage(err)}`);
    }
  }
}));
await stt.close();
const elapsedS = (performance.now() - started) / 1000;

async function decodeVoice(voice: CallerVoice, condition: string): Promise<Run> {
  const clips = await spokenByCaller(voice, sentences, condition === 'clean' ? undefined : { noise: noiseKind, snrDb: snrDb! });
  // One recogniser per voice and condition, as one call gets one: it adapts to that voice as it goes.
  const recognizer = await stt.createRecognizer(phrases);
  const run: Run = { voice, condition, total: { errors: 0, words: 0 }, byKind: new Map(), misses: [] };
  for (const [i, audio] of clips.entries()) {
    recognizer.begin();
    for (let at = 0; at < audio.length; at += FRAME) recognizer.write(audio.subarray(at, at + FRAME));
    const heard = await recognizer.finish();
    const { text, kind } = HELD_OUT_SENTENCES[i]!;
    const score = wordErrors(text, heard);
    add(run.total, score);
    add(run.byKind.get(kind) ?? run.byKind.set(kind, { errors: 0, words: 0 }).get(kind)!, score);
    if (score.errors > 0) run.misses.push(`${text}\n      -> ${heard}`);
  }
  recognizer.close();
  log(`  ${voice.name.padEnd(17)} ${condition.padEnd(10)} WER ${pct(run.total.errors, run.total.words)}`);
  return run;
}

function add(into: Tally, score: Tally): void {
  into.errors += score.errors;
  into.words += score.words;
}

function sum(list: Tally[]): Tally {
  return list.reduce((a, b) => ({ errors: a.errors + b.errors, words: a.words + b.words }), { errors: 0, words: 0 });
}

function pct(errors: number, words: number): string {
  return words === 0 ? '-' : `${((100 * errors) / words).toFixed(1)}%`;
}

function wer(t: Tally): number | null {
  return t.words === 0 ? null : Math.round((1000 * t.errors) / t.words) / 10;
}

const tallyOf = (voice: CallerVoice, condition: string) =>
  runs.find((r) => r.voice === voice && r.condition === condition)?.total ?? { errors: 0, words: 0 };
const totalOf = (filter: (r: Run) => boolean) => sum(runs.filter(filter).map((r) => r.total));
const groups: Array<{ label: string; voices: (v: CallerVoice) => boolean }> = [
  ...[...new Set(voices.map((v) => v.synthesizer))].map((s) => ({ label: `all ${s}`, voices: (v: CallerVoice) => v.synthesizer === s })),
  { label: 'held-out voices', voices: (v) => v.heldOut },
  { label: 'all voices', voices: () => true },
];

const groupTotal = (g: (typeof groups)[number], c: string) => totalOf((r) => r.condition === c && g.voices(r.voice));
const width = 20;
console.log(`held-out WER: ${sentences.length} sentences (${referenceWords.length} words) x ${voices.length} voices, ` +
  `${conditions.join(' and ')}, decoded in ${elapsedS.toFixed(0)} s`);
console.log(`${'voice'.padEnd(width)}${conditions.map((c) => c.padStart(12)).join('')}`);
for (const voice of voices) {
  const cells = conditions.map((c) => pct(tallyOf(voice, c).errors, tallyOf(voice, c).words).padStart(12));
  console.log(`${`${voice.name}${voice.heldOut ? '' : ' (tuned)'}`.padEnd(width)}${cells.join('')}`);
}
for (const group of groups) {
  const cells = conditions.map((c) => pct(groupTotal(group, c).errors, groupTotal(group, c).words).padStart(12));
  console.log(`${group.label.padEnd(width)}${cells.join('')}`);
}
const kinds = [...new Set(HELD_OUT_SENTENCES.map((s) => s.kind))];
const kindTotal = (k: SentenceKind) => sum(runs.filter((r) => r.condition === conditions[0]).map((r) => r.byKind.get(k) ?? { errors: 0, words: 0 }));
console.log(`by kind of sentence, all voices, ${conditions[0]}: ${kinds.map((k) => `${k} ${pct(kindTotal(k).errors, kindTotal(k).words)}`).join(', ')}`);
for (const { voice, reason } of missing) console.log(`missing: ${voice} (${reason})`);
if (values['show-errors']) {
  for (const run of runs) for (const miss of run.misses) console.log(`  ${run.voice.name} ${run.condition}: ${miss}`);
  console.log(`out-of-vocabulary words: ${[...new Set(outOfVocabulary)].sort().join(' ')}`);
}

const command = `node dist/bench/heldout-wer.js --voices ${values.voices} --noise ${values.noise} --noise-kind ${noiseKind}` +
  `${values['no-clean'] ? ' --no-clean' : ''} --parallel ${parallel}`;
// heldout-wer.json holds a full run; one condition of every voice goes to heldout-wer-<condition>.json.
const resultName = `heldout-wer${wanted.length === CALLER_VOICES.length ? '' : '-subset'}${conditions.length === 1 ? `-${conditions[0]}` : ''}`;
log(`wrote ${writeResults(resultName, command, {
  sentences: sentences.length,
  words: referenceWords.length,
  recogniser_vocabulary: vocabulary.size,
  out_of_vocabulary_words: outOfVocabulary.length,
  overlap_with_tuning: { identical: overlap.identical.length, containing_5_word_phrase: overlap.containing.length, four_gram_share: overlap.fourGramShare },
  conditions,
  missing_voices: missing,
  wer_percent: Object.fromEntries(voices.map((v) => [v.name, {
    synthesizer: v.synthesizer,
    held_out: v.heldOut,
    ...Object.fromEntries(conditions.map((c) => [c, wer(tallyOf(v, c))])),
  }])),
  groups: Object.fromEntries(groups.map((g) => [g.label, Object.fromEntries(conditions.map((c) => [c, wer(groupTotal(g, c))]))])),
  by_kind: { condition: conditions[0], wer_percent: Object.fromEntries(kinds.map((k) => [k, wer(kindTotal(k))])) },
  decode_seconds: Math.round(elapsedS),
})}`);
