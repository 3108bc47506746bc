// A Plivo bidirectional <Stream> as a telephony leg (WS /plivo/media-stream). Reads messages until
// `start`, then hands the stream to a call and turns every later message into a leg event. Owns the
// protocol: playAudio followed by a checkpoint per chunk (Plivo answers playedStream once the audio
// before it has played), clearAudio for barge-in, the stream id, the socket's corking.
//
// Plivo never says `stop`: the socket closing IS the end of the stream, so a close with a close frame
// is reported as the carrier ending the stream, and only a connection lost without one (1006) as a
// disconnection. Checkpoints pending at a clearAudio are never acknowledged (Plivo answers
// playedStream "only if the preceding events were played successfully"); the call's ledger expects
// that. Bad input is counted and logged once per kind; nothing here can throw into the event loop.
import type WebSocket from 'ws';
import type { Logger } from '../observability/log.js';
import { StreamIntake } from '../protocol/stream-intake.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { LegCall, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import { checkpointMessage, clearAudioMessage, parseExtraHeaders, parsePlivoMessage, playAudioMessage, type PlivoStart } from './media-messages.js';

export const CARRIER = 'plivo';
/** Plivo's messages are a few hundred bytes; anything this large is not a stream message. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** The close code of a connection that ended without a close frame: the peer vanished. */
const ABNORMAL_CLOSURE = 1006;

/** What the stream's `start` gives a call: Plivo's ids, and the extra headers our answer attached. */
export interface PlivoAdmission {
  start: PlivoStart;
  /** The extra headers, minus what only the admission check needed. */
  headers: Record<string, string>;
}

export interface PlivoStreamOptions {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Checks a `start` (its per-call token) and strips what only the check needed; or a reason to refuse it. */
  admit(start: PlivoStart, headers: Record<string, string>): PlivoAdmission | { refused: string };
  startCall: StartCall;
  /** Hang-up and transfer through Plivo's REST API, when its credentials are set. */
  control?: (call: ControlledCall) => CallControl;
}

/** Our answer asks for mu-law at 8 kHz; Plivo's own default is L16, which would play as noise. */
function unsupportedFormat(start: PlivoStart): string | undefined {
  const { encoding, sampleRate } = start.start.mediaFormat;
  if (encoding.toLowerCase() === 'audio/x-mulaw' && sampleRate === 8000) return undefined;
  return `unsupported media format ${encoding} at ${sampleRate} Hz (the stream's contentType must be audio/x-mulaw;rate=8000)`;
}

const parseFrame = (frame: Buffer) => parsePlivoMessage(frame.toString('utf8'));

export function acceptPlivoStream(socket: WebSocket, opts: PlivoStreamOptions): void {
  let streamId: string | undefined;
  /** The first media timestamp: the recording's timeline starts there whatever Plivo's clock is. */
  let firstTimestamp: number | undefined;
  const intake = new StreamIntake({ carrier: CARRIER, logger: opts.logger, metrics: opts.metrics, close: (code, reason) => socket.close(code, reason) });

  function start(message: PlivoStart): void {
    intake.started();
    const unsupported = unsupportedFormat(message);
    if (unsupported) return intake.refuse(unsupported);
    const admitted = opts.admit(message, parseExtraHeaders(message.extra_headers));
    if ('refused' in admitted) return intake.refuse(admitted.refused);
    const leg = new PlivoStreamLeg(socket, admitted, opts.control);
    if (intake.begin(leg, opts.startCall)) streamId = leg.call.streamSid;
  }

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const arrivedAt = opts.clock.now();
    const m = intake.parseFrame(data, isBinary, { maxBytes: MAX_MESSAGE_BYTES }, parseFrame);
    if (!m) return;
    if (m.event === 'start') {
      if (intake.call) return intake.bad('second-start', 'a second start on one stream');
      intake.good();
      return start(m);
    }
    const call = intake.call;
    if (!call) return intake.bad(`${m.event}-before-start`, `${m.event} before start`);
    if (m.streamId !== streamId) return intake.bad('wrong-stream', `${m.event} for stream ${m.streamId} on ${streamId}`);
    intake.good();
    switch (m.event) {
      case 'media':
        if (m.track !== 'inbound') return;
        firstTimestamp ??= m.timestamp;
        call.audio(Buffer.from(m.payload, 'base64'), m.timestamp - firstTimestamp, arrivedAt);
        return;
      case 'playedStream':
        call.played(m.name);
        return;
      case 'dtmf':
        call.dtmf(m.dtmf.digit);
        return;
      case 'clearedAudio':
        return;
    }
  });

  socket.on('close', (code: number) => {
    intake.closed();
    const call = intake.call;
    if (!call) return;
    if (code === ABNORMAL_CLOSURE) call.closed(code);
    else call.stopped();
  });
  socket.on('error', (err: Error) => intake.socketError(err));
}

class PlivoStreamLeg implements TelephonyLeg {
  readonly carrier = CARRIER;
  readonly call: LegCall;
  readonly #socket: WebSocket;
  readonly #streamId: string;
  readonly #control: ((call: ControlledCall) => CallControl) | undefined;

  constructor(socket: WebSocket, { start, headers }: PlivoAdmission, control: ((call: ControlledCall) => CallControl) | undefined) {
    this.#socket = socket;
    this.#control = control;
    this.#streamId = start.start.streamId;
    // Plivo's start names neither party: our answer passes them as extra headers.
    this.call = {
      callSid: start.start.callId,
      streamSid: start.start.streamId,
      accountSid: start.start.accountId,
      from: headers.From ?? '',
      to: headers.To ?? '',
      direction: headers.Direction === 'outbound' ? 'outbound' : 'inbound',
      customParameters: headers,
    };
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  /** The audio and its checkpoint in one socket write (two syscalls per chunk cost the most under load). */
  play(audio: Buffer, checkpoint?: string): void {
    if (this.#socket.readyState !== 1) return;
    const socket = (this.#socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    this.#socket.send(playAudioMessage(audio.toString('base64')));
    if (checkpoint !== undefined) this.#socket.send(checkpointMessage(this.#streamId, checkpoint));
    socket?.uncork();
  }

  checkpoint(name: string): void {
    this.#send(checkpointMessage(this.#streamId, name));
  }

  clear(): void {
    this.#send(clearAudioMessage(this.#streamId));
  }

  close(reason: string): void {
    if (this.#socket.readyState === 1) this.#socket.close(1000, reason);
  }

  control(call: ControlledCall): CallControl {
    return (
      this.#control?.(call) ?? {
        hangUpAfterPlayback: (reason) => call.hangUpAfterPlayback(reason),
        transfer: () => Promise.reject(new Error('transfer is not configured (set PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN and a transfer number)')),
      }
    );
  }

  #send(text: string): void {
    if (this.#socket.readyState === 1) this.#socket.send(text);
  }
}
