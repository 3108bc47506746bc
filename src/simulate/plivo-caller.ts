// A caller as Plivo presents it on a bidirectional <Stream contentType="audio/x-mulaw;rate=8000">
// (plivo.com audio-streaming reference; plivo-stream-sdk-node types): no `connected`; `start` with
// callId, streamId, mediaFormat and the answer's extra headers; media with numeric counters and a
// string timestamp; dtmf; and no `stop`: the caller hanging up closes the socket. It models Plivo's
// playout buffer: playAudio plays in real time, each checkpoint is answered with playedStream once
// the audio before it has played, and clearAudio drops what is buffered, answers clearedAudio, and
// never acknowledges the checkpoints it dropped. Used by the tests and `phone-agent call --carrier plivo`.
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { openCarrierSocket, WebSocketCaller } from './websocket-caller.js';

export interface PlivoCallerOptions {
  /** ws(s)://host/plivo/media-stream */
  url: string;
  callId?: string;
  streamId?: string;
  accountId?: string;
  /** The answer's <Stream extraHeaders>, as Plivo repeats them on every message. */
  extraHeaders?: Record<string, string>;
  /** Handshake headers (X-Plivo-Signature-V3 and its nonce, when the test signs the upgrade). */
  headers?: Record<string, string>;
  /** What `start` announces; the default is what our answer asks for (the caller only ever sends mu-law). */
  mediaFormat?: { encoding: string; sampleRate: number };
  /** Play agent audio in real time (true, like Plivo) or instantly (false: checkpoints answer at once). */
  realtimePlayout?: boolean;
}

export class PlivoCaller extends WebSocketCaller {
  /** playAudio messages in another format than the stream's, which Plivo would not play. */
  formatErrors = 0;
  readonly #extraHeaders: string;
  #sequence = 0;
  #chunk = 0;
  readonly #startedAt = Date.now();
  #mediaMs = 0;

  private constructor(ws: WebSocket, options: PlivoCallerOptions) {
    super(ws, { callSid: options.callId ?? randomUUID(), streamSid: options.streamId ?? randomUUID() }, options);
    this.#extraHeaders = Object.entries(options.extraHeaders ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(';');
  }

  /** Opens the stream and sends `start`, as Plivo does (there is no `connected`). */
  static async connect(options: PlivoCallerOptions): Promise<PlivoCaller> {
    const call = new PlivoCaller(await openCarrierSocket(options.url, options.headers), options);
    call.sendJson({
      event: 'start',
      sequenceNumber: ++call.#sequence,
      start: {
        callId: call.callSid,
        streamId: call.streamSid,
        accountId: options.accountId ?? 'MA0000000000000000AB',
        tracks: ['inbound'],
        mediaFormat: options.mediaFormat ?? { encoding: 'audio/x-mulaw', sampleRate: 8000 },
      },
      extra_headers: call.#extraHeaders,
    });
    return call;
  }

  /** One media message as Plivo sends it: numeric counters, a string Unix-ms timestamp, the stream id. */
  sendFrame(payload: Buffer): void {
    this.sendJson({
      event: 'media',
      sequenceNumber: ++this.#sequence,
      streamId: this.streamSid,
      media: { track: 'inbound', timestamp: String(this.#startedAt + this.#mediaMs), chunk: ++this.#chunk, payload: payload.toString('base64') },
      extra_headers: this.#extraHeaders,
    });
    this.#mediaMs += Math.round(payload.length / 8);
  }

  sendDtmf(digit: string): void {
    this.sendJson({
      event: 'dtmf',
      sequenceNumber: ++this.#sequence,
      streamId: this.streamSid,
      dtmf: { track: 'inbound', digit, timestamp: String(this.#startedAt + this.#mediaMs) },
      extra_headers: this.#extraHeaders,
    });
  }

  /** Plivo has no stop message: the stream ends with the socket. */
  stop(): void {
    this.hangUp();
  }

  override hangUp(): void {
    this.ws.close(1000);
    this.playout.stop();
  }

  // ---- Plivo's side of the server's messages --------------------------------------------------

  protected onServerText(text: string): void {
    let m: { event?: string; streamId?: unknown; name?: unknown; media?: { contentType?: unknown; sampleRate?: unknown; payload?: unknown } };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    const now = performance.now();
    if (m.event === 'playAudio' && typeof m.media?.payload === 'string') {
      if (m.media.contentType !== 'audio/x-mulaw' || m.media.sampleRate !== 8000) {
        this.formatErrors++;
        return;
      }
      this.receivedAudio(Buffer.from(m.media.payload, 'base64'), now);
    } else if (m.event === 'checkpoint' && typeof m.name === 'string' && m.streamId === this.streamSid) {
      this.receivedAcknowledgementRequest(m.name);
    } else if (m.event === 'clearAudio' && m.streamId === this.streamSid) {
      // The dropped checkpoints' audio was never played: Plivo does not answer them.
      this.receivedClear(now);
      this.sendJson({ event: 'clearedAudio', sequenceNumber: ++this.#sequence, streamId: this.streamSid });
    }
  }

  protected sendAcknowledgement(name: string): void {
    this.sendJson({ event: 'playedStream', sequenceNumber: ++this.#sequence, streamId: this.streamSid, name });
  }
}

export function connectPlivoCaller(options: PlivoCallerOptions): Promise<PlivoCaller> {
  return PlivoCaller.connect(options);
}
