// A caller as Telnyx presents it: speaks Telnyx's media streaming protocol (TX-WS) to
// /telnyx/media-stream: `connected`, `start` (snake_case, call_control_id, media_format), `media` with
// string counters and the RTP payload in the call's codec (PCMU, or PCMA for an EU leg), `dtmf`,
// `stop`. It models rtp bidirectional mode on the way back: raw PCMU in 20 ms to 30 s chunks, played
// in real time, each mark echoed once the audio before it has played, `clear` dropping the buffer and
// echoing the pending marks at once. What the server sends outside that protocol is answered with
// Telnyx's `error` message and kept in `violations`.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { alawEncode } from '../audio/alaw.js';
import { mulawDecode } from '../audio/mulaw.js';
import { PlayoutBuffer } from './playout-buffer.js';
import { FRAME_BYTES, silence, streamFrames, type CallerStats, type SimulatedCallEvents, type SimulatedCaller } from './caller.js';

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

export class TelnyxCaller extends EventEmitter<SimulatedCallEvents> implements SimulatedCaller {
  readonly callSid: string;
  readonly streamSid: string;
  readonly ws: WebSocket;
  readonly stats: CallerStats = { mediaReceived: 0, bytesReceived: 0, bytesPlayed: 0, clears: 0, marksEchoed: 0, marksSent: 0 };
  /** Every server message Telnyx would have refused, with the reason. */
  readonly violations: string[] = [];
  readonly #options: TelnyxCallerOptions;
  readonly #playout: PlayoutBuffer;
  #sequence = 0;
  #chunk = 0;
  #timestamp = 0;

  private constructor(ws: WebSocket, options: TelnyxCallerOptions) {
    super();
    this.ws = ws;
    this.#options = options;
    this.callSid = options.callControlId ?? `v3:${randomUUID()}`;
    this.streamSid = options.streamId ?? randomUUID();
    const played = (audio: Buffer) => {
      this.stats.bytesPlayed += audio.length;
      this.emit('played', audio);
    };
    this.#playout = new PlayoutBuffer({ played, acknowledged: (name) => this.#echoMark(name) }, { realtime: options.realtimePlayout !== false });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.#violation(100003, 'malformed_frame', 'a binary frame (Telnyx takes JSON text)');
      else this.#onServerMessage(data.toString('utf8'));
    });
    ws.on('close', (code, reason) => {
      this.#playout.stop();
      this.emit('closed', code, reason.toString('utf8'));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedMs(): number {
    return this.#playout.bufferedMs;
  }

  /** Opens the stream and sends `connected` and `start`, as Telnyx does. */
  static async connect(options: TelnyxCallerOptions): Promise<TelnyxCaller> {
    const ws = new WebSocket(options.url, { headers: options.headers, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        // With this listener ws leaves the refused request open; ending it lets the server close.
        req.destroy();
        reject(new Error(`stream handshake refused: HTTP ${res.statusCode}`));
      });
    });
    const call = new TelnyxCaller(ws, options);
    call.#send({ event: 'connected', version: '1.0.0' });
    call.#send({
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

  streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void> {
    return streamFrames(mulaw, (frame) => this.sendFrame(frame), () => this.open, signal);
  }

  streamSilence(ms: number, signal?: AbortSignal): Promise<void> {
    return this.streamAudio(silence(ms), signal);
  }

  sendDtmf(digit: string): void {
    this.#send({ event: 'dtmf', stream_id: this.streamSid, occurred_at: new Date().toISOString(), sequence_number: String(++this.#sequence), dtmf: { digit } });
  }

  sendRaw(data: string | Buffer): void {
    if (this.open) this.ws.send(data);
  }

  stop(): void {
    this.#send({
      event: 'stop',
      sequence_number: String(++this.#sequence),
      stream_id: this.streamSid,
      stop: { user_id: this.#options.userId ?? '3e6f995f-85f7-4705-9741-53b116d28237', call_control_id: this.callSid },
    });
  }

  closed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  hangUp(): void {
    if (this.open) this.stop();
    this.ws.close(1000, 'caller hung up');
    this.#playout.stop();
  }

  // ---- Telnyx's side of the server's messages -------------------------------------------------

  #onServerMessage(text: string): void {
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
      this.stats.mediaReceived++;
      this.stats.bytesReceived += audio.length;
      this.emit('media', audio, now);
      this.#playout.audio(audio);
    } else if (m.event === 'mark') {
      if (typeof m.mark?.name !== 'string') return this.#violation(100003, 'malformed_frame', 'mark without mark.name');
      this.stats.marksSent++;
      this.#playout.acknowledgement(m.mark.name);
    } else if (m.event === 'clear') {
      this.stats.clears++;
      this.emit('clear', now);
      // Telnyx stops playback, empties its queue and sends back every mark still pending.
      for (const name of this.#playout.clear()) this.#echoMark(name);
    } else {
      this.#violation(100003, 'malformed_frame', `unknown event ${JSON.stringify(m.event)}`);
    }
  }

  #violation(code: number, title: string, detail: string): void {
    this.violations.push(`${title}: ${detail}`);
    this.#send({ event: 'error', stream_id: this.streamSid, payload: { code, title, detail } });
  }

  #echoMark(name: string): void {
    this.stats.marksEchoed++;
    this.emit('mark', name);
    this.#send({ event: 'mark', sequence_number: String(++this.#sequence), stream_id: this.streamSid, mark: { name } });
  }

  #send(message: object): void {
    if (this.open) this.ws.send(JSON.stringify(message));
  }
}

export function connectTelnyxCaller(options: TelnyxCallerOptions): Promise<TelnyxCaller> {
  return TelnyxCaller.connect(options);
}
