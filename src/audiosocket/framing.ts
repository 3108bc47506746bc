// AudioSocket's wire format (Asterisk res_audiosocket): every message is a 1-byte kind, a 2-byte
// big-endian payload length and the payload. Asterisk sends the call's UUID first, then caller audio
// and keypad digits; it accepts only audio and hangup back. A TCP stream has no message boundaries,
// so the reader reassembles messages from whatever chunks arrive, and judges each header before
// waiting for its payload: a bad length never makes it buffer more than one message.

export const KIND_HANGUP = 0x00;
export const KIND_UUID = 0x01;
export const KIND_DTMF = 0x03;
/** Signed linear 16-bit little-endian, 8 kHz mono: what the AudioSocket() application always uses. */
export const KIND_AUDIO_SLIN = 0x10;
/** slin at 12, 16, 24, 32, 44.1, 48, 96 and 192 kHz (Asterisk 2025 and later; 0x12 is 16 kHz). */
export const KIND_AUDIO_WIDEBAND_FIRST = 0x11;
export const KIND_AUDIO_WIDEBAND_LAST = 0x18;
export const KIND_ERROR = 0xff;

export const HEADER_BYTES = 3;
export const UUID_BYTES = 16;

/** The hangup message: kind 0x00, no payload. */
export const HANGUP_MESSAGE: Buffer = Buffer.from([KIND_HANGUP, 0, 0]);

export function encodeMessage(kind: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out[0] = kind;
  out.writeUInt16BE(payload.length, 1);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** The UUID's 16 bytes in its canonical string form (lowercase 8-4-4-4-12), as Asterisk's UUID() prints it. */
export function uuidString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A UUID string's 16 bytes, or undefined when it is not one. */
export function uuidBytes(uuid: string): Buffer | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** Judges a header before its payload is read: a reason to give up on the connection, or undefined. */
export type HeaderCheck = (kind: number, length: number) => string | undefined;

export class MessageReader {
  readonly #check: HeaderCheck;
  /** Bytes of a message not yet complete (at most one header plus one payload the check allowed). */
  #pending: Buffer | undefined;
  #stopped = false;

  constructor(check: HeaderCheck) {
    this.#check = check;
  }

  /**
   * Feeds a chunk of the stream; `onMessage` sees each complete message in order. Returns why the
   * stream cannot be read any further (after which everything is ignored), or undefined.
   */
  push(chunk: Buffer, onMessage: (kind: number, payload: Buffer) => void): string | undefined {
    if (this.#stopped) return undefined;
    const data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    let offset = 0;
    while (!this.#stopped && data.length - offset >= HEADER_BYTES) {
      const kind = data[offset]!;
      const length = data.readUInt16BE(offset + 1);
      const problem = this.#check(kind, length);
      if (problem) {
        this.stop();
        return problem;
      }
      const end = offset + HEADER_BYTES + length;
      if (end > data.length) break;
      onMessage(kind, data.subarray(offset + HEADER_BYTES, end));
      offset = end;
    }
    // The rest is copied: a slice would pin the whole chunk it came from until the message completes.
    if (!this.#stopped && offset < data.length) this.#pending = Buffer.from(data.subarray(offset));
    return undefined;
  }

  /** Ignores everything from now on (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#pending = undefined;
  }

  /** Bytes of an incomplete message waiting for the rest: a stream that ends with some was cut mid-message. */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }
}
