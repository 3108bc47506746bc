// The agent's voice on the wire: encoded audio cut into small frames and sent a bounded distance ahead
// of real time. The lead absorbs network and event-loop jitter for the client's player; the bound is
// what makes barge-in stop the audio at once, keeps "what was said" truthful when a reply is cut
// short, and keeps a slow client from piling audio into the socket.
import { sleep, type Clock } from '../domain/clock.js';

export interface AgentAudioOutOptions {
  /** Audio per binary frame. */
  frameMs: number;
  /** How far ahead of real-time playback sending may run. */
  leadMs: number;
  /** Sending pauses while the socket holds more than this many unsent bytes. */
  maxBufferedBytes: number;
}

export const DEFAULT_AUDIO_OUT: AgentAudioOutOptions = { frameMs: 20, leadMs: 1000, maxBufferedBytes: 256 * 1024 };

/** Frames are sent in bursts of this much audio, so a paced reply costs a few timers a second, not fifty. */
const BURST_MS = 100;
const BACKPRESSURE_POLL_MS = 20;

export interface AudioSink {
  sendBinary(bytes: Uint8Array): void;
  bufferedAmount(): number;
}

export class AgentAudioOut {
  readonly #frameBytes: number;
  #pending: Uint8Array = new Uint8Array(0);
  /** When the audio sent so far would finish playing, on the clock's scale. */
  #playEnd = 0;

  constructor(
    private readonly sink: AudioSink,
    /** Encoded bytes per millisecond of audio in the negotiated output format. */
    private readonly bytesPerMs: number,
    private readonly clock: Clock,
    private readonly options: AgentAudioOutOptions = DEFAULT_AUDIO_OUT,
  ) {
    this.#frameBytes = Math.max(1, Math.round(bytesPerMs * options.frameMs));
  }

  /** Queues encoded audio and sends every whole frame, waiting for the pace and the socket as needed. */
  async write(encoded: Uint8Array, signal: AbortSignal): Promise<void> {
    this.#pending = this.#pending.length ? concat(this.#pending, encoded) : encoded;
    let offset = 0;
    while (this.#pending.length - offset >= this.#frameBytes) {
      await this.#sendFrame(this.#pending.subarray(offset, offset + this.#frameBytes), signal);
      offset += this.#frameBytes;
    }
    this.#pending = this.#pending.slice(offset);
  }

  /** Sends the partial frame left at the end of a stretch of speech. */
  async flush(signal: AbortSignal): Promise<void> {
    if (this.#pending.length === 0) return;
    const last = this.#pending;
    this.#pending = new Uint8Array(0);
    await this.#sendFrame(last, signal);
  }

  /** Forgets audio not yet sent (barge-in). */
  discard(): void {
    this.#pending = new Uint8Array(0);
  }

  async #sendFrame(frame: Uint8Array, signal: AbortSignal): Promise<void> {
    const now = this.clock.now();
    if (this.#playEnd < now) this.#playEnd = now;
    const ahead = this.#playEnd - now;
    if (ahead > this.options.leadMs) await sleep(this.clock, ahead - this.options.leadMs + BURST_MS, signal);
    while (this.sink.bufferedAmount() > this.options.maxBufferedBytes) await sleep(this.clock, BACKPRESSURE_POLL_MS, signal);
    if (signal.aborted) throw signal.reason;
    // A copy: the frame is a view into a buffer that the next write replaces.
    this.sink.sendBinary(frame.slice());
    this.#playEnd += frame.length / this.bytesPerMs;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
