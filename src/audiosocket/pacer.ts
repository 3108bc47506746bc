// AudioSocket plays whatever arrives at once: Asterisk writes each message straight to the channel,
// with no buffer to fill, no acknowledgement and nothing to clear. So the leg keeps the buffer itself
// and sends agent audio at real-time pace, one 20 ms frame per tick against an absolute schedule
// (a fixed sleep per frame would drift by the timer's lateness every frame). A checkpoint counts as
// played once the frame that carried the audio before it has had its 20 ms, and a clear drops
// everything not yet sent: the caller hears at most the frame already on the wire.
import type { Clock } from '../domain/clock.js';

const BYTES_PER_MS = 8; // mu-law, 8 kHz
export const PACED_FRAME_BYTES = 160; // 20 ms
/** A stall longer than this (a busy event loop) restarts the schedule instead of bursting to catch up. */
const MAX_LAG_MS = 60;

type Item = { audio: Buffer } | { checkpoint: string };

export interface PacerOutput {
  /** One frame of mu-law agent audio to send now. */
  frame(mulaw: Buffer): void;
  /** Everything before this checkpoint has been sent and has had its time to play. */
  played(checkpoint: string): void;
}

export class RealTimePacer {
  readonly #clock: Clock;
  readonly #output: PacerOutput;
  #queue: Item[] = [];
  /** Checkpoints whose audio went out in the last frame: heard when that frame's time is up. */
  #inLastFrame: string[] = [];
  #queuedBytes = 0;
  #timer: unknown;
  /** When the audio sent so far has finished playing, on the clock. */
  #playedUntil = 0;

  constructor(clock: Clock, output: PacerOutput) {
    this.#clock = clock;
    this.#output = output;
  }

  /** Agent audio waiting to be sent, in bytes of mu-law. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  audio(mulaw: Buffer): void {
    if (mulaw.length === 0) return;
    this.#queue.push({ audio: mulaw });
    this.#queuedBytes += mulaw.length;
    this.#wake();
  }

  checkpoint(name: string): void {
    this.#queue.push({ checkpoint: name });
    this.#wake();
  }

  /** Drops everything not yet sent; its checkpoints are never reported. */
  clear(): void {
    this.#queue = [];
    this.#inLastFrame = [];
    this.#queuedBytes = 0;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #wake(): void {
    if (this.#timer !== undefined) return;
    // After a pause the schedule starts again from now; a frame still playing is let finish first.
    this.#playedUntil = Math.max(this.#playedUntil, this.#clock.now());
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => this.#tick(), Math.max(0, this.#playedUntil - this.#clock.now()));
  }

  #tick(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    if (now - this.#playedUntil > MAX_LAG_MS) this.#playedUntil = now;
    // Reporting may end the call, which clears this pacer: each step re-reads the state.
    for (const name of this.#inLastFrame.splice(0)) this.#output.played(name);
    while (this.#queue[0] && 'checkpoint' in this.#queue[0]) this.#output.played((this.#queue.shift() as { checkpoint: string }).checkpoint);
    const frame = this.#takeFrame();
    if (frame) {
      this.#playedUntil += frame.length / BYTES_PER_MS;
      this.#output.frame(frame);
    }
    if (this.#timer === undefined && (this.#queue.length > 0 || this.#inLastFrame.length > 0)) this.#schedule();
  }

  /** Up to one frame of audio from the head of the queue; checkpoints it passes wait for the frame's end. */
  #takeFrame(): Buffer | undefined {
    const parts: Buffer[] = [];
    let bytes = 0;
    while (bytes < PACED_FRAME_BYTES && this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if ('checkpoint' in head) {
        this.#inLastFrame.push(head.checkpoint);
        this.#queue.shift();
        continue;
      }
      const take = Math.min(head.audio.length, PACED_FRAME_BYTES - bytes);
      parts.push(head.audio.subarray(0, take));
      bytes += take;
      if (take === head.audio.length) this.#queue.shift();
      else head.audio = head.audio.subarray(take);
    }
    // Checkpoints right after the frame's last byte belong to it too.
    while (this.#queue[0] && 'checkpoint' in this.#queue[0]) this.#inLastFrame.push((this.#queue.shift() as { checkpoint: string }).checkpoint);
    this.#queuedBytes -= bytes;
    if (bytes === 0) return undefined;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
  }
}
