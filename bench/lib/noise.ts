// Background noise for speech benchmarks and tests: a caller in a car (pink noise) or a waiting room
// (babble: other flite voices talking at once), mixed into a synthetic caller's speech at a chosen SNR
// before the telephone channel, as it would be in life. Everything is deterministic for a given seed.
//
//   const audio = await noisyCaller('I need a refill', 'rms', { noise: 'babble', snrDb: 10, seed: 1 });
//
// noisyCaller is spokenCaller() (src/engine/speak/phone-channel.ts) with noise added: 8 kHz PCM as the
// engine hears it, at the asked SNR in the telephone band. pinkNoise, babbleNoise and mixAtSnr are the
// parts, for other sources of speech.
import { FLITE_VOICES, fliteSpeech, type FliteVoice } from '../../src/engine/speak/flite.js';
import { PHONE_BAND, phoneChannel } from '../../src/engine/speak/phone-channel.js';
import { bandLimit } from '../../src/engine/speak/filters.js';
import { downsample } from '../../src/audio/resample.js';
import type { PcmAudio } from '../../src/audio/wav.js';
import { concat } from '../../test/fixtures/speech.js';

export const NOISE_KINDS = ['none', 'pink', 'babble'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

export function parseNoiseKind(value: string): NoiseKind {
  if (!(NOISE_KINDS as readonly string[]).includes(value)) throw new Error(`unknown noise ${value} (use ${NOISE_KINDS.join(', ')})`);
  return value as NoiseKind;
}

/** A small seeded generator (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Voss-McCartney: row k draws a new value every 2^k samples, so the sum has equal power per octave
// from sampleRate / 2^ROWS up to Nyquist: 1/f (pink) noise, the spectrum of road and fan noise.
const PINK_ROWS = 16;

/** Pink noise with an RMS of 1. */
export function pinkNoise(length: number, seed = 1): Float32Array {
  const random = seededRandom(seed);
  const rows = Float64Array.from({ length: PINK_ROWS }, () => random() * 2 - 1);
  let sum = rows.reduce((a, b) => a + b, 0);
  const out = new Float32Array(length);
  for (let n = 0; n < length; n++) {
    // The row to update is the number of trailing zeros of the counter: row 0 every other sample, etc.
    const row = Math.min(PINK_ROWS - 1, 31 - Math.clz32((n + 1) & -(n + 1)));
    const next = random() * 2 - 1;
    sum += next - rows[row]!;
    rows[row] = next;
    out[n] = sum + (random() * 2 - 1);
  }
  return normalise(out);
}

/** Sentences for the babble: a waiting room's conversations, none of them a clinic request a test scores. */
const BABBLE_SENTENCES = [
  'The traffic on the bridge was terrible this morning',
  'She said the new restaurant downtown is really good',
  'Did you see the game last night, it went to overtime',
  'I think it is going to rain again this afternoon',
  'My sister moved to Denver in the spring',
  'We should paint the kitchen a lighter color',
];

export interface BabbleOptions {
  /** How many voices talk at once (6 by default): more sounds more like a crowd, less like a conversation. */
  talkers?: number;
  /** Voices to leave out, e.g. the caller's own. */
  exclude?: readonly FliteVoice[];
  seed?: number;
}

/** Babble with an RMS of 1: `talkers` flite voices, each saying other sentences from its own point, looped. */
export async function babbleNoise(length: number, sampleRate: number, { talkers = 6, exclude = [], seed = 1 }: BabbleOptions = {}): Promise<Float32Array> {
  const voices = FLITE_VOICES.filter((v) => !exclude.includes(v));
  if (voices.length === 0) throw new Error('babble needs at least one voice that is not excluded');
  const random = seededRandom(seed);
  const out = new Float32Array(length);
  for (let t = 0; t < talkers; t++) {
    const voice = voices[t % voices.length]!;
    // Talker t says every sentence, starting from its own one, so no two talkers say the same thing at once.
    const track = await talkerTrack(voice, t % BABBLE_SENTENCES.length, sampleRate);
    const gain = 1 / (rms(track) || 1);
    const offset = Math.floor(random() * track.length);
    for (let n = 0; n < length; n++) out[n]! += track[(offset + n) % track.length]! * gain;
  }
  return normalise(out);
}

/** One talker's sentences back to back with short pauses, at `sampleRate`. */
async function talkerTrack(voice: FliteVoice, firstSentence: number, sampleRate: number): Promise<Int16Array> {
  const order = [...BABBLE_SENTENCES.slice(firstSentence), ...BABBLE_SENTENCES.slice(0, firstSentence)];
  const pause = new Int16Array(Math.round(sampleRate * 0.25));
  const sentences = await Promise.all(order.map((sentence) => spokenOnce(sentence, voice)));
  return concat(...sentences.flatMap((speech) => [downsample(speech.samples, speech.sampleRate, sampleRate), pause]));
}

/**
 * Speech plus noise scaled so that the speech's power over the whole utterance (pauses included) is
 * `snrDb` above the noise's; noise shorter than the speech is looped. Clips at the 16-bit limits.
 * Given `sampleRate`, both powers are measured in the telephone band (300-3400 Hz) only, so the SNR is the
 * one a listener at the far end of the line gets: flite's 16 kHz voices put over half their power below
 * 300 Hz, where the line carries nothing, which would otherwise make the line's SNR up to 7 dB worse.
 */
export function mixAtSnr(speech: Int16Array, noise: Float32Array, snrDb: number, sampleRate?: number): Int16Array {
  if (noise.length === 0) throw new Error('mixAtSnr needs some noise');
  const looped = Float32Array.from({ length: speech.length }, (_, n) => noise[n % noise.length]!);
  return addNoise(speech, looped, noiseGain(speech, looped, snrDb, sampleRate));
}

function noiseGain(speech: Int16Array, noise: Float32Array, snrDb: number, sampleRate: number | undefined): number {
  const speechLevel = level(speech, sampleRate);
  const noiseLevel = level(noise, sampleRate);
  if (speechLevel === 0 || noiseLevel === 0) throw new Error('mixAtSnr needs speech and noise that are not silent');
  return speechLevel / noiseLevel / 10 ** (snrDb / 20);
}

function addNoise(speech: Int16Array, noise: Float32Array, gain: number): Int16Array {
  return Int16Array.from(speech, (v, n) => Math.max(-32768, Math.min(32767, Math.round(v + noise[n]! * gain))));
}

/** RMS, in the telephone band when a sample rate is given. */
function level(samples: Int16Array | Float32Array, sampleRate: number | undefined): number {
  if (sampleRate === undefined) return rms(samples);
  // bandLimit filters 16-bit samples: scale into range (unit-RMS noise peaks stay well under 32767 / 2048).
  const scale = samples instanceof Float32Array ? 2048 : 1;
  const pcm = samples instanceof Float32Array ? Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, v * scale))) : samples;
  return rms(bandLimit(pcm, sampleRate, PHONE_BAND)) / scale;
}

