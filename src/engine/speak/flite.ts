// Text-to-speech with Debian's `flite` binary. The kal voices (8 kHz kal, 16 kHz kal16) synthesise a
// sentence in tens of ms, so a process per sentence is cheap enough and keeps crashes out of the server;
// the processes are started by a small helper (flite-process.ts), never by the server's event loop.
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_SAMPLE_RATE, type TextToSpeech } from '../types.js';
import { readWav, type PcmAudio } from '../../audio/wav.js';
import { resampleLinear } from '../../audio/resample.js';
import { bandLimit } from './filters.js';
import { fliteProcess } from './flite-process.js';

export const FLITE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

/**
 * The agent's voice unless its Settings name another: kal16, the kal speaker synthesised at 16 kHz and
 * low-passed to the line's 8 kHz. As fast as the native 8 kHz kal and clearly easier to make out through a
 * G.711 line (BENCHMARKS.md, "The agent's voice"); kal stays selectable by name.
 */
export const DEFAULT_AGENT_VOICE: FliteVoice = 'kal16';

export class FliteUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the flite text-to-speech program is missing: install the Debian package flite (apt-get install flite)', { cause });
  }
}

/** Speech at the voice's own sample rate (8 kHz for kal, 16 kHz for the others). */
export async function fliteSpeech(text: string, voice: FliteVoice = 'kal', signal?: AbortSignal): Promise<PcmAudio> {
  signal?.throwIfAborted();
  // flite seeks in its output file, so it cannot write to a pipe (Node's stdio is a socket anyway).
  const file = join(tmpdir(), `phone-agent-flite-${randomUUID()}.wav`);
  try {
    await runFlite(['-voice', voice, '-t', text, '-o', file], signal);
    return readWav(await readFile(file));
  } finally {
    await rm(file, { force: true });
  }
}

async function runFlite(args: string[], signal: AbortSignal | undefined): Promise<void> {
  const { code, stderr, missing } = await fliteProcess.run(args, signal);
  if (missing) throw new FliteUnavailableError(new Error(stderr));
  if (signal?.aborted) throw signal.reason;
  if (code !== 0 || stderr.includes("can't")) throw new Error(`flite failed (exit ${code}): ${stderr.trim()}`);
}

/** Speech as 8 kHz PCM; 16 kHz voices are low-passed below the new Nyquist before decimation. */
export async function synthesizeSpeech(text: string, voice: FliteVoice = 'kal', signal?: AbortSignal): Promise<Int16Array> {
  const { samples, sampleRate } = await fliteSpeech(text, voice, signal);
  if (sampleRate === ENGINE_SAMPLE_RATE) return samples;
  const filtered = bandLimit(samples, sampleRate, { highHz: ENGINE_SAMPLE_RATE * 0.45 });
  return resampleLinear(filtered, sampleRate, ENGINE_SAMPLE_RATE);
}

export interface FliteTtsOptions {
  voice: FliteVoice;
  /** Size of each yielded chunk: small, so that playback and barge-in stay fine-grained. */
  chunkMs: number;
}

export const DEFAULT_FLITE_TTS_OPTIONS: FliteTtsOptions = { voice: DEFAULT_AGENT_VOICE, chunkMs: 20 };

export class FliteTextToSpeech implements TextToSpeech {
  private readonly options: FliteTtsOptions;

  constructor(options: Partial<FliteTtsOptions> = {}) {
    this.options = { ...DEFAULT_FLITE_TTS_OPTIONS, ...options };
  }

  /** Ends quietly (no error) when aborted, before or during synthesis. */
  async *synthesize(text: string, signal: AbortSignal): AsyncIterable<Int16Array> {
    if (signal.aborted || text.trim() === '') return;
    let audio: Int16Array;
    try {
      audio = await synthesizeSpeech(text, this.options.voice, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const chunk = Math.max(1, Math.round((ENGINE_SAMPLE_RATE * this.options.chunkMs) / 1000));
    for (let i = 0; i < audio.length; i += chunk) {
      if (signal.aborted) return;
      // A copy, not a view: consumers may transfer or keep chunks while the next ones are produced.
      yield audio.slice(i, i + chunk);
    }
  }
}
