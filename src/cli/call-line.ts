// The caller's side of a simulated call: a line that carries a 20 ms frame every 20 ms for the whole
// call, as Twilio does (silence between utterances, not gaps), and a listener that tells when the
// agent's reply has finished playing.
import { setTimeout as sleep } from 'node:timers/promises';
import { MULAW_SILENCE } from '../audio/mulaw.js';
import { FRAME_BYTES, FRAME_MS, type SimulatedCaller } from '../simulate/caller.js';

const SILENCE_FRAME = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);

/** Streams continuously on absolute deadlines, so timer jitter never accumulates into drift. */
export class CallerLine {
  readonly #call: SimulatedCaller;
  #pending: { audio: Buffer; offset: number; sent: (at: number) => void } | undefined;
  #running = true;
  readonly #loop: Promise<void>;

  constructor(call: SimulatedCaller) {
    this.#call = call;
    this.#loop = this.#run();
  }

  /** Sends `mulaw` as the next utterance; resolves with the time (performance.now()) its last frame went out. */
  say(mulaw: Buffer): Promise<number> {
    if (this.#pending) throw new Error('the caller is already speaking');
    return new Promise((sent) => (this.#pending = { audio: mulaw, offset: 0, sent }));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #run(): Promise<void> {
    const start = performance.now();
    for (let i = 0; this.#running && this.#call.open; i++) {
      const wait = start + i * FRAME_MS - performance.now();
      if (wait > 1) await sleep(wait);
      this.#call.sendFrame(this.#nextFrame());
    }
    // A hang-up while speaking still settles the utterance, so nobody waits on it forever.
    this.#pending?.sent(performance.now());
    this.#pending = undefined;
  }

  #nextFrame(): Buffer {
    const utterance = this.#pending;
    if (!utterance) return SILENCE_FRAME;
    let frame = utterance.audio.subarray(utterance.offset, utterance.offset + FRAME_BYTES);
    utterance.offset += FRAME_BYTES;
    if (frame.length < FRAME_BYTES) frame = Buffer.concat([frame, SILENCE_FRAME.subarray(frame.length)]);
    if (utterance.offset >= utterance.audio.length) {
      this.#pending = undefined;
      utterance.sent(performance.now());
    }
    return frame;
  }
}

export interface ReplyTiming {
  /** How long the agent may take to start replying before the caller goes on anyway. */
  startTimeoutMs: number;
  /** Played out and no new agent audio for this long: the reply is over. */
  quietMs: number;
  /** The longest a reply may run before the caller goes on anyway. */
  maxReplyMs: number;
}

export const DEFAULT_REPLY_TIMING: ReplyTiming = { startTimeoutMs: 12_000, quietMs: 1_000, maxReplyMs: 90_000 };

export interface Reply {
  /** When the first agent audio frame of the reply arrived; undefined when the agent said nothing. */
  firstAudioAt: number | undefined;
}

/**
 * Resolves once the agent's reply (audio arriving after `since`) has played out and the line has been
 * quiet for `quietMs`, or when the agent did not start within `startTimeoutMs`, or after `maxReplyMs`.
 */
export function replyFinished(call: SimulatedCaller, since: number, timing: ReplyTiming = DEFAULT_REPLY_TIMING): Promise<Reply> {
  return new Promise((resolve) => {
    let firstAudioAt: number | undefined;
    let lastActivityAt = since;
    const onMedia = (_audio: Buffer, receivedAt: number) => {
      if (receivedAt < since) return;
      firstAudioAt ??= receivedAt;
      lastActivityAt = receivedAt;
    };
    const onPlayed = () => (lastActivityAt = performance.now());
    const finish = () => {
      clearInterval(poll);
      call.off('media', onMedia).off('played', onPlayed).off('closed', finish);
      resolve({ firstAudioAt });
    };
    const poll = setInterval(() => {
      const now = performance.now();
      if (firstAudioAt === undefined) {
        if (now - since >= timing.startTimeoutMs) finish();
      } else if ((call.bufferedMs === 0 && now - lastActivityAt >= timing.quietMs) || now - firstAudioAt >= timing.maxReplyMs) {
        finish();
      }
    }, FRAME_MS * 5);
    call.on('media', onMedia).on('played', onPlayed).once('closed', finish);
    if (!call.open) finish();
  });
}
