// What every websocket carrier's simulated caller shares: the socket and its handshake, the playout
// buffer and its counters, real-time streaming, and the way server audio, acknowledgement requests and
// clears reach the buffer. Each carrier's caller adds only its wire format: what it sends, how it reads
// the server's messages, and how it acknowledges played audio.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { PlayoutBuffer } from './playout-buffer.js';
import { silence, streamFrames, type CallerStats, type SimulatedCallEvents, type SimulatedCaller } from './caller.js';

/** Opens a carrier's media websocket; a refused handshake rejects with its HTTP status. */
export async function openCarrierSocket(url: string, headers?: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => {
      // With this listener ws leaves the refused request open; ending it lets the server close.
      req.destroy();
      reject(new Error(`stream handshake refused: HTTP ${res.statusCode}`));
    });
  });
  return ws;
}

export abstract class WebSocketCaller extends EventEmitter<SimulatedCallEvents> implements SimulatedCaller {
  readonly callSid: string;
  readonly streamSid: string;
  readonly ws: WebSocket;
  readonly stats: CallerStats = { mediaReceived: 0, bytesReceived: 0, bytesPlayed: 0, clears: 0, marksEchoed: 0, marksSent: 0 };
  protected readonly playout: PlayoutBuffer;

  protected constructor(ws: WebSocket, ids: { callSid: string; streamSid: string }, options: { realtimePlayout?: boolean }) {
    super();
    this.ws = ws;
    this.callSid = ids.callSid;
    this.streamSid = ids.streamSid;
    const played = (audio: Buffer) => {
      this.stats.bytesPlayed += audio.length;
      this.emit('played', audio);
    };
    this.playout = new PlayoutBuffer({ played, acknowledged: (name) => this.echo(name) }, { realtime: options.realtimePlayout !== false });
    ws.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? this.onServerBinary(data) : this.onServerText(data.toString('utf8'))));
    ws.on('close', (code, reason) => {
      this.playout.stop();
      this.emit('closed', code, reason.toString('utf8'));
    });
  }

  /** One 20 ms frame of mu-law caller audio, in the carrier's wire format. */
  abstract sendFrame(mulaw: Buffer): void;
  abstract sendDtmf(digit: string): void;
  /** The carrier's end of the stream, as when the caller hangs up. */
  abstract stop(): void;
  /** A text message from the server. */
  protected abstract onServerText(text: string): void;
  /** Tells the server, the carrier's way, that the audio before acknowledgement `name` has played. */
  protected abstract sendAcknowledgement(name: string): void;

  /** A binary message from the server; the JSON carriers never expect one. */
  protected onServerBinary(data: Buffer): void {
    void data;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Agent audio received but not yet played. */
  get bufferedMs(): number {
    return this.playout.bufferedMs;
  }

  streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void> {
    return streamFrames(mulaw, (frame) => this.sendFrame(frame), () => this.open, signal);
  }

  streamSilence(ms: number, signal?: AbortSignal): Promise<void> {
    return this.streamAudio(silence(ms), signal);
  }

  /** A message as it is, for tests of what the server does with bad input. */
  sendRaw(data: string | Buffer): void {
    if (this.open) this.ws.send(data);
  }

  /** Resolves when the server closes the stream (or it was closed already). */
  closed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.ws.once('close', () => resolve()));
  }

  hangUp(): void {
    if (this.open) this.stop();
    this.ws.close(1000, 'caller hung up');
    this.playout.stop();
  }

  protected sendJson(message: object): void {
    this.sendRaw(JSON.stringify(message));
  }

  /** Agent audio (mu-law 8 kHz) as the carrier received it: into the playout buffer. */
  protected receivedAudio(audio: Buffer, receivedAt: number): void {
    this.stats.mediaReceived++;
    this.stats.bytesReceived += audio.length;
    this.emit('media', audio, receivedAt);
    this.playout.audio(audio);
  }

  /** The server asked to be told when what it sent so far has played. */
  protected receivedAcknowledgementRequest(name: string): void {
    this.stats.marksSent++;
    this.playout.acknowledgement(name);
  }

  /** The server cleared the buffer; returns the acknowledgements still pending, for the carrier to answer or drop. */
  protected receivedClear(receivedAt: number): string[] {
    this.stats.clears++;
    this.emit('clear', receivedAt);
    return this.playout.clear();
  }

  /** Acknowledges `name` to the server and tells listeners so. */
  protected echo(name: string): void {
    this.stats.marksEchoed++;
    this.emit('mark', this.markLabel(name));
    this.sendAcknowledgement(name);
  }

  /** What listeners of `mark` see for acknowledgement `name`. */
  protected markLabel(name: string): string {
    return name;
  }
}
