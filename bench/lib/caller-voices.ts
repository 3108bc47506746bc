// Synthetic callers from every offline synthesizer that installs from Debian: flite (the voices the
// engine's tests use), festival (diphone and HTS voices) and espeak-ng. Each clip is heard through the
// same G.711 telephone channel as `phone-agent call --say`. Synthesis is cached on disk by voice and
// text, so re-running a benchmark only pays for decoding.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, writeWav } from '../../src/audio/wav.js';
import { fliteSpeech, type FliteVoice } from '../../src/engine/speak/flite.js';
import { phoneChannel } from '../../src/engine/speak/phone-channel.js';
import { makeNoise, mixAtSnr, type CallerNoise } from './noise.js';
import { log } from './results.js';

export type Synthesizer = 'flite' | 'festival' | 'espeak-ng';

export interface CallerVoice {
  name: string;
  synthesizer: Synthesizer;
  /** The synthesizer's own name for the voice. */
  id: string;
  /** Debian packages that provide it. */
  packages: string[];
  /** Never used by the engine's tests or tuning: the held-out voices of issue 18. */
  heldOut: boolean;
}

const FESTIVAL_VOICE_DIRS = ['/usr/share/festival/voices/english', '/usr/share/festival/voices/us'];

export const CALLER_VOICES: readonly CallerVoice[] = [
  // The engine's own voice (8 kHz): here for the intelligibility of candidate agent voices (bench/agent-voice.ts).
  { name: 'flite-kal', synthesizer: 'flite', id: 'kal', packages: ['flite'], heldOut: false },
  { name: 'flite-rms', synthesizer: 'flite', id: 'rms', packages: ['flite'], heldOut: false },
  { name: 'flite-awb', synthesizer: 'flite', id: 'awb', packages: ['flite'], heldOut: false },
  { name: 'flite-kal16', synthesizer: 'flite', id: 'kal16', packages: ['flite'], heldOut: false },
  { name: 'flite-slt', synthesizer: 'flite', id: 'slt', packages: ['flite'], heldOut: false },
  { name: 'festival-kal', synthesizer: 'festival', id: 'kal_diphone', packages: ['festival', 'festvox-kallpc16k'], heldOut: true },
  { name: 'festival-ked', synthesizer: 'festival', id: 'ked_diphone', packages: ['festival', 'festvox-kdlpc16k'], heldOut: true },
  { name: 'festival-slt-hts', synthesizer: 'festival', id: 'cmu_us_slt_arctic_hts', packages: ['festival', 'festvox-us-slt-hts'], heldOut: true },
  { name: 'espeak-us', synthesizer: 'espeak-ng', id: 'en-us', packages: ['espeak-ng'], heldOut: true },
];

/** The Debian packages every caller voice needs: what `scripts/bootstrap.mjs --bench` installs. */
export const CALLER_VOICE_PACKAGES = [...new Set(CALLER_VOICES.flatMap((v) => v.packages))];

/** Voices by name; an unknown name is an error that lists the known ones. */
export function callerVoices(names: string): CallerVoice[] {
  return names.split(',').map((name) => {
    const voice = CALLER_VOICES.find((v) => v.name === name.trim());
    if (!voice) throw new Error(`unknown voice "${name}" (known: ${CALLER_VOICES.map((v) => v.name).join(', ')})`);
    return voice;
  });
}

/** Why the voice cannot speak on this machine (what to install), or undefined when it can. */
export async function missingReason(voice: CallerVoice): Promise<string | undefined> {
  const install = `apt-get install ${voice.packages.join(' ')}`;
  switch (voice.synthesizer) {
    case 'flite': {
      const listed = await output('flite', ['-lv']).catch(() => undefined);
      return listed?.split(/\s+/).includes(voice.id) ? undefined : `flite or its voice ${voice.id} is missing (${install})`;
    }
    case 'festival': {
      const installed = existsSync('/usr/bin/festival') && FESTIVAL_VOICE_DIRS.some((dir) => existsSync(join(dir, voice.id)));
      return installed ? undefined : `festival or its voice ${voice.id} is missing (${install})`;
    }
    case 'espeak-ng':
      return (await output('espeak-ng', ['--version']).catch(() => undefined)) ? undefined : `espeak-ng is missing (${install})`;
  }
}

/** The wanted voices that can speak here, and why the others cannot (each logged): none at all is an error. */
export async function speakingVoices(wanted: readonly CallerVoice[]): Promise<{ voices: CallerVoice[]; missing: Array<{ voice: string; reason: string }> }> {
  const voices: CallerVoice[] = [];
  const missing: Array<{ voice: string; reason: string }> = [];
  for (const voice of wanted) {
    const reason = await missingReason(voice);
    if (reason) missing.push({ voice: voice.name, reason });
    else voices.push(voice);
  }
  for (const { voice, reason } of missing) log(`MISSING voice ${voice}: ${reason}`);
  if (voices.length === 0) throw new Error('no voice can speak here: run `node scripts/bootstrap.mjs --bench`');
  return { voices, missing };
}

