// Vonage's media is 16-bit linear PCM, little-endian, mono, at the rate the NCCO chose, in 20 ms
// messages; the call core's is mu-law 8 kHz. One converter per direction per call, each with its own
// streaming resampler, so how the audio is chunked never changes what comes out.
import { mulawDecode, mulawEncode } from '../audio/mulaw.js';
import { StreamingResampler } from '../audio/resample.js';

export const CORE_RATE = 8000;
export const VONAGE_FRAME_MS = 20;

export type VonageRate = 8000 | 16000 | 24000;
export const VONAGE_RATES: readonly VonageRate[] = [8000, 16000, 24000];

/** Bytes of one 20 ms Vonage message at `rate`: 320 at 8 kHz, 640 at 16 kHz, 960 at 24 kHz. */
export function vonageFrameBytes(rate: VonageRate): number {
  return (rate / 1000) * VONAGE_FRAME_MS * 2;
}

/** `audio/l16;rate=16000` → 16000, or undefined for anything else. */
export function rateOfContentType(contentType: string): VonageRate | undefined {
  const match = /^audio\/l16;\s*rate=(\d+)$/i.exec(contentType.trim());
  const rate = Number(match?.[1]);
  return VONAGE_RATES.find((r) => r === rate);
}

function readL16(bytes: Buffer): Int16Array {
  const samples = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i << 1);
  return samples;
}

/** Caller audio: Vonage's L16 messages to mu-law 8 kHz frames. */
export class CallerAudioDecoder {
  readonly #resampler: StreamingResampler;

  constructor(rate: VonageRate) {
    this.#resampler = new StreamingResampler(rate, CORE_RATE);
  }

  /** One message of an even number of bytes; 20 ms of L16 becomes 160 bytes of mu-law. */
  decode(l16: Buffer): Buffer {
    const mulaw = mulawEncode(this.#resampler.process(readL16(l16)));
    return Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.length);
  }
}

/**
 * Agent audio: mu-law 8 kHz chunks of any size to L16 messages of exactly 20 ms (Vonage plays
 * nothing else). The part of a message not yet full waits for the next chunk, or for flush(), which
 * pads it with silence at the end of a reply.
 */
export class AgentAudioEncoder {
  readonly #rate: VonageRate;
  readonly #frameBytes: number;
  #resampler: StreamingResampler;
  #frame: Buffer;
  #filled = 0;

  constructor(rate: VonageRate) {
    this.#rate = rate;
    this.#frameBytes = vonageFrameBytes(rate);
    this.#resampler = new StreamingResampler(CORE_RATE, rate);
    this.#frame = Buffer.allocUnsafe(this.#frameBytes);
  }

  /** Bytes of a message begun but not yet full. */
  get partialBytes(): number {
    return this.#filled;
  }

  /** The complete messages this chunk finishes, in order. */
  push(mulaw: Buffer): Buffer[] {
    const samples = this.#resampler.process(mulawDecode(mulaw));
    const frames: Buffer[] = [];
    for (let i = 0; i < samples.length; i++) {
      this.#frame.writeInt16LE(samples[i]!, this.#filled);
      this.#filled += 2;
      if (this.#filled === this.#frameBytes) {
        frames.push(this.#frame);
        this.#frame = Buffer.allocUnsafe(this.#frameBytes);
        this.#filled = 0;
      }
    }
    return frames;
  }

  /** The message begun, completed with silence; undefined when none was begun. */
  flush(): Buffer | undefined {
    if (this.#filled === 0) return undefined;
    const frame = this.#frame.fill(0, this.#filled);
    this.#frame = Buffer.allocUnsafe(this.#frameBytes);
    this.#filled = 0;
    return frame;
  }

  /** Forgets everything held (barge-in): the next reply starts on a fresh message and a fresh resampler. */
  reset(): void {
    this.#filled = 0;
    this.#resampler = new StreamingResampler(CORE_RATE, this.#rate);
  }
}
