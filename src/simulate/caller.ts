// A simulated caller on any carrier's protocol: what `phone-agent call --carrier`, the tests and the
// benchmarks drive. Each carrier's caller speaks its own wire protocol and models its playout buffer
// (PlayoutBuffer); all of them look the same from here: mu-law 8 kHz frames in, agent audio out.
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { MULAW_SILENCE } from '../audio/mulaw.js';

export const FRAME_BYTES = 160; // 20 ms of 8 kHz mu-law
export const FRAME_MS = 20;

export interface SimulatedCallEvents {
  /** Agent audio as it is played to the caller. */
  played: [audio: Buffer];
  /** Agent audio arrived (before playout), as mu-law. */
  media: [audio: Buffer, receivedAt: number];
  clear: [receivedAt: number];
  /** A playback acknowledgement the carrier reported back to the server. */
  mark: [name: string];
  closed: [code: number, reason: string];
}

export interface CallerStats {
  mediaReceived: number;
  bytesReceived: number;
  bytesPlayed: number;
  clears: number;
  marksEchoed: number;
  marksSent: number;
}

export interface SimulatedCaller extends EventEmitter<SimulatedCallEvents> {
  readonly callSid: string;
  readonly streamSid: string;
  readonly open: boolean;
  /** Agent audio received but not yet played. */
  readonly bufferedMs: number;
  readonly stats: CallerStats;
  /** One 20 ms frame of mu-law caller audio, sent at once. */
  sendFrame(mulaw: Buffer): void;
  /** Mu-law audio as 20 ms frames on a real-time clock; resolves when the last frame is sent. */
  streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void>;
  streamSilence(ms: number, signal?: AbortSignal): Promise<void>;
  sendDtmf(digit: string): void;
  /** The carrier's end of the stream, as when the caller hangs up. */
  stop(): void;
  /** Resolves when the server closes the stream (or it was closed already). */
  closed(): Promise<void>;
  hangUp(): void;
}

/**
 * Sends mu-law audio as 20 ms frames on a real-time clock (absolute deadlines, so timer jitter does
 * not accumulate). Stops early if the signal aborts or `open()` turns false.
 */
export async function streamFrames(mulaw: Buffer, sendFrame: (frame: Buffer) => void, open: () => boolean, signal?: AbortSignal): Promise<void> {
  const start = performance.now();
  for (let offset = 0, i = 0; offset < mulaw.length; offset += FRAME_BYTES, i++) {
    if (signal?.aborted || !open()) return;
    const wait = start + i * FRAME_MS - performance.now();
    if (wait > 1) await sleep(wait);
    let frame = mulaw.subarray(offset, offset + FRAME_BYTES);
    if (frame.length < FRAME_BYTES) frame = Buffer.concat([frame, Buffer.alloc(FRAME_BYTES - frame.length, MULAW_SILENCE)]);
    sendFrame(frame);
  }
}

/** Silence at real-time pace, like a caller who says nothing. */
export function silence(ms: number): Buffer {
  return Buffer.alloc(Math.round(ms * 8), MULAW_SILENCE);
}

let counter = 0;
/** A unique id in the carriers' 34-character style: `CA…`, `MZ…`. */
export function simulatedId(prefix: string): string {
  counter++;
  return `${prefix}${Date.now().toString(16)}${process.pid.toString(16)}${counter.toString(16).padStart(8, '0')}`.slice(0, 34).padEnd(34, '0');
}
