// The call core's view of a carrier: one media connection carrying the caller's audio in and the
// agent's audio out. Each carrier (Twilio Media Streams first) implements a TelephonyLeg and owns its
// wire protocol: framing, playback-acknowledgement naming, socket tuning, stream ids. The core sees
// audio, keypad digits, playback acknowledgements and the stream's end, never a carrier's messages.
import type { CallDirection, CallEventSink } from './call.js';
import type { CallControl, ControlledCall } from './call-control.js';
import type { StatusCallback } from './dialer.js';
import type { Clock } from './clock.js';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';

/** What the carrier says about the call when its media starts. */
export interface LegCall {
  callSid: string;
  streamSid: string;
  accountSid: string;
  from: string;
  to: string;
  direction: CallDirection;
  /** Parameters the call's webhook answer attached to the stream (signed tokens, caller details). */
  customParameters: Record<string, string>;
  /** Set when this stream continues a call whose earlier stream ended in a transfer nobody answered (checked by the carrier). */
  resumes?: CallResumption;
}

/** Why a call's stream starts again: staff did not answer a warm transfer, and the caller is back with the agent. */
export type CallResumption = 'transfer_unanswered';

/** What the leg reports to the call it serves. Every method returns at once: it runs on the media path. */
export interface LegEvents {
  /**
   * A frame of caller audio (mu-law, 8 kHz). `timestampMs` is the carrier's own media clock (the
   * caller's timeline, NaN when the carrier gives none); `arrivedAt` is when it arrived, on the call's clock.
   */
  audio(frame: Buffer, timestampMs: number, arrivedAt: number): void;
  dtmf(digit: string): void;
  /** The carrier confirms that the audio before this checkpoint has played to the caller. */
  played(checkpoint: string): void;
  /** The carrier ended the media stream (the caller hung up, or a transfer took the call elsewhere). */
  stopped(): void;
  /** The connection closed without the carrier ending the stream. */
  closed(code: number): void;
  /** A message the leg could not use: counted and logged once per kind, never fatal by itself. */
  malformed(kind: string, detail: string): void;
  /** The peer broke the protocol beyond repair: the call must end. */
  failed(reason: string): void;
}

export interface TelephonyLeg {
  /** The carrier's name, for records and logs: `twilio`. */
  readonly carrier: string;
  readonly call: LegCall;
  /** Bytes written to the caller's connection but not yet sent: a stalled link when it grows. */
  readonly bufferedBytes: number;
  /** Agent audio (mu-law, 8 kHz), followed, when given, by a checkpoint whose `played` report confirms all audio so far was heard. */
  play(audio: Buffer, checkpoint?: string): void;
  /** A checkpoint after the audio already sent (the end of a reply). */
  checkpoint(name: string): void;
  /** Drops every bit of agent audio the carrier still buffers (barge-in); pending checkpoints come back cleared. */
  clear(): void;
  /** Ends the media connection: with an answer that only streams, this is the hang-up. */
  close(reason: string): void;
  /** The carrier's control of the call through its API (hang-up, transfer); without it, closing the stream is the hang-up. */
  control?(call: ControlledCall): CallControl;
}

/** Starts a call on a leg: the call's event sink, or the reason it was refused (draining, at capacity). */
export type StartCall = (leg: TelephonyLeg) => LegEvents | { refused: string };

/** What the server gives each carrier's routes: the way to start calls, and the shared services. */
export interface CarrierContext {
  startCall: StartCall;
  /** The server is draining: answer new calls' webhooks with 503 so the carrier tries elsewhere. */
  draining(): boolean;
  /** The call events bus: a carrier's reports about a call (stream status) join the call's record. */
  events: CallEventSink;
  /** Keeps a carrier's progress report with the call's record. */
  recordStatus(callback: StatusCallback): Promise<void>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}