/** Noise of the given kind for `length` samples at `sampleRate`, RMS 1; undefined for 'none'. */
export async function makeNoise(kind: NoiseKind, length: number, sampleRate: number, options: BabbleOptions = {}): Promise<Float32Array | undefined> {
  switch (kind) {
    case 'none':
      return undefined;
    case 'pink':
      return pinkNoise(length, options.seed);
    case 'babble':
      return babbleNoise(length, sampleRate, options);
  }
}

export interface CallerNoise {
  noise: NoiseKind;
  snrDb: number;
  seed?: number;
  /** Noise alone before the speech (a line is noisy before the caller talks); the SNR is the speech's. Default 0. */
  leadInMs?: number;
  /** Noise alone after the speech, e.g. for a VAD to hear its end. Default 0. */
  tailMs?: number;
}

/** What a caller saying `text` in a noisy place sounds like at the far end of a phone line: 8 kHz PCM. */
export async function noisyCaller(text: string, voice: FliteVoice, { noise, snrDb, seed = 1, leadInMs = 0, tailMs = 0 }: CallerNoise): Promise<Int16Array> {
  const { samples, sampleRate } = await spokenOnce(text, voice);
  const lead = Math.round((leadInMs * sampleRate) / 1000);
  const padded = concat(new Int16Array(lead), samples, new Int16Array(Math.round((tailMs * sampleRate) / 1000)));
  const background = await makeNoise(noise, padded.length, sampleRate, { exclude: [voice], seed });
  if (!background) return phoneChannel(padded, sampleRate);
  const gain = noiseGain(samples, background.subarray(lead, lead + samples.length), snrDb, sampleRate);
  return phoneChannel(addNoise(padded, background, gain), sampleRate);
}

const spoken = new Map<string, Promise<PcmAudio>>();

/** Each sentence is synthesised once per voice and process: benchmarks mix many noises into the same speech. */
function spokenOnce(text: string, voice: FliteVoice): Promise<PcmAudio> {
  const key = `${voice}/${text}`;
  let speech = spoken.get(key);
  if (!speech) {
    speech = fliteSpeech(text, voice);
    spoken.set(key, speech);
  }
  return speech;
}

function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function normalise(samples: Float32Array): Float32Array {
  const scale = 1 / (rms(samples) || 1);
  for (let i = 0; i < samples.length; i++) samples[i]! *= scale;
  return samples;
}
