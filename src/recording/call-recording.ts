// A two-channel recording of one call: the caller on the left, the agent on the right, 8 kHz 16-bit
// PCM, both on the caller-side timeline (Twilio's media timestamps: ms since the stream started).
//
// Audio streams to disk as it becomes final, so memory stays at a few seconds per call whatever the
// call's length. The caller's audio is the clock (Twilio sends it continuously, silence included):
// everything more than settleMs behind the caller's latest audio is final. The agent's audio arrives
// only while it speaks; its gaps are silence. Memory is bounded by maxPendingMs: audio stamped further
// than that ahead of what is written forces the file forward (with silence where nothing was heard),
// so an agent talking while the caller's audio has stopped, or a jump in timestamps, cannot pile up.
//
// Within a channel audio is never overwritten or reordered: a frame stamped before the end of what
// the channel already holds (jitter, or a late frame) is appended at that end instead.
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { mulawDecode } from '../audio/mulaw.js';
import { wavHeader } from '../audio/wav.js';

const SAMPLE_RATE = 8000;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
const CHANNELS = 2;
const BYTES_PER_FRAME = CHANNELS * 2;
const HEADER_BYTES = 44;
/** Disk writes of at least half a second: a few writes per second per call, not fifty. */
const MIN_WRITE_SAMPLES = SAMPLE_RATE / 2;
/** A long silent gap is written in pieces rather than as one huge buffer. */
const MAX_WRITE_SAMPLES = SAMPLE_RATE * 10;
const MAX_WAV_DATA_BYTES = 0xffffffff - 36;

export interface CallRecordingOptions {
  /** Default 1000 ms. */
  settleMs?: number;
  /** Default 30 000 ms. */
  maxPendingMs?: number;
}

export interface RecordingResult {
  path: string;
  durationMs: number;
  bytes: number;
}

/** One channel's audio not yet written, starting at the file's write position. */
class PendingTrack {
  #samples = new Int16Array(SAMPLE_RATE * 2);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Puts samples at `offset` from the write position, or at the track's end if that is later. */
  place(offset: number, samples: Int16Array): void {
    const at = Math.max(offset, this.#length);
    const end = at + samples.length;
    if (end > this.#samples.length) {
      const grown = new Int16Array(Math.max(end, this.#samples.length * 2));
      grown.set(this.#samples.subarray(0, this.#length));
      this.#samples = grown;
    }
    this.#samples.set(samples, at);
    this.#length = end;
  }

  sample(index: number): number {
    return index < this.#length ? this.#samples[index]! : 0;
  }

  /** Forgets the first `count` samples, which have been written. */
  consume(count: number): void {
    const kept = Math.max(0, this.#length - count);
    this.#samples.copyWithin(0, count, this.#length);
    // Zero what was moved out, so that a later gap placed there reads as silence.
    this.#samples.fill(0, kept, this.#length);
    this.#length = kept;
  }
}

export class CallRecording {
  readonly path: string;
  readonly #settle: number;
  readonly #maxPending: number;
  readonly #file: WriteStream;
  readonly #caller = new PendingTrack();
  readonly #agent = new PendingTrack();
  /** Samples per channel written so far: the absolute position of both tracks' first sample. */
  #written = 0;
  #error: Error | undefined;
  #closed: Promise<RecordingResult> | undefined;

  constructor(path: string, options: CallRecordingOptions = {}) {
    this.path = path;
    this.#settle = Math.round((options.settleMs ?? 1000) * SAMPLES_PER_MS);
    this.#maxPending = Math.round((options.maxPendingMs ?? 30_000) * SAMPLES_PER_MS);
    this.#file = createWriteStream(path);
    // A failing disk must not take the call down: the error is kept and reported by close().
    this.#file.on('error', (err) => (this.#error ??= err));
    // Sizes unknown until close; a reader of an unfinished file reads to its end.
    this.#file.write(wavHeader(SAMPLE_RATE, CHANNELS));
  }

  /** Caller audio: one Twilio media payload (mu-law) and its timestamp. */
  addCallerAudio(timestampMs: number, mulaw: Uint8Array): void {
    this.#add(this.#caller, timestampMs, mulaw);
  }

  /** Agent audio (mu-law) as it is played to the caller, stamped on the caller's timeline. */
  addAgentAudio(timestampMs: number, mulaw: Uint8Array): void {
    this.#add(this.#agent, timestampMs, mulaw);
  }

  /** Writes everything, fixes the header's sizes and closes the file. Idempotent. */
  close(): Promise<RecordingResult> {
    this.#closed ??= this.#finish();
    return this.#closed;
  }

  async #finish(): Promise<RecordingResult> {
    this.#writeUpTo(this.#written + Math.max(this.#caller.length, this.#agent.length));
    if (!this.#file.destroyed) {
      this.#file.end();
      // once() rejects on 'error', which #error has already kept.
      await once(this.#file, 'finish').catch(() => undefined);
    }
    if (this.#error) throw this.#error;
    const dataBytes = this.#written * BYTES_PER_FRAME;
    // Beyond 4 GiB (about 37 hours) the sizes cannot be expressed; the streaming header stays valid.
    if (dataBytes <= MAX_WAV_DATA_BYTES) {
      const handle = await open(this.path, 'r+');
      try {
        await handle.write(wavHeader(SAMPLE_RATE, CHANNELS, dataBytes), 0, HEADER_BYTES, 0);
      } finally {
        await handle.close();
      }
    }
    return { path: this.path, durationMs: this.#written / SAMPLES_PER_MS, bytes: HEADER_BYTES + dataBytes };
  }

  #add(track: PendingTrack, timestampMs: number, mulaw: Uint8Array): void {
    if (this.#closed) return;
    const samples = mulawDecode(mulaw);
    const end = this.#written + Math.max(this.#offset(timestampMs), track.length) + samples.length;
    this.#writeUpTo(end - this.#maxPending);
    track.place(this.#offset(timestampMs), samples);
    this.#writeFinal();
  }

  /** A timeline position relative to the write position; audio already written counts as late. */
  #offset(timestampMs: number): number {
    return Math.max(0, Math.round(timestampMs * SAMPLES_PER_MS) - this.#written);
  }

  #writeFinal(): void {
    const callerFinal = this.#written + this.#caller.length - this.#settle;
    if (callerFinal - this.#written >= MIN_WRITE_SAMPLES) this.#writeUpTo(callerFinal);
  }

  #writeUpTo(position: number): void {
    while (this.#written < position) {
      const count = Math.min(position - this.#written, MAX_WRITE_SAMPLES);
      const chunk = Buffer.alloc(count * BYTES_PER_FRAME);
      for (let i = 0; i < count; i++) {
        chunk.writeInt16LE(this.#caller.sample(i), i * BYTES_PER_FRAME);
        chunk.writeInt16LE(this.#agent.sample(i), i * BYTES_PER_FRAME + 2);
      }
      this.#caller.consume(count);
      this.#agent.consume(count);
      this.#written += count;
      if (!this.#error) this.#file.write(chunk);
    }
  }
}
