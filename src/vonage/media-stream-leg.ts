// Vonage's media WebSocket as a telephony leg (WS /vonage/media-stream). Binary messages are caller
// audio (L16 little-endian, 20 ms each), text messages JSON events. Waits for `websocket:connected`
// (the audio format and the headers our NCCO set), then hands the socket to a call and turns every
// later message into a leg event. Owns the protocol: the L16 <-> mu-law conversion, 20 ms framing of
// agent audio, checkpoints as `notify` actions, `clear`. Bad input is counted and logged once per
// kind; a socket that sends nothing but garbage is closed with a reason. Nothing here can throw into
// the event loop.
//
// Vonage sends no "stop": the socket just closes. A normal closure (1000) is the stream's end (the
// caller hung up, or we transferred the call); any other code is a connection lost.
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { Logger } from '../observability/log.js';
import { StreamIntake } from '../protocol/stream-intake.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { LegCall, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import { AgentAudioEncoder, CallerAudioDecoder, rateOfContentType, type VonageRate } from './l16-audio.js';
import { CLEAR_ACTION, notifyAction, parseVonageEvent, type VonageConnected } from './media-messages.js';
import { CALL_HEADERS } from './stream-security.js';
import type { VonageControlFactory } from './call-control.js';

/** Vonage's text events are a few hundred bytes, its audio messages under 1 KB. */
export const MAX_VONAGE_MESSAGE_BYTES = 64 * 1024;
const NORMAL_CLOSURE = 1000;

export interface VonageMediaStreamOptions {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Checks `websocket:connected` (its per-call token) and returns the call's headers without it; or a reason to refuse it. */
  admit(connected: VonageConnected): Record<string, string> | { refused: string };
  startCall: StartCall;
  /** The application id, recorded as the call's account. */
  applicationId: string | undefined;
  /** Hang-up and transfer through Vonage's REST API, when its credentials are set. */
  control?: VonageControlFactory;
}

export function acceptVonageMediaStream(socket: WebSocket, opts: VonageMediaStreamOptions): void {
  let decoder: CallerAudioDecoder | undefined;
  const intake = new StreamIntake({
    carrier: 'vonage',
    startMessage: 'websocket:connected',
    logger: opts.logger,
    metrics: opts.metrics,
    close: (code, reason) => socket.close(code, reason),
  });

  function connected(message: VonageConnected): void {
    intake.started();
    const rate = rateOfContentType(message.contentType);
    if (!rate) return intake.refuse(`unsupported content-type ${JSON.stringify(message.contentType)} (expected audio/l16;rate=8000, 16000 or 24000)`);
    const admitted = opts.admit(message);
    if ('refused' in admitted) return intake.refuse(admitted.refused);
    const leg = new VonageMediaLeg(socket, legCall(admitted, opts.applicationId), rate, opts.control);
    if (intake.begin(leg, opts.startCall)) decoder = new CallerAudioDecoder(rate);
  }

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const arrivedAt = opts.clock.now();
    if (data.length > MAX_VONAGE_MESSAGE_BYTES) return intake.bad('oversized', `message of ${data.length} bytes`);
    const call = intake.call;
    if (isBinary) {
      if (!call || !decoder) return intake.bad('audio-before-connected', 'audio before websocket:connected');
      if (data.length === 0 || data.length % 2 !== 0) return intake.bad('frame-size', `audio message of ${data.length} bytes (16-bit samples)`);
      intake.good();
      // Vonage gives no media clock: the call counts the caller's timeline from the frames themselves.
      call.audio(decoder.decode(data), Number.NaN, arrivedAt);
      return;
    }
    const parsed = parseVonageEvent(data.toString('utf8'));
    // An unknown event never closes the socket: Vonage may add some.
    if (parsed.kind === 'unknown') return intake.bad(`unknown:${parsed.event}`, `unknown event "${parsed.event}"`, false);
    if (parsed.kind === 'invalid') return intake.bad(`invalid:${parsed.reason.split(':')[0]}`, parsed.reason);
    intake.good();
    const m = parsed.message;
    switch (m.event) {
      case 'websocket:notify':
        call?.played(m.name);
        return;
      case 'websocket:dtmf':
        if (!call) return intake.bad('dtmf-before-connected', 'websocket:dtmf before websocket:connected');
        call.dtmf(m.digit);
        return;
      case 'websocket:cleared':
        // The clear's acknowledgement: the checkpoints it dropped are never echoed, which the ledger expects.
        return;
      case 'websocket:connected':
        if (call) return intake.bad('second-connected', 'a second websocket:connected on one socket');
        return connected(m);
    }
  });

  socket.on('close', (code: number) => {
    intake.closed();
    if (code === NORMAL_CLOSURE) intake.call?.stopped();
    else intake.call?.closed(code);
  });
  socket.on('error', (err: Error) => intake.socketError(err));
}

