// A SignalWire bidirectional cXML stream as a telephony leg (WS /signalwire/media-stream). Reads
// messages until `start`, then hands the stream to a call and turns every later message into a leg
// event. Owns the protocol: JSON framing, mark names, the socket's corking and the stream id, which
// comes from `start` alone (SignalWire puts none on media or stop). Bad input is counted and logged
// once per kind; a socket that sends nothing but garbage is closed with a reason. Nothing here can
// throw into the event loop.
import type WebSocket from 'ws';
import type { Logger } from '../observability/log.js';
import { StreamIntake } from '../protocol/stream-intake.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { LegCall, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import { clearMessage, markMessage, mediaMessage, parseSignalWireMessage, type SignalWireStart } from './media-messages.js';

export const CARRIER = 'signalwire';
/** SignalWire's messages are a few hundred bytes; anything this large is not a stream message. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export interface SignalWireStreamOptions {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Checks a `start` (the call its bearer token was issued for) and strips what only the check needed; or a reason to refuse it. */
  admit(start: SignalWireStart): SignalWireStart | { refused: string };
  startCall: StartCall;
  /** Hang-up and transfer through SignalWire's REST API, when its credentials are set. */
  control?: (call: ControlledCall) => CallControl;
}

/** The core works in mu-law 8 kHz, which is the stream's default codec (PCMU@8000h); our cXML asks for nothing else. */
function unsupportedFormat(start: SignalWireStart): string | undefined {
  const { encoding, sampleRate } = start.start.mediaFormat;
  if (encoding.toLowerCase() === 'audio/x-mulaw' && sampleRate === 8000) return undefined;
  return `unsupported media format ${encoding} at ${sampleRate} Hz (the stream's codec must be PCMU@8000h)`;
}

const parseFrame = (frame: Buffer) => parseSignalWireMessage(frame.toString('utf8'));

export function acceptSignalWireStream(socket: WebSocket, opts: SignalWireStreamOptions): void {
  let streamSid: string | undefined;
  const intake = new StreamIntake({ carrier: CARRIER, logger: opts.logger, metrics: opts.metrics, close: (code, reason) => socket.close(code, reason) });

  function start(message: SignalWireStart): void {
    intake.started();
    const unsupported = unsupportedFormat(message);
    if (unsupported) return intake.refuse(unsupported);
    const admitted = opts.admit(message);
    if ('refused' in admitted) return intake.refuse(admitted.refused);
    const leg = new SignalWireStreamLeg(socket, admitted, opts.control);
    if (intake.begin(leg, opts.startCall)) streamSid = leg.call.streamSid;
  }

  /** Media and marks carry no streamSid on SignalWire; one that does must name this stream. */
  function foreign(sid: string | undefined): boolean {
    return sid !== undefined && sid !== streamSid;
  }

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const arrivedAt = opts.clock.now();
    const m = intake.parseFrame(data, isBinary, { maxBytes: MAX_MESSAGE_BYTES }, parseFrame);
    if (!m) return;
    const call = intake.call;
    switch (m.event) {
      case 'media':
        if (!call) return intake.bad('media-before-start', 'media before start');
        if (foreign(m.streamSid)) return intake.bad('wrong-stream', `media for stream ${m.streamSid} on ${streamSid}`);
        intake.good();
        if (m.track === 'inbound') call.audio(Buffer.from(m.payload, 'base64'), m.timestamp, arrivedAt);
        return;
      case 'mark':
        if (foreign(m.streamSid)) return intake.bad('wrong-stream', `mark for stream ${m.streamSid} on ${streamSid}`);
        intake.good();
        call?.played(m.name);
        return;
      case 'dtmf':
        if (foreign(m.streamSid)) return intake.bad('wrong-stream', `dtmf for stream ${m.streamSid} on ${streamSid}`);
        intake.good();
        call?.dtmf(m.dtmf.digit);
        return;
      case 'connected':
        intake.good();
        return;
      case 'start':
        if (call) return intake.bad('second-start', 'a second start on one stream');
        intake.good();
        return start(m);
      case 'stop':
        if (call) call.stopped();
        else intake.refuse('stop before start');
        return;
    }
  });

  socket.on('close', (code: number) => {
    intake.closed();
    intake.call?.closed(code);
  });
  socket.on('error', (err: Error) => intake.socketError(err));
}

class SignalWireStreamLeg implements TelephonyLeg {
  readonly carrier = CARRIER;
  readonly call: LegCall;
  readonly #socket: WebSocket;
  readonly #streamSid: string;
  readonly #control: ((call: ControlledCall) => CallControl) | undefined;

  constructor(socket: WebSocket, start: SignalWireStart, control: ((call: ControlledCall) => CallControl) | undefined) {
    this.#socket = socket;
    this.#control = control;
    this.#streamSid = start.start.streamSid;
    // SignalWire's start names neither party: our cXML passes them as <Parameter>s.
    const params = start.start.customParameters;
    this.call = {
      callSid: start.start.callSid,
      streamSid: start.start.streamSid,
      accountSid: start.start.accountSid,
      from: params.From ?? '',
      to: params.To ?? '',
      direction: params.Direction === 'outbound' ? 'outbound' : 'inbound',
      customParameters: params,
    };
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  /** A media message and its mark in one socket write (see the Twilio leg: two syscalls per frame cost the most under load). */
  play(audio: Buffer, checkpoint?: string): void {
    if (this.#socket.readyState !== 1) return;
    const socket = (this.#socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    this.#socket.send(mediaMessage(this.#streamSid, audio.toString('base64')));
    if (checkpoint !== undefined) this.#socket.send(markMessage(this.#streamSid, checkpoint));
    socket?.uncork();
  }

  checkpoint(name: string): void {
    this.#send(markMessage(this.#streamSid, name));
  }

  /** SignalWire empties its buffer and echoes every pending mark, which the call's ledger knows as cleared. */
  clear(): void {
    this.#send(clearMessage(this.#streamSid));
  }

  close(reason: string): void {
    if (this.#socket.readyState === 1) this.#socket.close(1000, reason);
  }

  control(call: ControlledCall): CallControl {
    return (
      this.#control?.(call) ?? {
        hangUpAfterPlayback: (reason) => call.hangUpAfterPlayback(reason),
        transfer: () =>
          Promise.reject(new Error('transfer is not configured (set SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN, SIGNALWIRE_SPACE_URL and a transfer number)')),
      }
    );
  }

  #send(text: string): void {
    if (this.#socket.readyState === 1) this.#socket.send(text);
  }
}
