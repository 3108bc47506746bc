// A caller as Telnyx presents it: speaks Telnyx's media streaming protocol (TX-WS) to
// /telnyx/media-stream: `connected`, `start` (snake_case, call_control_id, media_format), `media` with
// string counters and the RTP payload in the call's codec (PCMU, or PCMA for an EU leg), `dtmf`,
// `stop`. It models rtp bidirectional mode on the way back: raw PCMU in 20 ms to 30 s chunks, played
// in real time, each mark echoed once the audio before it has played, `clear` dropping the buffer and
// echoing the pending marks at once. What the server sends outside that protocol is answered with
// Telnyx's `error` message and kept in `violations`.
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { alawEncode } from '../audio/alaw.js';
import { mulawDecode } from '../audio/mulaw.js';
import { FRAME_BYTES } from './caller.js';
import { openCarrierSocket, WebSocketCaller } from './websocket-caller.js';

export interface TelnyxCallerOptions {
  /** The stream URL, with its token path when the server checks tokens. */
  url: string;
  callControlId?: string;
  streamId?: string;
  /** The account (start.user_id). */
  userId?: string;
  from?: string;
  to?: string;
  customParameters?: Record<string, string>;
  headers?: Record<string, string>;
  /** The call's codec toward the server (start.media_format.encoding). */
  encoding?: 'PCMU' | 'PCMA';
  /** Play agent audio in real time (true, like Telnyx) or instantly (false: marks echo at once). */
  realtimePlayout?: boolean;
}

/** rtp bidirectional mode takes 20 ms to 30 s of audio per media message (TX-MS). */
const MIN_CHUNK_BYTES = FRAME_BYTES;
const MAX_CHUNK_BYTES = 30 * 8000;

export class TelnyxCaller extends WebSocketCaller {
  /** Every server message Telnyx would have refused, with the reason. */
  readonly violations: string[] = [];
  readonly #options: TelnyxCallerOptions;
  #sequence = 0;
  #chunk = 0;
  #timestamp = 0;

  private constructor(ws: WebSocket, options: TelnyxCallerOptions) {
    super(ws, { callSid: options.callControlId ?? `v3:${randomUUID()}`, streamSid: options.streamId ?? randomUUID() }, options);
    this.#options = options;
  }

  /** Opens the stream and sends `connected` and `start`, as Telnyx does. */
  static async connect(options: TelnyxCallerOptions): Promise<TelnyxCaller> {
    const call = new TelnyxCaller(await openCarrierSocket(options.url, options.headers), options);
    call.sendJson({ event: 'connected', version: '1.0.0' });
    call.sendJson({
      event: 'start',
      sequence_number: String(++call.#sequence),
      stream_id: call.streamSid,
      start: {
        user_id: options.userId ?? '3e6f995f-85f7-4705-9741-53b116d28237',
        call_control_id: call.callSid,
        call_session_id: randomUUID(),
        from: options.from ?? '+15550100',
        to: options.to ?? '+15550199',
        tags: [],
        client_state: null,
        custom_parameters: options.customParameters ?? {},
        media_format: { encoding: options.encoding ?? 'PCMU', sample_rate: 8000, channels: 1 },
      },
    });
    return call;
  }

  /**
   * The next media message for one frame of mu-law caller audio, in the call's codec, without sending
   * it: a test can send several in another order, as Telnyx may deliver them.
   */
  nextMediaMessage(mulaw: Buffer): string {
    const payload = this.#options.encoding === 'PCMA' ? Buffer.from(alawEncode(mulawDecode(mulaw))) : mulaw;
    const message = {
      event: 'media',
      sequence_number: String(++this.#sequence),
      media: { track: 'inbound', chunk: String(++this.#chunk), timestamp: String(this.#timestamp), payload: payload.toString('base64') },
      stream_id: this.streamSid,
    };
    this.#timestamp += Math.round(mulaw.length / 8);
    return JSON.stringify(message);
  }

  sendFrame(mulaw: Buffer): void {
    this.sendRaw(this.nextMediaMessage(mulaw));
  }

  sendDtmf(digit: string): void {
    const occurredAt = new Date().toISOString();
    this.sendJson({ event: 'dtmf', stream_id: this.streamSid, occurred_at: occurredAt, sequence_number: String(++this.#sequence), dtmf: { digit } });
  }

  stop(): void {
    this.sendJson({
      event: 'stop',
      sequence_number: String(++this.#sequence),
      stream_id: this.streamSid,
      stop: { user_id: this.#options.userId ?? '3e6f995f-85f7-4705-9741-53b116d28237', call_control_id: this.callSid },
    });
  }

  // ---- Telnyx's side of the server's messages -------------------------------------------------

  protected override onServerBinary(): void {
    this.#violation(100003, 'malformed_frame', 'a binary frame (Telnyx takes JSON text)');
  }

  protected onServerText(text: string): void {
    let m: { event?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      m = JSON.parse(text);
    } catch {
      return this.#violation(100003, 'malformed_frame', 'not JSON');
    }
    const now = performance.now();
    if (m.event === 'media') {
      const payload = m.media?.payload;
      if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) return this.#violation(100004, 'invalid_media', 'payload is not base64');
      const audio = Buffer.from(payload, 'base64');
      if (audio.length < MIN_CHUNK_BYTES || audio.length > MAX_CHUNK_BYTES) {
        return this.#violation(100004, 'invalid_media', `a media chunk of ${audio.length / 8} ms (20 ms to 30 s)`);
      }
      this.receivedAudio(audio, now);
    } else if (m.event === 'mark') {
      if (typeof m.mark?.name !== 'string') return this.#violation(100003, 'malformed_frame', 'mark without mark.name');
      this.receivedAcknowledgementRequest(m.mark.name);
    } else if (m.event === 'clear') {
      // Telnyx stops playback, empties its queue and sends back every mark still pending.
      for (const name of this.receivedClear(now)) this.echo(name);
    } else {
      this.#violation(100003, 'malformed_frame', `unknown event ${JSON.stringify(m.event)}`);
    }
  }

  #violation(code: number, title: string, detail: string): void {
    this.violations.push(`${title}: ${detail}`);
    this.sendJson({ event: 'error', stream_id: this.streamSid, payload: { code, title, detail } });
  }

  protected sendAcknowledgement(name: string): void {
    this.sendJson({ event: 'mark', sequence_number: String(++this.#sequence), stream_id: this.streamSid, mark: { name } });
  }
}

export function connectTelnyxCaller(options: TelnyxCallerOptions): Promise<TelnyxCaller> {
  return TelnyxCaller.connect(options);
}
