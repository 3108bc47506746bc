// One connection to a Voice Agent V1 endpoint (Deepgram's or the embedded engine): connect, wait for
// Welcome, send Settings, hold caller audio until SettingsApplied, then stream. The owner (a
// CallSession) receives every message through one handler object: no emitter on the audio path.
import WebSocket from 'ws';
import type { Clock } from '../domain/clock.js';
import { ByteQueue } from '../audio/byte-queue.js';
import type { Settings } from './settings.js';
import { parseServerMessage, type ClientMessage, type ServerMessage } from './messages.js';

export interface AgentEndpoint {
  url: string;
  /** e.g. `Authorization: Token <DEEPGRAM_API_KEY>` for Deepgram's hosted agent. */
  headers?: Record<string, string>;
}

export interface AgentClientOptions extends AgentEndpoint {
  settings: Settings;
  clock: Clock;
  /** Send KeepAlive when no audio has been sent for this long (V1 docs: every 8 s while silent). */
  keepAliveMs?: number;
  /** Give up if Welcome and SettingsApplied have not both arrived within this time. */
  setupTimeoutMs?: number;
  /** Caller audio held before SettingsApplied; beyond it the oldest is dropped. */
  maxPendingAudioBytes?: number;
  /** Caller audio is dropped while this much is already waiting in the socket (a stalled agent). */
  maxBufferedBytes?: number;
}

export interface AgentHandlers {
  onReady(): void;
  onMessage(message: ServerMessage): void;
  onAudio(chunk: Buffer): void;
  /** A text frame that is not a message this client understands (counted, never fatal). */
  onMalformed(reason: string, unknownType?: string): void;
  onAudioDropped(bytes: number, reason: 'before_settings_overflow' | 'backpressure'): void;
  onClose(reason: string, code: number): void;
}

type State = 'connecting' | 'awaiting_welcome' | 'awaiting_settings_applied' | 'ready' | 'closed';

export const KEEPALIVE_MS = 8000;
const KEEPALIVE = JSON.stringify({ type: 'KeepAlive' });

export class AgentClient {
  #state: State = 'connecting';
  readonly #ws: WebSocket;
  readonly #handlers: AgentHandlers;
  readonly #settings: Settings;
  readonly #clock: Clock;
  readonly #keepAliveMs: number;
  readonly #maxBufferedBytes: number;
  readonly #pendingAudio: ByteQueue;
  #pendingControl: string[] = [];
  #lastSendAt: number;
  #keepAliveTimer: unknown;
  #setupTimer: unknown;
  requestId: string | undefined;

