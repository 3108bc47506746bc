// A caller as Plivo presents it on a bidirectional <Stream contentType="audio/x-mulaw;rate=8000">
// (plivo.com audio-streaming reference; plivo-stream-sdk-node types): no `connected`; `start` with
// callId, streamId, mediaFormat and the answer's extra headers; media with numeric counters and a
// string timestamp; dtmf; and no `stop`: the caller hanging up closes the socket. It models Plivo's
// playout buffer: playAudio plays in real time, each checkpoint is answered with playedStream once
// the audio before it has played, and clearAudio drops what is buffered, answers clearedAudio, and
// never acknowledges the checkpoints it dropped. Used by the tests and `phone-agent call --carrier plivo`.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PlayoutBuffer } from './playout-buffer.js';
import { silence, streamFrames, type CallerStats, type SimulatedCallEvents, type SimulatedCaller } from './caller.js';

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

export class PlivoCaller extends EventEmitter<SimulatedCallEvents> implements SimulatedCaller {
  readonly callSid: string;
  readonly streamSid: string;
  readonly ws: WebSocket;
  readonly stats: CallerStats = { mediaReceived: 0, bytesReceived: 0, bytesPlayed: 0, clears: 0, marksEchoed: 0, marksSent: 0 };
  /** playAudio messages in another format than the stream's, which Plivo would not play. */
  formatErrors = 0;
  readonly #playout: PlayoutBuffer;
  readonly #extraHeaders: string;
  #sequence = 0;
  #chunk = 0;
  readonly #startedAt = Date.now();
  #mediaMs = 0;

  private constructor(ws: WebSocket, options: PlivoCallerOptions) {
    super();
    this.ws = ws;
    this.callSid = options.callId ?? randomUUID();
    this.streamSid = options.streamId ?? randomUUID();
    this.#extraHeaders = Object.entries(options.extraHeaders ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(';');
    const played = (audio: Buffer) => {
      this.stats.bytesPlayed += audio.length;
      this.emit('played', audio);
    };
    this.#playout = new PlayoutBuffer({ played, acknowledged: (name) => this.#playedStream(name) }, { realtime: options.realtimePlayout !== false });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.#onServerMessage(data.toString('utf8'));
    });
    ws.on('close', (code, reason) => {
      this.#playout.stop();
      this.emit('closed', code, reason.toString('utf8'));
    });
  }

  /** Opens the stream and sends `start`, as Plivo does (there is no `connected`). */
  static async connect(options: PlivoCallerOptions): Promise<PlivoCaller> {
    const ws = new WebSocket(options.url, { headers: options.headers, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`stream handshake refused: HTTP ${res.statusCode}`)));
    });
    const call = new PlivoCaller(ws, options);
    call.#send({
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

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedMs(): number {
    return this.#playout.bufferedMs;
  }

  /** One media message as Plivo sends it: numeric counters, a string Unix-ms timestamp, the stream id. */
  sendFrame(payload: Buffer): void {
    this.#send({
      event: 'media',
      sequenceNumber: ++this.#sequence,
      streamId: this.streamSid,
      media: { track: 'inbound', timestamp: String(this.#startedAt + this.#mediaMs), chunk: ++this.#chunk, payload: payload.toString('base64') },
      extra_headers: this.#extraHeaders,
    });
    this.#mediaMs += Math.round(payload.length / 8);
  }

  streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void> {
    return streamFrames(mulaw, (frame) => this.sendFrame(frame), () => this.open, signal);
  }

  streamSilence(ms: number, signal?: AbortSignal): Promise<void> {
    return this.streamAudio(silence(ms), signal);
  }

  sendDtmf(digit: string): void {
    this.#send({
      event: 'dtmf',
      sequenceNumber: ++this.#sequence,
      streamId: this.streamSid,
      dtmf: { track: 'inbound', digit, timestamp: String(this.#startedAt + this.#mediaMs) },
      extra_headers: this.#extraHeaders,
    });
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Plivo has no stop message: the stream ends with the socket. */
  stop(): void {
    this.hangUp();
  }

  closed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  hangUp(): void {
    this.ws.close(1000);
    this.#playout.stop();
  }

  // ---- Plivo's side of the server's messages --------------------------------------------------

  #onServerMessage(text: string): void {
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
      const audio = Buffer.from(m.media.payload, 'base64');
      this.stats.mediaReceived++;
      this.stats.bytesReceived += audio.length;
      this.emit('media', audio, now);
      this.#playout.audio(audio);
    } else if (m.event === 'checkpoint' && typeof m.name === 'string' && m.streamId === this.streamSid) {
      this.stats.marksSent++;
      this.#playout.acknowledgement(m.name);
    } else if (m.event === 'clearAudio' && m.streamId === this.streamSid) {
      this.stats.clears++;
      this.emit('clear', now);
      // The dropped checkpoints' audio was never played: Plivo does not answer them.
      this.#playout.clear();
      this.#send({ event: 'clearedAudio', sequenceNumber: ++this.#sequence, streamId: this.streamSid });
    }
  }

  #playedStream(name: string): void {
    this.stats.marksEchoed++;
    this.emit('mark', name);
    this.#send({ event: 'playedStream', sequenceNumber: ++this.#sequence, streamId: this.streamSid, name });
  }

  #send(message: object): void {
    if (this.open) this.ws.send(JSON.stringify(message));
  }
}

export function connectPlivoCaller(options: PlivoCallerOptions): Promise<PlivoCaller> {
  return PlivoCaller.connect(options);
}