/**
 * Each text spoken by the voice and heard through a telephone line: 8 kHz PCM, in the order given. With
 * `noise`, the background is mixed in where the caller is (before the line), text i with seed i + 1.
 */
export async function spokenByCaller(voice: CallerVoice, texts: readonly string[], noise?: Omit<CallerNoise, 'seed'>): Promise<Int16Array[]> {
  const dir = join(tmpdir(), 'phone-agent-caller-voices', voice.name);
  await mkdir(dir, { recursive: true });
  const files = texts.map((text) => join(dir, `${createHash('sha1').update(text).digest('hex')}.wav`));
  const missing = texts.flatMap((text, i) => (existsSync(files[i]!) ? [] : [{ text, file: files[i]! }]));
  if (missing.length > 0) await synthesize(voice, missing);
  return Promise.all(files.map(async (file, i) => {
    const { samples: raw, sampleRate } = readWav(await readFile(file));
    const samples = withEdgeSilence(raw, sampleRate);
    if (!noise || noise.noise === 'none') return phoneChannel(samples, sampleRate);
    // Babble is made of flite voices: never of the caller's own.
    const exclude = voice.synthesizer === 'flite' ? [voice.id as FliteVoice] : [];
    const background = (await makeNoise(noise.noise, samples.length, sampleRate, { exclude, seed: i + 1 }))!;
    return phoneChannel(mixAtSnr(samples, background, noise.snrDb, sampleRate), sampleRate);
  }));
}

/** Silence kept before and after the speech: synthesizers pad differently (festival's diphones ~0.5 s at the end). */
const EDGE_SILENCE_MS = 150;
const AUDIBLE = 300;

/**
 * The same padding for every voice, so that a turn's latency (from the end of the caller's audio) does
 * not differ by how much silence a synthesizer leaves at the end of its clip.
 */
function withEdgeSilence(samples: Int16Array, sampleRate: number): Int16Array {
  let first = samples.findIndex((v) => Math.abs(v) > AUDIBLE);
  if (first < 0) return samples;
  let last = samples.length - 1;
  while (Math.abs(samples[last]!) <= AUDIBLE) last--;
  const pad = Math.round((EDGE_SILENCE_MS * sampleRate) / 1000);
  first = Math.max(0, first - pad);
  const out = new Int16Array(last + 1 - first + pad);
  out.set(samples.subarray(first, Math.min(samples.length, last + 1 + pad)));
  return out;
}

async function synthesize(voice: CallerVoice, clips: Array<{ text: string; file: string }>): Promise<void> {
  switch (voice.synthesizer) {
    case 'flite':
      for (const { text, file } of clips) await writeFile(file, await fliteWav(text, voice.id as FliteVoice));
      return;
    case 'festival':
      return festivalBatch(voice.id, clips);
    case 'espeak-ng':
      for (const { text, file } of clips) await output('espeak-ng', ['-v', voice.id, '-w', file, text]);
      return;
  }
}

async function fliteWav(text: string, voice: FliteVoice): Promise<Buffer> {
  const { samples, sampleRate } = await fliteSpeech(text, voice);
  return writeWav(sampleRate, samples);
}

/** One festival process for all clips: starting festival (and loading an HTS voice) costs far more than a sentence. */
async function festivalBatch(voiceId: string, clips: Array<{ text: string; file: string }>): Promise<void> {
  const script = join(tmpdir(), `phone-agent-festival-${randomUUID()}.scm`);
  await writeFile(script, festivalScript(voiceId, clips));
  try {
    await output('festival', ['-b', script]);
  } finally {
    await rm(script, { force: true });
  }
  const failed = clips.filter(({ file }) => !existsSync(file));
  if (failed.length > 0) throw new Error(`festival ${voiceId} produced no audio for ${failed.length} sentence(s), first: "${failed[0]!.text}"`);
}

/** A festival batch script that speaks each text with the voice into its WAV file, in order. */
export function festivalScript(voiceId: string, clips: Array<{ text: string; file: string }>): string {
  const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const saves = clips.map(({ text, file }) => `(utt.save.wave (utt.synth (Utterance Text ${quote(text)})) ${quote(file)} 'riff)`);
  return `${[`(voice_${voiceId})`, ...saves].join('\n')}\n`;
}

function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out || err || ' ') : reject(new Error(`${command} exited ${code}: ${err.trim()}`))));
  });
}
