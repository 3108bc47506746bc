// Twilio Media Streams as a telephony leg (WS /media-stream). Reads messages until `start`, then
// hands the stream to a call and turns every later message into a leg event. Owns the protocol:
// JSON framing, mark names, the socket's corking and the streamSid. Bad input is counted and logged
// once per kind; a socket that sends nothing but garbage is closed with a reason. Nothing here can
// throw into the event loop.
import type WebSocket from 'ws';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { LegCall, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import { StreamIntake } from '../protocol/stream-intake.js';
import { streamMessages, type TwilioStart } from './media-messages.js';
import { parseTwilioFrame } from './hot-messages.js';
import { RESUME_AFTER_UNANSWERED, RESUME_PARAMETER } from './warm-transfer.js';

/** Twilio's frames are a few hundred bytes; anything this large is not a media stream message. */
export const MAX_TWILIO_MESSAGE_BYTES = 64 * 1024;

export interface TwilioMediaStreamOptions {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Checks a `start` (its per-call token) and strips what only the check needed; or a reason to refuse it. */
  admit(start: TwilioStart): TwilioStart | { refused: string };
  startCall: StartCall;
  /** Hang-up and transfer through Twilio's REST API, when its credentials are set. */
  control?: (call: ControlledCall) => CallControl;
}

export function acceptTwilioMediaStream(socket: WebSocket, opts: TwilioMediaStreamOptions): void {
  let streamSid: string | undefined;
  const intake = new StreamIntake({ carrier: 'twilio', logger: opts.logger, metrics: opts.metrics, close: (code, reason) => socket.close(code, reason) });

  function start(message: TwilioStart): void {
    intake.started();
    const admitted = opts.admit(message);
    if ('refused' in admitted) return intake.refuse(admitted.refused);
    const leg = new TwilioMediaStreamLeg(socket, admitted, opts.control);
    if (intake.begin(leg, opts.startCall)) streamSid = leg.call.streamSid;
  }

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const arrivedAt = opts.clock.now();
    const m = intake.parseFrame(data, isBinary, { maxBytes: MAX_TWILIO_MESSAGE_BYTES }, parseTwilioFrame);
    if (!m) return;
    intake.good();
    const call = intake.call;
    switch (m.event) {
      case 'media':
        if (!call) return intake.bad('media-before-start', 'media before start');
        if (m.streamSid !== streamSid) return intake.bad('wrong-stream', `media for stream ${m.streamSid} on ${streamSid}`);
        if (m.track === 'inbound') call.audio(Buffer.from(m.payload, 'base64'), m.timestamp, arrivedAt);
        return;
      case 'mark':
        call?.played(m.mark.name);
        return;
      case 'dtmf':
        call?.dtmf(m.dtmf.digit);
        return;
      case 'connected':
        return;
      case 'start':
        if (call) return intake.bad('second-start', 'a second start on one stream');
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

class TwilioMediaStreamLeg implements TelephonyLeg {
  readonly carrier = 'twilio';
  readonly call: LegCall;
  readonly #socket: WebSocket;
  readonly #messages: ReturnType<typeof streamMessages>;
  readonly #control: ((call: ControlledCall) => CallControl) | undefined;

  constructor(socket: WebSocket, start: TwilioStart, control: ((call: ControlledCall) => CallControl) | undefined) {
    this.#socket = socket;
    this.#control = control;
    this.#messages = streamMessages(start.streamSid);
    const params = start.start.customParameters;
    this.call = {
      callSid: start.start.callSid,
      streamSid: start.streamSid,
      accountSid: start.start.accountSid,
      from: params.From ?? params.from ?? '',
      to: params.To ?? params.to ?? '',
      direction: params.Direction === 'outbound' ? 'outbound' : 'inbound',
      customParameters: params,
      // Admitted only when the webhook's proof checked out (stream-security.ts).
      ...(params[RESUME_PARAMETER] === RESUME_AFTER_UNANSWERED ? { resumes: RESUME_AFTER_UNANSWERED } : {}),
    };
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  /**
   * A media message and its mark in one socket write: two syscalls per agent frame were the largest
   * single cost of the bridge under load. ws keeps its socket private (`_socket`), but corking it is
   * safe: ws's own framing corks and uncorks the same way.
   */
  play(audio: Buffer, checkpoint?: string): void {
    if (this.#socket.readyState !== 1) return;
    const media = this.#messages.media(audio.toString('base64'));
    if (checkpoint === undefined) return this.#socket.send(media);
    const socket = (this.#socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    this.#socket.send(media);
    this.#socket.send(this.#messages.mark(checkpoint));
    socket?.uncork();
  }

  checkpoint(name: string): void {
    this.#send(this.#messages.mark(name));
  }

  clear(): void {
    this.#send(this.#messages.clear());
  }

  close(reason: string): void {
    if (this.#socket.readyState === 1) this.#socket.close(1000, reason);
  }

  control(call: ControlledCall): CallControl {
    return (
      this.#control?.(call) ?? {
        hangUpAfterPlayback: (reason) => call.hangUpAfterPlayback(reason),
        transfer: () => Promise.reject(new Error('transfer is not configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a transfer number)')),
      }
    );
  }

  #send(text: string): void {
    if (this.#socket.readyState === 1) this.#socket.send(text);
  }
}
