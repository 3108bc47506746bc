// A caller as Twilio presents it: speaks the Media Streams protocol to /media-stream (connected,
// start, 20 ms media frames on a real-time clock, dtmf, stop) and models Twilio's playout buffer:
// agent audio plays in real time, each mark is echoed when the audio before it has played, and
// `clear` drops what is buffered and echoes the pending marks at once. Used by `phone-agent call`,
// the tests and the benchmarks.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { PlayoutBuffer } from './playout-buffer.js';
import { silence, simulatedId, streamFrames, type SimulatedCallEvents, type SimulatedCaller } from './caller.js';

export { FRAME_BYTES, FRAME_MS } from './caller.js';

export interface SimulatedCallOptions {
  url: string;
  callSid?: string;
  streamSid?: string;
  accountSid?: string;
  from?: string;
  to?: string;
  customParameters?: Record<string, string>;
  headers?: Record<string, string>;
  /** Play agent audio in real time (true, like Twilio) or instantly (false: marks echo at once). */
  realtimePlayout?: boolean;
}

export class SimulatedCall extends EventEmitter<SimulatedCallEvents> implements SimulatedCaller {
  readonly callSid: string;
  readonly streamSid: string;
  readonly ws: WebSocket;
  #sequence = 0;
  #chunk = 0;
  #mediaTimestamp = 0;
  readonly #playout: PlayoutBuffer;
  /** Counters a test or a summary reads. */
  readonly stats = { mediaReceived: 0, bytesReceived: 0, bytesPlayed: 0, clears: 0, marksEchoed: 0, marksSent: 0 };

  private constructor(ws: WebSocket, options: SimulatedCallOptions) {
    super();
    this.ws = ws;
    this.callSid = options.callSid ?? simulatedId('CA');
    this.streamSid = options.streamSid ?? simulatedId('MZ');
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

  /** Opens the stream and sends `connected` and `start`, as Twilio does. */
  static async connect(options: SimulatedCallOptions): Promise<SimulatedCall> {
    const ws = new WebSocket(options.url, { headers: options.headers, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`stream handshake refused: HTTP ${res.statusCode}`)));
    });
    const call = new SimulatedCall(ws, options);
    call.#send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    call.#send({
      event: 'start',
      sequenceNumber: String(++call.#sequence),
      start: {
        accountSid: options.accountSid ?? 'AC00000000000000000000000000000000',
        streamSid: call.streamSid,
        callSid: call.callSid,
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: { CallSid: call.callSid, From: options.from ?? '+15550100', To: options.to ?? '+15550199', ...options.customParameters },
      },
      streamSid: call.streamSid,
    });
    return call;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Agent audio received but not yet played. */
  get bufferedMs(): number {
    return this.#playout.bufferedMs;
  }

  /** One media message; Twilio's fields as Twilio sends them (strings). */
  sendFrame(payload: Buffer): void {
    this.#chunk++;
    this.#send({
      event: 'media',
      sequenceNumber: String(++this.#sequence),
      media: { track: 'inbound', chunk: String(this.#chunk), timestamp: String(this.#mediaTimestamp), payload: payload.toString('base64') },
      streamSid: this.streamSid,
    });
    this.#mediaTimestamp += Math.round(payload.length / 8);
  }

  streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void> {
    return streamFrames(mulaw, (frame) => this.sendFrame(frame), () => this.open, signal);
  }

  streamSilence(ms: number, signal?: AbortSignal): Promise<void> {
    return this.streamAudio(silence(ms), signal);
  }

  sendDtmf(digit: string): void {
    this.#send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: String(++this.#sequence), dtmf: { track: 'inbound_track', digit } });
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  stop(): void {
    const stop = { accountSid: 'AC00000000000000000000000000000000', callSid: this.callSid };
    this.#send({ event: 'stop', sequenceNumber: String(++this.#sequence), stop, streamSid: this.streamSid });
  }

  /** Resolves when the server closes the stream (or it was closed already). */
  closed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  hangUp(): void {
    if (this.open) this.stop();
    this.ws.close(1000, 'caller hung up');
    this.#playout.stop();
  }

  // ---- Twilio's side of the server's messages -------------------------------------------------

  #onServerMessage(text: string): void {
    let m: { event?: string; streamSid?: string; media?: { payload?: string }; mark?: { name?: string } };
    try {
      m = JSON.parse(text);
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
      // Twilio empties its buffer and sends back every mark still pending.
      for (const name of this.#playout.clear()) this.#echoMark(name);
    }
  }

  #echoMark(name: string): void {
    this.stats.marksEchoed++;
    this.emit('mark', name);
    this.#send({ event: 'mark', sequenceNumber: String(++this.#sequence), streamSid: this.streamSid, mark: { name } });
  }

  #send(message: object): void {
    if (this.open) this.ws.send(JSON.stringify(message));
  }
}