  constructor(options: AgentClientOptions, handlers: AgentHandlers) {
    this.#handlers = handlers;
    this.#settings = options.settings;
    this.#clock = options.clock;
    this.#lastSendAt = options.clock.now();
    this.#keepAliveMs = options.keepAliveMs ?? KEEPALIVE_MS;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 8000 * 5;
    this.#pendingAudio = new ByteQueue({
      bytes: options.maxPendingAudioBytes ?? 8000 * 10,
      keep: 'at-most',
      onDrop: (bytes) => this.#handlers.onAudioDropped(bytes, 'before_settings_overflow'),
    });
    this.#ws = new WebSocket(options.url, {
      headers: options.headers,
      perMessageDeflate: false,
      maxPayload: 4 * 1024 * 1024,
      handshakeTimeout: options.setupTimeoutMs ?? 10_000,
    });
    this.#setupTimer = this.#clock.setTimeout(() => this.#fail('agent did not complete setup in time'), options.setupTimeoutMs ?? 10_000);
    this.#ws.on('open', () => {
      this.#state = 'awaiting_welcome';
    });
    this.#ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.#handlers.onAudio(data);
      else this.#onText(data.toString('utf8'));
    });
    this.#ws.on('error', (err) => this.#fail(`agent connection error: ${err.message}`));
    this.#ws.on('close', (code, reason) => this.#closed(reason.toString('utf8') || 'agent closed the connection', code));
  }

  get ready(): boolean {
    return this.#state === 'ready';
  }

  /**
   * Caller audio in the Settings' input format. Held until SettingsApplied (bounded), then streamed.
   * Returns false when the connection can no longer take it (closed or closing): the caller keeps it.
   */
  sendAudio(chunk: Buffer): boolean {
    if (this.#state === 'ready') {
      if (this.#ws.readyState !== WebSocket.OPEN) return false;
      if (this.#ws.bufferedAmount > this.#maxBufferedBytes) {
        this.#handlers.onAudioDropped(chunk.length, 'backpressure');
        return true;
      }
      this.#ws.send(chunk);
      this.#lastSendAt = this.#clock.now();
      return true;
    }
    if (this.#state === 'closed') return false;
    this.#pendingAudio.push(chunk);
    return true;
  }

  /** A control message; queued until SettingsApplied, as V1 requires. */
  send(message: Exclude<ClientMessage, { type: 'Settings' }>): void {
    const text = JSON.stringify(message);
    if (this.#state === 'ready') this.#ws.send(text);
    else if (this.#state !== 'closed') this.#pendingControl.push(text);
  }

  close(reason = 'call ended'): void {
    if (this.#state === 'closed') return;
    this.#stopTimers();
    this.#state = 'closed';
    const ws = this.#ws;
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(1000, reason.slice(0, 120));
      // A peer that never answers the close handshake must not keep the socket (and the call) alive.
      setTimeout(() => ws.terminate(), 2000).unref();
    } else {
      ws.terminate();
    }
  }

  #onText(text: string): void {
    const parsed = parseServerMessage(text);
    if (parsed.kind === 'unknown') return this.#handlers.onMalformed(`unknown message type "${parsed.type}"`, parsed.type);
    if (parsed.kind === 'invalid') return this.#handlers.onMalformed(parsed.reason);
    const message = parsed.message;
    if (message.type === 'Welcome' && this.#state === 'awaiting_welcome') {
      this.requestId = message.request_id;
      this.#state = 'awaiting_settings_applied';
      this.#ws.send(JSON.stringify(this.#settings));
    } else if (message.type === 'SettingsApplied' && this.#state === 'awaiting_settings_applied') {
      this.#becomeReady();
    }
    this.#handlers.onMessage(message);
  }

  #becomeReady(): void {
    this.#state = 'ready';
    this.#clock.clearTimeout(this.#setupTimer);
    this.#setupTimer = undefined;
    for (const chunk of this.#pendingAudio.take()) this.#ws.send(chunk);
    for (const text of this.#pendingControl) this.#ws.send(text);
    this.#pendingControl = [];
    this.#lastSendAt = this.#clock.now();
    this.#scheduleKeepAlive();
    this.#handlers.onReady();
  }

  /** Checks a few times per period, so a KeepAlive goes out soon after the line falls silent. */
  #scheduleKeepAlive(): void {
    this.#keepAliveTimer = this.#clock.setTimeout(() => {
      if (this.#clock.now() - this.#lastSendAt >= this.#keepAliveMs) {
        this.#ws.send(KEEPALIVE);
        this.#lastSendAt = this.#clock.now();
      }
      this.#scheduleKeepAlive();
    }, Math.min(1000, this.#keepAliveMs / 4));
  }

  #fail(reason: string): void {
    if (this.#state === 'closed') return;
    this.#closed(reason, 1006);
    this.#ws.terminate();
  }

  #closed(reason: string, code: number): void {
    const wasClosed = this.#state === 'closed';
    this.#stopTimers();
    this.#state = 'closed';
    if (!wasClosed) this.#handlers.onClose(reason, code);
  }

  #stopTimers(): void {
    this.#clock.clearTimeout(this.#setupTimer);
    this.#clock.clearTimeout(this.#keepAliveTimer);
    this.#setupTimer = undefined;
    this.#keepAliveTimer = undefined;
  }
}
