// Telnyx media streaming as a telephony leg (WS /telnyx/media-stream). Reads messages until `start`,
// then hands the stream to a call and turns every later message into a leg event. Owns the protocol:
// snake_case JSON, the stream_id, media put back in chunk order, the caller's codec (PCMU, or PCMA
// turned into mu-law), and what rtp bidirectional mode accepts back (raw PCMU, no sub-20 ms chunks).
// Bad input is counted and logged once per kind; a socket that sends nothing but garbage is closed
// with a reason. Nothing here can throw into the event loop.
import type WebSocket from 'ws';
import type { Logger } from '../observability/log.js';
import { StreamIntake } from '../protocol/stream-intake.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { LegCall, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';
import type { CallControl, ControlledCall } from '../domain/call-control.js';
import { alawDecode } from '../audio/alaw.js';
import { MULAW_SILENCE, mulawEncode } from '../audio/mulaw.js';
import { CLEAR_MESSAGE, markMessage, mediaMessage, parseTelnyxMessage, type TelnyxStart } from './media-messages.js';
import { MediaReorder } from './media-order.js';
import type { TelnyxControl } from './call-control.js';

/** Telnyx's frames are a few hundred bytes; anything this large is not a media streaming message. */
export const MAX_TELNYX_MESSAGE_BYTES = 64 * 1024;
/** How many early frames may wait for a late one: 60 ms of caller audio at most. */
const REORDER_WINDOW = 3;
/** 20 ms of mu-law: Telnyx takes 20 ms to 30 s per media message. */
const FRAME_BYTES = 160;

export interface TelnyxMediaStreamOptions {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Checks a `start` against what the upgrade presented (its stream token); or a reason to refuse it. */
  admit(start: TelnyxStart): { refused: string } | undefined;
  startCall: StartCall;
  /** Hang-up and transfer through Telnyx's REST API, when TELNYX_API_KEY is set. */
  control?: TelnyxControl;
}

type Decoder = (payload: Buffer) => Buffer;

const ALAW_TO_MULAW = Buffer.from(mulawEncode(alawDecode(Uint8Array.from({ length: 256 }, (_, i) => i))));

/** The caller's codec to the core's mu-law: PCMU as is, PCMA through a byte table (EU and UK legs often carry it). */
function decoderFor(start: TelnyxStart): Decoder | { refused: string } {
  const { encoding, sample_rate: rate } = start.start.media_format;
  if (rate === 8000 && encoding.toUpperCase() === 'PCMU') return (payload) => payload;
  if (rate === 8000 && encoding.toUpperCase() === 'PCMA') {
    return (payload) => {
      const out = Buffer.allocUnsafe(payload.length);
      for (let i = 0; i < payload.length; i++) out[i] = ALAW_TO_MULAW[payload[i]!]!;
      return out;
    };
  }
  return { refused: `unsupported caller audio ${encoding}/${rate} (the TeXML asks for PCMU/8000)` };
}

const parseFrame = (frame: Buffer) => parseTelnyxMessage(frame.toString('utf8'));

