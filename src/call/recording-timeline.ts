// Places both sides of a call on the caller's timeline for its recording. The caller's audio carries
// the carrier's media timestamps; agent audio is placed when it is confirmed played (or cut off by a
// barge-in), ending at the caller's time of that moment.
import type { CallRecording, RecordingResult } from '../recording/call-recording.js';

const BYTES_PER_MS = 8; // mu-law, 8 kHz

export class RecordingTimeline {
  readonly #recording: CallRecording;
  /** The caller's timeline position of the last frame, and when (call clock) it arrived. */
  #callerMs = 0;
  #callerAt = 0;

  constructor(recording: CallRecording) {
    this.#recording = recording;
  }

  /** A caller frame; a carrier without timestamps (NaN) gets them counted from the audio itself. */
  callerAudio(frame: Buffer, timestampMs: number, arrivedAt: number): void {
    this.#callerMs = Number.isFinite(timestampMs) ? timestampMs : this.#callerMs + frame.length / BYTES_PER_MS;
    this.#callerAt = arrivedAt;
    this.#recording.addCallerAudio(this.#callerMs, frame);
  }

  /** Agent audio whose playback just ended, back to back, ending at the caller's current time. */
  agentPlayed(chunks: readonly Buffer[], now: number): void {
    if (chunks.length === 0) return;
    let at = this.#callerMs + (now - this.#callerAt) - chunks.reduce((ms, c) => ms + c.length / BYTES_PER_MS, 0);
    for (const chunk of chunks) {
      this.#recording.addAgentAudio(Math.max(0, at), chunk);
      at += chunk.length / BYTES_PER_MS;
    }
  }

  close(): Promise<RecordingResult> {
    return this.#recording.close();
  }
}
