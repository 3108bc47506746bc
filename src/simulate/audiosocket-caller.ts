// A caller as Asterisk's AudioSocket() application presents it: a TCP client that sends the call's
// UUID first, then the caller's audio as slin (16-bit little-endian, 8 kHz) messages on a real-time
// clock and keypad digits as DTMF messages, and hangs up by closing the socket. Like Asterisk, it has
// no playout buffer: agent audio plays the moment it arrives, nothing is ever acknowledged or cleared,
// and a message Asterisk would refuse (any kind but audio and hangup, an empty payload) ends the call
// as Asterisk's application does, recorded in `protocolErrors`.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { silence, streamFrames, type SimulatedCallEvents, type SimulatedCaller } from './caller.js';
import { KIND_AUDIO_SLIN, KIND_DTMF, KIND_HANGUP, KIND_UUID, MessageReader, encodeMessage, uuidBytes } from '../audiosocket/framing.js';
import { mulawToSlin, slinToMulaw } from '../audiosocket/slin.js';

export interface AudioSocketCallerOptions {
  host?: string;
  port: number;
  /** The call's UUID, as the dialplan's ${UUID()} would give it (a fresh one by default). */
  uuid?: string;
}

/** What Asterisk's res_audiosocket accepts from the server: audio with a payload, or a hangup. */
function asteriskAccepts(kind: number, length: number): string | undefined {
  if (kind === KIND_HANGUP) return undefined;
  if (kind !== KIND_AUDIO_SLIN) return `message kind 0x${kind.toString(16).padStart(2, '0')} (Asterisk accepts only hangup and audio)`;
  return length === 0 ? 'an audio message with no payload' : undefined;
}

export class AudioSocketCaller extends EventEmitter<SimulatedCallEvents> implements SimulatedCaller {
  readonly callSid: string;
  readonly streamSid: string;
  readonly socket: Socket;
  /** Messages from the server that Asterisk would have refused (each ends the call). */
  readonly protocolErrors: string[] = [];
  /** The server sent the hangup message (rather than just closing). */
  hangupReceived = false;
  readonly stats = { mediaReceived: 0, bytesReceived: 0, bytesPlayed: 0, clears: 0, marksEchoed: 0, marksSent: 0 };
  readonly #reader = new MessageReader(asteriskAccepts);
  #closed: Promise<void>;

  private constructor(socket: Socket, uuid: string) {
    super();
    this.socket = socket;
    this.callSid = uuid;
    this.streamSid = uuid;
    this.#closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined); // a reset shows as the close that follows
    socket.once('close', (hadError) => this.emit('closed', hadError ? 1006 : 1000, this.hangupReceived ? 'hangup' : 'closed'));
  }

  /** Connects and sends the UUID message, as AudioSocket() does once the channel is up. */
  static async connect(options: AudioSocketCallerOptions): Promise<AudioSocketCaller> {
    const uuid = options.uuid ?? randomUUID();
    const bytes = uuidBytes(uuid);
    if (!bytes) throw new Error(`not a UUID: ${uuid}`);
    const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const caller = new AudioSocketCaller(socket, uuid);
    socket.write(encodeMessage(KIND_UUID, bytes));
    return caller;
  }

  get open(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded && !this.socket.readableEnded;
  }

  /** Always 0: Asterisk plays agent audio as it arrives. */
  get bufferedMs(): number {
    return 0;
  }

  /** One frame of mu-law caller audio, sent as slin the way the channel hands it to AudioSocket. */
  sendFrame(mulaw: Buffer): void {
    this.sendRaw(encodeMessage(KIND_AUDIO_SLIN, mulawToSlin(mulaw)));
  }

  streamAudio(mulaw: Buffer, signal?: AbortSignal): Promise<void> {
    return streamFrames(mulaw, (frame) => this.sendFrame(frame), () => this.open, signal);
  }

  streamSilence(ms: number, signal?: AbortSignal): Promise<void> {
    return this.streamAudio(silence(ms), signal);
  }

  sendDtmf(digit: string): void {
    this.sendRaw(encodeMessage(KIND_DTMF, Buffer.from(digit, 'ascii')));
  }

  /** Bytes as they are, for tests of what the server does with bad input. */
  sendRaw(bytes: Buffer): void {
    if (this.open) this.socket.write(bytes);
  }

  /** The caller hangs up: Asterisk closes the socket (it never sends a hangup message itself). */
  stop(): void {
    if (!this.socket.writableEnded) this.socket.end();
  }

  closed(): Promise<void> {
    return this.#closed;
  }

  hangUp(): void {
    this.stop();
  }

  #onData(chunk: Buffer): void {
    const now = performance.now();
    const problem = this.#reader.push(chunk, (kind, payload) => {
      if (kind === KIND_HANGUP) {
        // AudioSocket() returns and the dialplan moves on: the connection is closed.
        this.hangupReceived = true;
        this.#reader.stop();
        this.socket.end();
        return;
      }
      const audio = slinToMulaw(payload);
      this.stats.mediaReceived++;
      this.stats.bytesReceived += audio.length;
      this.stats.bytesPlayed += audio.length;
      this.emit('media', audio, now);
      this.emit('played', audio);
    });
    if (problem) {
      this.protocolErrors.push(problem);
      this.socket.end();
    }
  }
}

/** Connects a simulated Asterisk AudioSocket() call to the listener at host:port. */
export function connectAudioSocketCaller(options: AudioSocketCallerOptions): Promise<AudioSocketCaller> {
  return AudioSocketCaller.connect(options);
}
