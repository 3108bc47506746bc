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
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { LegCall, LegEvents, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import { AgentAudioEncoder, CallerAudioDecoder, rateOfContentType, type VonageRate } from './l16-audio.js';
import { CLEAR_ACTION, notifyAction, parseVonageEvent, type VonageConnected } from './media-messages.js';
import { CALL_HEADERS } from './stream-security.js';
import type { VonageControlFactory } from './call-control.js';

/** Vonage's text events are a few hundred bytes, its audio messages under 1 KB. */
export const MAX_VONAGE_MESSAGE_BYTES = 64 * 1024;
/** A peer that sends this many bad messages in a row is not Vonage. */
const MAX_CONSECUTIVE_BAD = 50;
const CONNECTED_TIMEOUT_MS = 10_000;
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
  let call: LegEvents | undefined;
  let decoder: CallerAudioDecoder | undefined;
  let consecutiveBad = 0;
  const logged = new Set<string>();
  const connectedTimer = setTimeout(() => refuse('no websocket:connected message'), CONNECTED_TIMEOUT_MS);

  function refuse(reason: string): void {
    clearTimeout(connectedTimer);
    opts.logger.warn({ reason }, 'closing the Vonage media socket');
    socket.close(1008, reason);
  }

  /** Bad input; `fatal` counts toward closing the socket (an unknown event does not: Vonage may add some). */
  function bad(kind: string, detail: string, fatal = true): void {
    if (call) call.malformed(kind, detail);
    else {
      opts.metrics.malformed('vonage');
      if (!logged.has(kind)) {
        logged.add(kind);
        opts.logger.warn({ detail }, 'ignored a malformed Vonage media message (logged once per kind)');
      }
    }
    if (!fatal || ++consecutiveBad < MAX_CONSECUTIVE_BAD) return;
    const reason = `${MAX_CONSECUTIVE_BAD} invalid messages in a row`;
    if (call) call.failed(reason);
    else refuse(reason);
  }

  function connected(message: VonageConnected): void {
    clearTimeout(connectedTimer);
    const rate = rateOfContentType(message.contentType);
    if (!rate) return refuse(`unsupported content-type ${JSON.stringify(message.contentType)} (expected audio/l16;rate=8000, 16000 or 24000)`);
    const admitted = opts.admit(message);
    if ('refused' in admitted) return refuse(admitted.refused);
    const leg = new VonageMediaLeg(socket, legCall(admitted, opts.applicationId), rate, opts.control);
    const started = opts.startCall(leg);
    if ('refused' in started) return refuse(started.refused);
    call = started;
    decoder = new CallerAudioDecoder(rate);
  }

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const arrivedAt = opts.clock.now();
    if (data.length > MAX_VONAGE_MESSAGE_BYTES) return bad('oversized', `message of ${data.length} bytes`);
    if (isBinary) {
      if (!call || !decoder) return bad('audio-before-connected', 'audio before websocket:connected');
      if (data.length === 0 || data.length % 2 !== 0) return bad('frame-size', `audio message of ${data.length} bytes (16-bit samples)`);
      consecutiveBad = 0;
      // Vonage gives no media clock: the call counts the caller's timeline from the frames themselves.
      call.audio(decoder.decode(data), Number.NaN, arrivedAt);
      return;
    }
    const parsed = parseVonageEvent(data.toString('utf8'));
    if (parsed.kind === 'unknown') return bad(`unknown:${parsed.event}`, `unknown event "${parsed.event}"`, false);
    if (parsed.kind === 'invalid') return bad(`invalid:${parsed.reason.split(':')[0]}`, parsed.reason);
    consecutiveBad = 0;
    const m = parsed.message;
    switch (m.event) {
      case 'websocket:notify':
        call?.played(m.name);
        return;
      case 'websocket:dtmf':
        if (!call) return bad('dtmf-before-connected', 'websocket:dtmf before websocket:connected');
        call.dtmf(m.digit);
        return;
      case 'websocket:cleared':
        // The clear's acknowledgement: the checkpoints it dropped are never echoed, which the ledger expects.
        return;
      case 'websocket:connected':
        if (call) return bad('second-connected', 'a second websocket:connected on one socket');
        return connected(m);
    }
  });

  socket.on('close', (code: number) => {
    clearTimeout(connectedTimer);
    if (code === NORMAL_CLOSURE) call?.stopped();
    else call?.closed(code);
  });
  socket.on('error', (err: Error) => {
    opts.logger.warn({ err: err.message }, 'Vonage media socket error');
  });
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
