// A caller as Twilio presents it: speaks the Media Streams protocol to /media-stream (connected,
// start, 20 ms media frames on a real-time clock, dtmf, stop) and models Twilio's playout buffer:
// agent audio plays in real time, each mark is echoed when the audio before it has played, and
// `clear` drops what is buffered and echoes the pending marks at once. Used by `phone-agent call`,
// the tests and the benchmarks.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { MULAW_SILENCE } from '../audio/mulaw.js';

export const FRAME_BYTES = 160; // 20 ms of 8 kHz mu-law
export const FRAME_MS = 20;

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

type PlayoutItem = { kind: 'audio'; bytes: Buffer } | { kind: 'mark'; name: string };

export interface SimulatedCallEvents {
  /** Agent audio as it is played to the caller. */
  played: [audio: Buffer];
  /** A media message arrived (before playout). */
  media: [audio: Buffer, receivedAt: number];
  clear: [receivedAt: number];
  mark: [name: string];
  closed: [code: number, reason: string];
}

let counter = 0;
function sid(prefix: string): string {
  counter++;
  return `${prefix}${Date.now().toString(16)}${process.pid.toString(16)}${counter.toString(16).padStart(8, '0')}`.slice(0, 34).padEnd(34, '0');
}

export class SimulatedCall extends EventEmitter<SimulatedCallEvents> {
  readonly callSid: string;
  readonly streamSid: string;
  readonly ws: WebSocket;
  readonly #options: SimulatedCallOptions;
  #sequence = 0;
  #chunk = 0;
  #mediaTimestamp = 0;
  // Playout model.
  #queue: PlayoutItem[] = [];
  #queuedBytes = 0;
  #playoutTimer: NodeJS.Timeout | undefined;
  #playoutClock = 0;
  /** Counters a test or a summary reads. */
  readonly stats = { mediaReceived: 0, bytesReceived: 0, bytesPlayed: 0, clears: 0, marksEchoed: 0, marksSent: 0 };

  private constructor(ws: WebSocket, options: SimulatedCallOptions) {
    super();
    this.ws = ws;
    this.#options = options;
    this.callSid = options.callSid ?? sid('CA');
    this.streamSid = options.streamSid ?? sid('MZ');
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.#onServerMessage(data.toString('utf8'));
    });
    ws.on('close', (code, reason) => {
      this.#stopPlayout();
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
    return this.#queuedBytes / 8;
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

  /**
   * Sends mu-law audio as 20 ms frames on a real-time clock (absolute deadlines, so timer jitter does
   * not accumulate). Resolves when the last frame is sent; stops early if the signal aborts.
   */
  async streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void> {
    const start = performance.now();
    for (let offset = 0, i = 0; offset < mulaw.length; offset += FRAME_BYTES, i++) {
      if (signal?.aborted || !this.open) return;
      const due = start + i * FRAME_MS;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      let frame = mulaw.subarray(offset, offset + FRAME_BYTES);
      if (frame.length < FRAME_BYTES) frame = Buffer.concat([frame, Buffer.alloc(FRAME_BYTES - frame.length, MULAW_SILENCE)]);
      this.sendFrame(frame);
    }
  }

  /** Silence at real-time pace, like a caller who says nothing. */
  async streamSilence(ms: number, signal?: AbortSignal): Promise<void> {
    await this.streamAudio(Buffer.alloc(Math.round(ms * 8), MULAW_SILENCE), signal);
  }

  sendDtmf(digit: string): void {
    this.#send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: String(++this.#sequence), dtmf: { track: 'inbound_track', digit } });
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  stop(): void {
    this.#send({ event: 'stop', sequenceNumber: String(++this.#sequence), stop: { accountSid: 'AC00000000000000000000000000000000', callSid: this.callSid }, streamSid: this.streamSid });
  }

  /** Resolves when the server closes the stream (or it was closed already). */
  closed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  hangUp(): void {
    if (this.open) this.stop();
    this.ws.close(1000, 'caller hung up');
    this.#stopPlayout();
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
      this.#enqueue({ kind: 'audio', bytes: audio });
    } else if (m.event === 'mark' && typeof m.mark?.name === 'string') {
      this.stats.marksSent++;
      this.#enqueue({ kind: 'mark', name: m.mark.name });
    } else if (m.event === 'clear') {
      this.stats.clears++;
      this.emit('clear', now);
      // Twilio empties its buffer and sends back every mark still pending.
      const pending = this.#queue.filter((i): i is { kind: 'mark'; name: string } => i.kind === 'mark');
      this.#queue = [];
      this.#queuedBytes = 0;
      for (const item of pending) this.#echoMark(item.name);
    }
  }

  #enqueue(item: PlayoutItem): void {
    this.#queue.push(item);
    if (item.kind === 'audio') this.#queuedBytes += item.bytes.length;
    if (this.#options.realtimePlayout === false) {
      this.#drain(Number.POSITIVE_INFINITY);
      return;
    }
    if (!this.#playoutTimer) {
      this.#playoutClock = performance.now();
      this.#drain(0);
      this.#playoutTimer = setInterval(() => this.#tick(), FRAME_MS);
    }
  }

  #tick(): void {
    const now = performance.now();
    const budget = Math.floor((now - this.#playoutClock) * 8);
    if (budget <= 0) return;
    const played = this.#drain(budget);
    this.#playoutClock += played / 8;
    if (this.#queue.length === 0) this.#stopPlayout();
  }

  /** Plays up to `budget` bytes; marks at the head are echoed as soon as everything before them has played. */
  #drain(budget: number): number {
    let played = 0;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.kind === 'mark') {
        this.#queue.shift();
        this.#echoMark(head.name);
        continue;
      }
      if (played >= budget) break;
      const take = Math.min(head.bytes.length, budget - played);
      const piece = head.bytes.subarray(0, take);
      if (take === head.bytes.length) this.#queue.shift();
      else head.bytes = head.bytes.subarray(take);
      this.#queuedBytes -= take;
      played += take;
      this.stats.bytesPlayed += take;
      this.emit('played', piece);
    }
    return played;
  }

  #echoMark(name: string): void {
    this.stats.marksEchoed++;
    this.emit('mark', name);
    this.#send({ event: 'mark', sequenceNumber: String(++this.#sequence), streamSid: this.streamSid, mark: { name } });
  }

  #stopPlayout(): void {
    clearInterval(this.#playoutTimer);
    this.#playoutTimer = undefined;
  }

  #send(message: object): void {
    if (this.open) this.ws.send(JSON.stringify(message));
  }
}
