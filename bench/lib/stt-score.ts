// Word error rate of the engine's recogniser on synthetic callers: the clips (clean or noisy), how a
// call feeds them (20 ms frames, optionally through the engine's noise suppression) and the tally.
// bench/stt-wer.ts (one setting, with latencies) and bench/noise-wer.ts (the noise grid) share it.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_VAD_OPTIONS } from '../../src/engine/listen/vad.js';
import { DEFAULT_USER_SPEECH } from '../../src/engine/user-speech.js';
import { FLITE_VOICES, type FliteVoice } from '../../src/engine/speak/flite.js';
import { ENGINE_SAMPLE_RATE, type NoiseSuppressor, type SpeechRecognizer } from '../../src/engine/types.js';
import { CLINIC_TEST_SENTENCES, concat, wordErrors } from '../../test/fixtures/speech.js';
import { noisyCaller, type CallerNoise } from './noise.js';

/** A phone call's frame: 20 ms of 8 kHz audio. */
export const FRAME = 160;

export interface Clip {
  sentence: string;
  voice: FliteVoice;
  audio: Int16Array;
}

/** The noise on the line before the caller speaks, so a denoiser has settled as it would have in a call. */
export const LEAD_IN_MS = 1000;
/** The noise after the speech, long enough for a VAD to hear the end. */
export const TAIL_MS = 1000;
/** What the recogniser gets from before the speech: the engine's pre-roll (user-speech.ts). */
export const PREROLL_MS = DEFAULT_USER_SPEECH.prerollMs;
/** ... and from after it: the VAD's end-of-turn hangover. */
export const HANGOVER_MS = DEFAULT_VAD_OPTIONS.minSilenceMs;

/** A --voices flag: flite voice names separated by commas. */
export function parseVoices(list: string): FliteVoice[] {
  return list.split(',').map((v) => {
    if (!(FLITE_VOICES as readonly string[]).includes(v)) throw new Error(`unknown voice ${v} (use ${FLITE_VOICES.join(', ')})`);
    return v as FliteVoice;
  });
}

/** Every test sentence in every voice, with noise mixed in before the line; a different stretch of noise per clip. */
export async function callerClips(voices: readonly FliteVoice[], noise: Omit<CallerNoise, 'seed' | 'leadInMs' | 'tailMs'>): Promise<Clip[]> {
  const clips: Clip[] = [];
  for (const voice of voices) {
    for (const [i, sentence] of CLINIC_TEST_SENTENCES.entries()) {
      clips.push({ sentence, voice, audio: await noisyCaller(sentence, voice, { ...noise, seed: i + 1, leadInMs: LEAD_IN_MS, tailMs: TAIL_MS }) });
    }
  }
  return clips;
}

/** The whole clip as the listener gets it in a call: through the suppressor 20 ms at a time, or as it is. */
export function lineAudio(clip: Clip, suppressor?: NoiseSuppressor): Int16Array {
  if (!suppressor) return clip.audio;
  const parts: Int16Array[] = [];
  for (let i = 0; i < clip.audio.length; i += FRAME) parts.push(suppressor.process(clip.audio.subarray(i, i + FRAME)));
  return concat(...parts);
}

/** What the recogniser hears of a clip's line audio: from PREROLL_MS before the speech to HANGOVER_MS after it, as the engine's VAD cuts it. */
export function utteranceAudio(line: Int16Array): Int16Array {
  const at = (ms: number) => (ms * ENGINE_SAMPLE_RATE) / 1000;
  return line.subarray(at(LEAD_IN_MS - PREROLL_MS), Math.max(0, line.length - at(TAIL_MS - HANGOVER_MS)));
}

/** Feeds 20 ms frames; `pace` > 0 paces them at that multiple of real time (0: as fast as the recogniser takes them). */
export async function feed(recognizer: SpeechRecognizer, audio: Int16Array, pace: number): Promise<void> {
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

export interface Tally {
  errors: number;
  words: number;
}

export interface WerResult {
  perVoice: Map<FliteVoice, Tally>;
  total: Tally;
  /** End of audio to final text, per utterance. */
  finalizeMs: number[];
  misses: string[];
}

/** Recognises each audio (one utterance each) and scores it against its clip's sentence. */
export async function scoreUtterances(recognizer: SpeechRecognizer, clips: readonly Clip[], audios: readonly Int16Array[], pace: number): Promise<WerResult> {
  const perVoice = new Map<FliteVoice, Tally>();
  const finalizeMs: number[] = [];
  const misses: string[] = [];
  for (const [i, clip] of clips.entries()) {
    recognizer.begin();
    await feed(recognizer, audios[i]!, pace);
    const t = performance.now();
    const heard = await recognizer.finish();
    finalizeMs.push(performance.now() - t);
    const score = wordErrors(clip.sentence, heard);
    const tally = perVoice.get(clip.voice) ?? { errors: 0, words: 0 };
    tally.errors += score.errors;
    tally.words += score.words;
    perVoice.set(clip.voice, tally);
    if (score.errors > 0) misses.push(`  ${clip.voice.padEnd(5)} ${clip.sentence}\n        -> ${heard}`);
  }
  const total = [...perVoice.values()].reduce((a, b) => ({ errors: a.errors + b.errors, words: a.words + b.words }), { errors: 0, words: 0 });
  return { perVoice, total, finalizeMs, misses };
}

export function werPercent({ errors, words }: Tally): number {
  return (100 * errors) / Math.max(1, words);
}