export function acceptTelnyxMediaStream(socket: WebSocket, opts: TelnyxMediaStreamOptions): void {
  let streamId: string | undefined;
  let decode: Decoder = (payload) => payload;
  const intake = new StreamIntake({ carrier: 'telnyx', logger: opts.logger, metrics: opts.metrics, close: (code, reason) => socket.close(code, reason) });
  const inOrder = new MediaReorder<{ frame: Buffer; arrivedAt: number }>(REORDER_WINDOW, ({ frame, arrivedAt }) => intake.call?.audio(frame, NaN, arrivedAt));

  function start(message: TelnyxStart): void {
    intake.started();
    const refusal = opts.admit(message);
    if (refusal) return intake.refuse(refusal.refused);
    const decoder = decoderFor(message);
    if ('refused' in decoder) return intake.refuse(decoder.refused);
    const leg = new TelnyxMediaStreamLeg(socket, message, opts.control);
    if (!intake.begin(leg, opts.startCall)) return;
    decode = decoder;
    streamId = message.stream_id;
  }

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    const arrivedAt = opts.clock.now();
    const m = intake.parseFrame(data, isBinary, { maxBytes: MAX_TELNYX_MESSAGE_BYTES }, parseFrame);
    if (!m) return;
    const call = intake.call;
    if (m.event !== 'connected' && m.event !== 'start' && call && m.stream_id !== undefined && m.stream_id !== streamId) {
      return intake.bad('wrong-stream', `${m.event} for stream ${m.stream_id} on ${streamId}`);
    }
    intake.good();
    switch (m.event) {
      case 'media': {
        if (!call) return intake.bad('media-before-start', 'media before start');
        // inbound_track only; anything else would be our own audio coming back.
        if (m.track !== 'inbound') return;
        const payload = Buffer.from(m.payload, 'base64');
        if (payload.length === 0) return intake.bad('empty-media', 'media without audio');
        if (!inOrder.push(m.chunk, { frame: decode(payload), arrivedAt })) call.malformed('late-media', `chunk ${m.chunk} arrived after its place had passed`);
        return;
      }
      case 'mark':
        call?.played(m.mark.name);
        return;
      case 'dtmf':
        call?.dtmf(m.dtmf.digit);
        return;
      case 'error': {
        const detail = `${m.payload.code ?? '?'} ${m.payload.title ?? ''}: ${m.payload.detail ?? ''}`;
        if (call) call.malformed(`telnyx-error:${m.payload.code ?? '?'}`, `Telnyx reports ${detail}`);
        else opts.logger.warn({ detail }, 'Telnyx reports an error on the media stream');
        return;
      }
      case 'connected':
        return;
      case 'start':
        if (call) return intake.bad('second-start', 'a second start on one stream');
        return start(m);
      case 'stop':
        if (!call) return intake.refuse('stop before start');
        inOrder.flush();
        call.stopped();
        return;
    }
  });

  socket.on('close', (code: number) => {
    intake.closed();
    inOrder.flush();
    intake.call?.closed(code);
  });
  socket.on('error', (err: Error) => intake.socketError(err));
}

class TelnyxMediaStreamLeg implements TelephonyLeg {
  readonly carrier = 'telnyx';
  readonly call: LegCall;
  readonly #socket: WebSocket;
  readonly #control: TelnyxControl | undefined;
  /** Agent audio short of a whole 20 ms frame, held for the next message: Telnyx wants no sub-20 ms chunks. */
  #tail: Buffer = Buffer.alloc(0);

  constructor(socket: WebSocket, start: TelnyxStart, control: TelnyxControl | undefined) {
    this.#socket = socket;
    this.#control = control;
    const s = start.start;
    this.call = {
      callSid: s.call_control_id,
      streamSid: start.stream_id,
      accountSid: s.user_id,
      from: s.from,
      to: s.to,
      direction: s.custom_parameters.Direction === 'outbound' ? 'outbound' : 'inbound',
      customParameters: s.custom_parameters,
    };
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  /**
   * Whole frames go out now, a remainder waits for the next audio. The checkpoint follows at once, so
   * it may count up to 19 ms not yet sent as heard: less than a frame, and never on the reply's last
   * checkpoint, which checkpoint() sends after the remainder.
   */
  play(audio: Buffer, checkpoint?: string): void {
    if (this.#socket.readyState !== 1) return;
    const data = this.#tail.length > 0 ? Buffer.concat([this.#tail, audio]) : audio;
    const whole = data.length - (data.length % FRAME_BYTES);
    this.#tail = Buffer.from(data.subarray(whole));
    // ws keeps its socket private (`_socket`); corking it puts media and mark in one write, as ws's own framing does.
    const socket = (this.#socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    if (whole > 0) this.#socket.send(mediaMessage(data.subarray(0, whole).toString('base64')));
    if (checkpoint !== undefined) this.#socket.send(markMessage(checkpoint));
    socket?.uncork();
  }

  checkpoint(name: string): void {
    if (this.#tail.length > 0) {
      const frame = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
      this.#tail.copy(frame);
      this.#tail = Buffer.alloc(0);
      this.#send(mediaMessage(frame.toString('base64')));
    }
    this.#send(markMessage(name));
  }

  clear(): void {
    this.#tail = Buffer.alloc(0);
    this.#send(CLEAR_MESSAGE);
  }

  close(reason: string): void {
    if (this.#socket.readyState === 1) this.#socket.close(1000, reason);
  }

  control(call: ControlledCall): CallControl {
    return (
      this.#control?.(call, this.call.accountSid) ?? {
        hangUpAfterPlayback: (reason) => call.hangUpAfterPlayback(reason),
        transfer: () => Promise.reject(new Error('transfer is not configured (set TELNYX_API_KEY and a transfer number)')),
      }
    );
  }

  #send(text: string): void {
    if (this.#socket.readyState === 1) this.#socket.send(text);
  }
}
