// Every benchmark frame carries its own identity and send time in its audio bytes, so the receiving
// side (in another thread of the bench process) can match it exactly, detect loss, and time it. The
// bridge passes mu-law bytes through untouched, which is what makes this possible.

export const FRAME_BYTES = 160; // 20 ms of 8 kHz mu-law
export const FRAME_MS = 20;

const MAGIC = 0x5a_b7_e4_c1;

export const FrameFlag = {
  /** Sent inside the measurement window: its latency counts. */
  measured: 1,
  /** The first frame of a caller utterance (speech onset). */
  onset: 2,
} as const;

export interface FrameStamp {
  call: number;
  seq: number;
  flags: number;
  sentAtMs: number;
}

/**
 * Monotonic milliseconds shared by every thread of the process (CLOCK_MONOTONIC via hrtime):
 * performance.now() has a per-thread origin, so it cannot time a frame from one worker to another.
 */
export function monoMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

/** A frame's bytes: the stamp, then a fixed filler (mu-law values that sound like quiet noise). */
export function newFrame(): Buffer {
  const frame = Buffer.alloc(FRAME_BYTES);
  for (let i = 24; i < FRAME_BYTES; i++) frame[i] = 0xf0 + (i & 0x0f);
  return frame;
}

export function writeStamp(frame: Buffer, offset: number, stamp: FrameStamp): void {
  frame.writeUInt32LE(MAGIC, offset);
  frame.writeUInt32LE(stamp.call, offset + 4);
  frame.writeUInt32LE(stamp.seq, offset + 8);
  frame.writeUInt32LE(stamp.flags, offset + 12);
  frame.writeDoubleLE(stamp.sentAtMs, offset + 16);
}

/** The stamp of the frame at `offset`, or undefined when those bytes are not a bench frame. */
export function readStamp(bytes: Buffer, offset: number): FrameStamp | undefined {
  if (offset + 24 > bytes.length || bytes.readUInt32LE(offset) !== MAGIC) return undefined;
  return {
    call: bytes.readUInt32LE(offset + 4),
    seq: bytes.readUInt32LE(offset + 8),
    flags: bytes.readUInt32LE(offset + 12),
    sentAtMs: bytes.readDoubleLE(offset + 16),
  };
}
