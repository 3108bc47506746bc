// A caller as SignalWire presents it on a bidirectional cXML stream (developer.signalwire.com, cXML
// <Stream>): `Authorization: Bearer` on the handshake when the cXML set authBearerToken, then
// connected (version 0.2.0), start (UUID ids, customParameters, mediaFormat), media with no streamSid,
// dtmf {digit, duration}, and a bare `stop`. It models SignalWire's playout buffer: agent audio
// plays in real time, each mark is echoed when the audio before it has played, and `clear` drops
// what is buffered and echoes the pending marks at once. Used by the tests and `phone-agent call --carrier signalwire`.
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { openCarrierSocket, WebSocketCaller } from './websocket-caller.js';

export interface SignalWireCallerOptions {
  /** ws(s)://host/signalwire/media-stream */
  url: string;
  callSid?: string;
  streamSid?: string;
  accountSid?: string;
  /** The <Parameter>s of the cXML (CallSid, From, To, Direction, ...). */
  customParameters?: Record<string, string>;
  /** The cXML's authBearerToken, sent as `Authorization: Bearer`. */
  bearerToken?: string;
  headers?: Record<string, string>;
  /** What `start` announces; the default is the stream's default codec, PCMU@8000h (the caller only ever sends mu-law). */
  mediaFormat?: { encoding: string; sampleRate: number };
  /** Play agent audio in real time (true, like SignalWire) or instantly (false: marks echo at once). */
  realtimePlayout?: boolean;
}

export class SignalWireCaller extends WebSocketCaller {
  #sequence = 0;
  #chunk = 0;
  #mediaTimestamp = 0;

  private constructor(ws: WebSocket, options: SignalWireCallerOptions) {
    super(ws, { callSid: options.callSid ?? randomUUID(), streamSid: options.streamSid ?? randomUUID() }, options);
  }

  /** Opens the stream and sends `connected` and `start`, as SignalWire does. */
  static async connect(options: SignalWireCallerOptions): Promise<SignalWireCaller> {
    const headers = { ...options.headers, ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}) };
    const call = new SignalWireCaller(await openCarrierSocket(options.url, headers), options);
    call.sendJson({ event: 'connected', protocol: 'Call', version: '0.2.0' });
    call.sendJson({
      event: 'start',
      sequenceNumber: String(++call.#sequence),
      start: {
        streamSid: call.streamSid,
        accountSid: options.accountSid ?? randomUUID(),
        callSid: call.callSid,
        tracks: ['inbound'],
        customParameters: { CallSid: call.callSid, From: '+15550100', To: '+15550199', Direction: 'inbound', ...options.customParameters },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, ...options.mediaFormat, channels: 1 },
      },
    });
    return call;
  }

  /** One media message as SignalWire sends it: string counters, ms since the stream started, no streamSid. */
  sendFrame(payload: Buffer): void {
    this.sendJson({
      event: 'media',
      sequenceNumber: String(++this.#sequence),
      media: { track: 'inbound', chunk: String(++this.#chunk), timestamp: String(this.#mediaTimestamp), payload: payload.toString('base64') },
    });
    this.#mediaTimestamp += Math.round(payload.length / 8);
  }

  sendDtmf(digit: string, durationMs = 250): void {
    this.sendJson({ event: 'dtmf', sequenceNumber: String(++this.#sequence), streamSid: this.streamSid, dtmf: { digit, duration: durationMs } });
  }

  stop(): void {
    this.sendJson({ event: 'stop', sequenceNumber: String(++this.#sequence) });
  }

  // ---- SignalWire's side of the server's messages ---------------------------------------------

  protected onServerText(text: string): void {
    let m: { event?: string; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    const now = performance.now();
    if (m.event === 'media' && typeof m.media?.payload === 'string') {
      this.receivedAudio(Buffer.from(m.media.payload, 'base64'), now);
    } else if (m.event === 'mark' && typeof m.mark?.name === 'string') {
      this.receivedAcknowledgementRequest(m.mark.name);
    } else if (m.event === 'clear') {
      // SignalWire flushes its queue and returns the marks still pending.
      for (const name of this.receivedClear(now)) this.echo(name);
    }
  }

  protected sendAcknowledgement(name: string): void {
    this.sendJson({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }
}

export function connectSignalWireCaller(options: SignalWireCallerOptions): Promise<SignalWireCaller> {
  return SignalWireCaller.connect(options);
}
