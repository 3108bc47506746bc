// One AudioSocket connection from Asterisk as a telephony leg. Asterisk connects, sends the call's
// UUID, then caller audio (slin, 8 kHz) and keypad digits until the caller hangs up, when it closes
// the socket. The UUID is the call's id; the leg converts audio to and from mu-law, paces the agent's
// audio itself (pacer.ts) and hangs up by sending the hangup message. Nothing authenticates the peer,
// so the input is bounded hard: a header the protocol does not allow closes the connection with a
// logged reason before its payload is even read. Nothing here can throw into the event loop.
import type { Socket } from 'node:net';
import type { Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../domain/clock.js';
import type { LegCall, LegEvents, StartCall, TelephonyLeg } from '../domain/telephony-leg.js';
import {
  HANGUP_MESSAGE,
  KIND_AUDIO_SLIN,
  KIND_AUDIO_WIDEBAND_FIRST,
  KIND_AUDIO_WIDEBAND_LAST,
  KIND_DTMF,
  KIND_ERROR,
  KIND_HANGUP,
  KIND_UUID,
  MessageReader,
  UUID_BYTES,
  encodeMessage,
  uuidString,
} from './framing.js';
import { mulawToSlin, slinToMulaw } from './slin.js';
import { RealTimePacer } from './pacer.js';

/** Asterisk sends one channel frame per message (320 bytes at 20 ms); a second of audio is no frame. */
export const MAX_AUDIO_PAYLOAD_BYTES = 16_000;
const MAX_ERROR_PAYLOAD_BYTES = 64;
/** Asterisk sends the UUID as soon as it connects. */
const UUID_TIMEOUT_MS = 5_000;
/** Asterisk streams the caller's audio without pause; a silent connection is a dead link. */
const IDLE_TIMEOUT_MS = 30_000;
/** After the hangup, how long Asterisk gets to close its side before the socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;
/** The close code reported when the connection breaks (reset, timeout) rather than ends. */
const ABNORMAL_CLOSE = 1006;
const DTMF_DIGITS = /^[0-9*#A-D]$/;

export interface AudioSocketConnectionOptions {
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  startCall: StartCall;
  /** Reserves a call's UUID for this connection; false when a live call already has it. */
  claim(uuid: string): boolean;
  release(uuid: string): void;
}

/** What may arrive from Asterisk, judged on the header alone. */
function checkHeader(kind: number, length: number): string | undefined {
  switch (kind) {
    case KIND_HANGUP:
      return undefined;
    case KIND_UUID:
      return length === UUID_BYTES ? undefined : `UUID message of ${length} bytes (expected ${UUID_BYTES})`;
    case KIND_DTMF:
      return length === 1 ? undefined : `DTMF message of ${length} bytes (expected 1)`;
    case KIND_AUDIO_SLIN:
      if (length === 0 || length % 2 !== 0) return `audio message of ${length} bytes (expected a whole number of 16-bit samples)`;
      return length > MAX_AUDIO_PAYLOAD_BYTES ? `audio message of ${length} bytes (at most ${MAX_AUDIO_PAYLOAD_BYTES})` : undefined;
    case KIND_ERROR:
      return length > MAX_ERROR_PAYLOAD_BYTES ? `error message of ${length} bytes` : undefined;
    default:
      if (kind >= KIND_AUDIO_WIDEBAND_FIRST && kind <= KIND_AUDIO_WIDEBAND_LAST) {
        return `audio kind 0x${kind.toString(16)} is not 8 kHz slin: use AudioSocket() or Dial(AudioSocket/host:port/uuid/c(slin))`;
      }
      return `unknown message kind 0x${kind.toString(16).padStart(2, '0')}`;
  }
}

export function acceptAudioSocketConnection(socket: Socket, opts: AudioSocketConnectionOptions): void {
  const remote = `${socket.remoteAddress}:${socket.remotePort}`;
  const reader = new MessageReader(checkHeader);
  let call: LegEvents | undefined;
  let leg: AudioSocketLeg | undefined;
  let uuid: string | undefined;
  let claimed = false;
  /** The call has been told the stream is over (stopped, closed or failed): it hears nothing more. */
  let ended = false;
  socket.setNoDelay(true);
  socket.setTimeout(UUID_TIMEOUT_MS);

  /**
   * The UUID is free again as soon as either side has ended the connection: a dialplan that runs
   * AudioSocket() again with the same UUID may connect before this socket has finished closing.
   */
  function release(): void {
    if (!claimed || !uuid) return;
    claimed = false; // once: by then another connection may hold the same UUID
    opts.release(uuid);
  }

  function refuse(reason: string): void {
    reader.stop();
    release();
    opts.logger.warn({ remote, uuid, reason }, 'closing audiosocket connection');
    hangUp(socket);
  }

  /** The peer broke the protocol: the call (if any) ends with the reason, the connection closes. */
  function fail(reason: string): void {
    reader.stop();
    if (!call) return refuse(reason);
    if (ended) return;
    ended = true;
    opts.logger.warn({ remote, uuid, reason }, 'closing audiosocket connection');
    call.failed(reason);
    // The call may have ended before this (its hang-up already sent): the connection closes all the same.
    leg?.close('rejected');
  }

  function start(payload: Buffer): void {
    const id = uuidString(payload);
    if (!opts.claim(id)) return refuse(`UUID ${id} belongs to a live call (give each call its own, e.g. \${UUID()})`);
    uuid = id;
    claimed = true;
    leg = new AudioSocketLeg(socket, id, opts.clock, (checkpoint) => call?.played(checkpoint), release);
    const started = opts.startCall(leg);
    if ('refused' in started) return refuse(started.refused);
    call = started;
    socket.setTimeout(IDLE_TIMEOUT_MS);
  }

  function onMessage(kind: number, payload: Buffer, arrivedAt: number): void {
    if (kind === KIND_UUID) {
      if (uuid) return fail('a second UUID on one connection');
      return start(payload);
    }
    if (!call) return fail(`message kind 0x${kind.toString(16).padStart(2, '0')} before the UUID`);
    switch (kind) {
      case KIND_AUDIO_SLIN:
        // The carrier gives no media clock: the arrival time stands in for it.
        return call.audio(slinToMulaw(payload), Number.NaN, arrivedAt);
      case KIND_DTMF: {
        const digit = String.fromCharCode(payload[0]!);
        if (!DTMF_DIGITS.test(digit)) return call.malformed('dtmf', `DTMF byte 0x${payload[0]!.toString(16)} is not a keypad digit`);
        return call.dtmf(digit);
      }
      case KIND_HANGUP:
        reader.stop();
        ended = true;
        return call.stopped();
      case KIND_ERROR:
        return fail(`Asterisk reported an error${payload.length > 0 ? ` (code 0x${payload.toString('hex')})` : ''}`);
    }
  }

  socket.on('data', (chunk: Buffer) => {
    const arrivedAt = opts.clock.now();
    const problem = reader.push(chunk, (kind, payload) => onMessage(kind, payload, arrivedAt));
    if (problem) {
      opts.metrics.malformed('audiosocket');
      fail(problem);
    }
  });
  socket.on('timeout', () => fail(call ? `no data from Asterisk for ${IDLE_TIMEOUT_MS / 1000} s` : `no UUID within ${UUID_TIMEOUT_MS / 1000} s`));
  socket.on('end', () => {
    // Asterisk closes the socket when the caller hangs up: the stream's normal end.
    leg?.peerEnded();
    release();
    if (reader.pendingBytes > 0) opts.logger.warn({ remote, uuid, bytes: reader.pendingBytes }, 'audiosocket connection ended mid-message');
    if (call && !ended) {
      ended = true;
      call.stopped();
    }
  });
  socket.on('close', (hadError: boolean) => {
    leg?.closed();
    release();
    if (call && !ended) {
      ended = true;
      call.closed(hadError ? ABNORMAL_CLOSE : 1000);
    }
  });
  socket.on('error', (err: Error) => {
    opts.logger.warn({ remote, uuid, err: err.message }, 'audiosocket connection error');
  });
}

/**
 * Sends the hangup message (unless the peer has closed already: it would only be answered with a reset)
 * and closes; a peer that keeps its side open is cut off after a grace period.
 */
function hangUp(socket: Socket, peerEnded = false): void {
  if (socket.destroyed || socket.writableEnded) return;
  if (peerEnded) socket.end();
  else socket.end(HANGUP_MESSAGE);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

class AudioSocketLeg implements TelephonyLeg {
  readonly carrier = 'audiosocket';
  readonly call: LegCall;
  readonly #socket: Socket;
  readonly #pacer: RealTimePacer;
  readonly #released: () => void;
  #peerEnded = false;

  constructor(socket: Socket, uuid: string, clock: Clock, played: (checkpoint: string) => void, released: () => void) {
    this.#socket = socket;
    this.#released = released;
    // AudioSocket tells nothing about the call but the UUID the dialplan chose.
    this.call = { callSid: uuid, streamSid: uuid, accountSid: '', from: '', to: '', direction: 'inbound', customParameters: {} };
    this.#pacer = new RealTimePacer(clock, {
      frame: (mulaw) => this.#write(encodeMessage(KIND_AUDIO_SLIN, mulawToSlin(mulaw))),
      played,
    });
  }

  /** Only what the socket could not send yet: the pacer's queue is the agent's reply waiting its turn, not a stall. */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  play(audio: Buffer, checkpoint?: string): void {
    if (!this.#open) return;
    this.#pacer.audio(audio);
    if (checkpoint !== undefined) this.#pacer.checkpoint(checkpoint);
  }

  checkpoint(name: string): void {
    if (this.#open) this.#pacer.checkpoint(name);
  }

  clear(): void {
    this.#pacer.clear();
  }

  /** The hang-up: Asterisk's AudioSocket() returns and its dialplan goes on (normally to Hangup()). */
  close(_reason: string): void {
    this.#pacer.clear();
    hangUp(this.#socket, this.#peerEnded);
    this.#released();
  }

  /** Asterisk closed its side: nothing more is sent. */
  peerEnded(): void {
    this.#peerEnded = true;
    this.#pacer.clear();
  }

  /** The socket is gone: nothing more is sent. */
  closed(): void {
    this.#pacer.clear();
  }

  get #open(): boolean {
    return !this.#peerEnded && !this.#socket.destroyed && !this.#socket.writableEnded;
  }

  #write(message: Buffer): void {
    if (this.#open) this.#socket.write(message);
  }
}
