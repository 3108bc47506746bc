// A caller as SignalWire presents it on a bidirectional cXML stream (developer.signalwire.com, cXML
// <Stream>): `Authorization: Bearer` on the handshake when the cXML set authBearerToken, then
// connected (version 0.2.0), start (UUID ids, customParameters, mediaFormat), media with no streamSid,
// dtmf {digit, duration}, and a bare `stop`. It models SignalWire's playout buffer: agent audio
// plays in real time, each mark is echoed when the audio before it has played, and `clear` drops
// what is buffered and echoes the pending marks at once. Used by the tests and `phone-agent call --carrier signalwire`.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PlayoutBuffer } from './playout-buffer.js';
import { silence, streamFrames, type CallerStats, type SimulatedCallEvents, type SimulatedCaller } from './caller.js';

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

export class SignalWireCaller extends EventEmitter<SimulatedCallEvents> implements SimulatedCaller {
  readonly callSid: string;
  readonly streamSid: string;
  readonly ws: WebSocket;
  readonly stats: CallerStats = { mediaReceived: 0, bytesReceived: 0, bytesPlayed: 0, clears: 0, marksEchoed: 0, marksSent: 0 };
  readonly #playout: PlayoutBuffer;
  #sequence = 0;
  #chunk = 0;
  #mediaTimestamp = 0;

  private constructor(ws: WebSocket, options: SignalWireCallerOptions) {
    super();
    this.ws = ws;
    this.callSid = options.callSid ?? randomUUID();
    this.streamSid = options.streamSid ?? randomUUID();
    const played = (audio: Buffer) => {
      this.stats.bytesPlayed += audio.length;
      this.emit('played', audio);
    };
    this.#playout = new PlayoutBuffer({ played, acknowledged: (name) => this.#echoMark(name) }, { realtime: options.realtimePlayout !== false });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.#onServerMessage(data.toString('utf8'));
    });
    ws.on('close', (code, reason) => {
      this.#playout.stop();
      this.emit('closed', code, reason.toString('utf8'));
    });
  }

  /** Opens the stream and sends `connected` and `start`, as SignalWire does. */
  static async connect(options: SignalWireCallerOptions): Promise<SignalWireCaller> {
    const headers = { ...options.headers, ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}) };
    const ws = new WebSocket(options.url, { headers, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`stream handshake refused: HTTP ${res.statusCode}`)));
    });
    const call = new SignalWireCaller(ws, options);
    call.#send({ event: 'connected', protocol: 'Call', version: '0.2.0' });
    call.#send({
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

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedMs(): number {
    return this.#playout.bufferedMs;
  }

  /** One media message as SignalWire sends it: string counters, ms since the stream started, no streamSid. */
  sendFrame(payload: Buffer): void {
    this.#send({
      event: 'media',
      sequenceNumber: String(++this.#sequence),
      media: { track: 'inbound', chunk: String(++this.#chunk), timestamp: String(this.#mediaTimestamp), payload: payload.toString('base64') },
    });
    this.#mediaTimestamp += Math.round(payload.length / 8);
  }

  streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void> {
    return streamFrames(mulaw, (frame) => this.sendFrame(frame), () => this.open, signal);
  }

  streamSilence(ms: number, signal?: AbortSignal): Promise<void> {
    return this.streamAudio(silence(ms), signal);
  }

  sendDtmf(digit: string, durationMs = 250): void {
    this.#send({ event: 'dtmf', sequenceNumber: String(++this.#sequence), streamSid: this.streamSid, dtmf: { digit, duration: durationMs } });
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  stop(): void {
    this.#send({ event: 'stop', sequenceNumber: String(++this.#sequence) });
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

  // ---- SignalWire's side of the server's messages ---------------------------------------------

  #onServerMessage(text: string): void {
    let m: { event?: string; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return;
    }
    const now = performance.now();
    if (m.event === 'media' && typeof m.media?.payload === 'string') {
      const audio = Buffer.from(m.media.payload, 'base64');
      this.stats.mediaReceived++;
      this.stats.bytesReceived += audio.length;
      this.emit('media', audio, now);
      this.#playout.audio(audio);
    } else if (m.event === 'mark' && typeof m.mark?.name === 'string') {
      this.stats.marksSent++;
      this.#playout.acknowledgement(m.mark.name);
    } else if (m.event === 'clear') {
      this.stats.clears++;
      this.emit('clear', now);
      // SignalWire flushes its queue and returns the marks still pending.
      for (const name of this.#playout.clear()) this.#echoMark(name);
    }
  }

  #echoMark(name: string): void {
    this.stats.marksEchoed++;
    this.emit('mark', name);
    this.#send({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  #send(message: object): void {
    if (this.open) this.ws.send(JSON.stringify(message));
  }
}

export function connectSignalWireCaller(options: SignalWireCallerOptions): Promise<SignalWireCaller> {
  return SignalWireCaller.connect(options);
}