function legCall(headers: Record<string, string>, applicationId: string | undefined): LegCall {
  return {
    callSid: headers[CALL_HEADERS.callUuid]!,
    // The socket's own leg uuid never reaches the socket; the conversation names the call's media as well.
    streamSid: headers[CALL_HEADERS.conversationUuid] || randomUUID(),
    accountSid: applicationId ?? '',
    from: headers[CALL_HEADERS.from] ?? '',
    to: headers[CALL_HEADERS.to] ?? '',
    direction: headers[CALL_HEADERS.direction] === 'outbound' ? 'outbound' : 'inbound',
    customParameters: headers,
  };
}

class VonageMediaLeg implements TelephonyLeg {
  readonly carrier = 'vonage';
  readonly call: LegCall;
  readonly #socket: WebSocket;
  readonly #encoder: AgentAudioEncoder;
  readonly #control: VonageControlFactory | undefined;
  /** Checkpoints whose audio ends inside the message not yet full: they follow it out. */
  #held: string[] = [];

  constructor(socket: WebSocket, call: LegCall, rate: VonageRate, control: VonageControlFactory | undefined) {
    this.#socket = socket;
    this.call = call;
    this.#encoder = new AgentAudioEncoder(rate);
    this.#control = control;
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  play(audio: Buffer, checkpoint?: string): void {
    if (this.#socket.readyState !== 1) return;
    const frames = this.#encoder.push(audio);
    this.#corked(() => {
      frames.forEach((frame, i) => {
        this.#socket.send(frame);
        if (i === 0) this.#releaseHeld();
      });
      if (checkpoint === undefined) return;
      if (this.#encoder.partialBytes > 0) this.#held.push(checkpoint);
      else this.#socket.send(notifyAction(checkpoint));
    });
  }

  /** The end of a reply: the last message is completed with silence, so Vonage plays it and then echoes the checkpoints. */
  checkpoint(name: string): void {
    if (this.#socket.readyState !== 1) return;
    const tail = this.#encoder.flush();
    this.#corked(() => {
      if (tail) this.#socket.send(tail);
      this.#releaseHeld();
      this.#socket.send(notifyAction(name));
    });
  }

  clear(): void {
    this.#encoder.reset();
    this.#held = [];
    if (this.#socket.readyState === 1) this.#socket.send(CLEAR_ACTION);
  }

  close(reason: string): void {
    if (this.#socket.readyState === 1) this.#socket.close(NORMAL_CLOSURE, reason);
  }

  control(call: ControlledCall): CallControl {
    const ourNumber = this.call.direction === 'inbound' ? this.call.to : this.call.from;
    return (
      this.#control?.(call, { ourNumber: ourNumber || undefined, close: (reason) => this.close(reason) }) ?? {
        hangUpAfterPlayback: (reason) => call.hangUpAfterPlayback(reason),
        transfer: () => Promise.reject(new Error('transfer is not configured (set VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY and a transfer number)')),
      }
    );
  }

  #releaseHeld(): void {
    for (const name of this.#held) this.#socket.send(notifyAction(name));
    this.#held = [];
  }

  /**
   * Audio messages and their notify in one socket write, as the Twilio leg does: ws keeps its socket
   * private (`_socket`), but corking it is safe, ws's own framing corks and uncorks the same way.
   */
  #corked(write: () => void): void {
    const raw = (this.#socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    raw?.cork();
    try {
      write();
    } finally {
      raw?.uncork();
    }
  }
}
