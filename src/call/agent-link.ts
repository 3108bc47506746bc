// A call's link to its voice agent, kept up for the whole call: one V1 connection at a time, replaced
// when it is lost (network drop, an agent Error) or before it reaches its age limit (Deepgram closes
// sessions at 2 hours). A replacement gets the same Settings minus the greeting plus the conversation
// so far (agent.context.messages), and the caller audio that arrived in the gap. After a bounded
// number of failed attempts the link gives up and says so.
import type { Logger } from '../observability/log.js';
import type { Clock } from '../domain/clock.js';
import type { HistoryItem, Settings } from '../agent/settings.js';
import { AgentClient, type AgentEndpoint } from '../agent/client.js';
import { ByteQueue } from '../audio/byte-queue.js';
import type { ClientMessage, ServerMessage } from '../agent/messages.js';

export const DEFAULT_RECONNECT_DELAYS_MS = [0, 250, 750] as const;
/** Deepgram's cap is 2 hours; rotate with a margin so a long reply never runs into it. */
export const DEFAULT_AGENT_SESSION_MAX_MS = (2 * 60 - 5) * 60 * 1000;
/** How much conversation a replacement connection is given back. */
const MAX_HISTORY_ITEMS = 100;
/** Caller audio kept while no connection can take it: 10 s of mu-law; beyond it the oldest is dropped. */
const MAX_GAP_AUDIO_BYTES = 80_000;
/** A replacement must come up fast: the caller is waiting. */
const RECONNECT_SETUP_TIMEOUT_MS = 3000;

export interface AgentLinkOptions {
  endpoint: AgentEndpoint;
  settings: Settings;
  log: Logger;
  clock: Clock;
  keepAliveMs?: number;
  /** One reconnection attempt per delay (ms), then give up. */
  reconnectDelaysMs?: readonly number[];
  /** Replace the connection, at a quiet moment, once it is this old. */
  sessionMaxMs?: number;
  /** The conversation so far, when this link continues an earlier one: its first connection starts from it, without the greeting. */
  history?: readonly HistoryItem[];
}

export type DroppedAudioReason = 'before_settings_overflow' | 'backpressure' | 'agent_gap_overflow';

export interface AgentLinkHandlers {
  onMessage(message: ServerMessage): void;
  onAudio(chunk: Buffer): void;
  onMalformed(reason: string, unknownType?: string): void;
  onAudioDropped(bytes: number, reason: DroppedAudioReason): void;
  /** The connection was lost; a replacement is on its way. */
  onLost(reason: string, attempt: number): void;
  onReconnected(gapMs: number, attempt: number, reason: string): void;
  /** Every attempt failed; nothing more will be tried. `connections`: how many were tried in a row. */
  onGaveUp(reason: string, connections: number): void;
  /** Whether now is a moment nobody would notice a replacement (nobody speaking, nothing left to play). */
  isQuiet(): boolean;
}

export class AgentLink {
  readonly #opts: AgentLinkOptions;
  readonly #handlers: AgentLinkHandlers;
  #client: AgentClient;
  #everReady = false;
  #closed = false;
  readonly #history: HistoryItem[] = [];
  #reconnect: { since: number; attempt: number; reason: string } | undefined;
  #reconnectTimer: unknown;
  #rotateTimer: unknown;
  #rotateDue = false;
  readonly #gapAudio: ByteQueue;

  constructor(options: AgentLinkOptions, handlers: AgentLinkHandlers) {
    this.#opts = options;
    this.#handlers = handlers;
    this.#gapAudio = new ByteQueue({
      bytes: MAX_GAP_AUDIO_BYTES,
      keep: 'at-most',
      onDrop: (bytes) => handlers.onAudioDropped(bytes, 'agent_gap_overflow'),
    });
    this.#history.push(...(options.history ?? []));
    this.#client = this.#connect(options.history ? this.#continuedSettings() : options.settings);
  }

  /** The conversation so far, as a replacement connection would be given it. */
  get history(): readonly HistoryItem[] {
    return this.#history;
  }

  /** Whether any connection of this link ever completed its setup. */
  get everReady(): boolean {
    return this.#everReady;
  }

  /** Caller audio: sent, held by a connection still setting up, or kept for the next one. Returns true when sent or held. */
  sendAudio(chunk: Buffer): boolean {
    if (this.#client.sendAudio(chunk)) return true;
    this.#gapAudio.push(chunk);
    return false;
  }

  send(message: Exclude<ClientMessage, { type: 'Settings' }>): void {
    this.#client.send(message);
  }

  /** Part of the conversation, for a replacement connection. */
  remember(item: HistoryItem): void {
    this.#history.push(item);
    if (this.#history.length > MAX_HISTORY_ITEMS) this.#history.shift();
  }

  /** The agent reported a fatal error: this connection is done, start over with a new one. */
  replace(reason: string): void {
    const failed = this.#client;
    this.#lost(reason);
    failed.close(reason);
  }

  /** Call at moments that may be quiet: a connection due for replacement is replaced then. */
  maybeRotate(): void {
    if (!this.#rotateDue || this.#closed || this.#reconnect || !this.#handlers.isQuiet()) return;
    this.#rotateDue = false;
    const old = this.#client;
    this.#reconnect = { since: this.#opts.clock.now(), attempt: 1, reason: 'agent session age limit' };
    this.#client = this.#connect(this.#resumeSettings());
    old.close('replaced before the session age limit');
  }

  close(reason: string): void {
    this.#closed = true;
    this.#opts.clock.clearTimeout(this.#reconnectTimer);
    this.#opts.clock.clearTimeout(this.#rotateTimer);
    this.#client.close(reason);
  }

  /** Opens a connection whose events count only while it is the link's current one. */
  #connect(settings: Settings): AgentClient {
    const client: AgentClient = new AgentClient(
      {
        ...this.#opts.endpoint,
        settings,
        clock: this.#opts.clock,
        keepAliveMs: this.#opts.keepAliveMs,
        setupTimeoutMs: this.#everReady ? RECONNECT_SETUP_TIMEOUT_MS : undefined,
      },
      {
        onReady: () => client === this.#client && this.#ready(client),
        onMessage: (m) => client === this.#client && this.#handlers.onMessage(m),
        onAudio: (chunk) => client === this.#client && this.#handlers.onAudio(chunk),
        onMalformed: (reason, unknownType) => this.#handlers.onMalformed(reason, unknownType),
        onAudioDropped: (bytes, reason) => this.#handlers.onAudioDropped(bytes, reason),
        onClose: (reason) => client === this.#client && this.#lost(reason),
      },
    );
    return client;
  }

  #ready(client: AgentClient): void {
    this.#everReady = true;
    this.#opts.log.debug({ requestId: client.requestId }, 'agent ready');
    if (this.#reconnect) {
      const { since, attempt, reason } = this.#reconnect;
      this.#reconnect = undefined;
      this.#handlers.onReconnected(Math.round(this.#opts.clock.now() - since), attempt, reason);
    }
    this.#opts.clock.clearTimeout(this.#rotateTimer);
    this.#rotateDue = false;
    this.#rotateTimer = this.#opts.clock.setTimeout(() => {
      this.#rotateDue = true;
      this.maybeRotate();
    }, this.#opts.sessionMaxMs ?? DEFAULT_AGENT_SESSION_MAX_MS);
  }

  #lost(reason: string): void {
    if (this.#closed) return;
    const delays = this.#opts.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS;
    const attempt = (this.#reconnect?.attempt ?? 0) + 1;
    this.#reconnect = { since: this.#reconnect?.since ?? this.#opts.clock.now(), attempt, reason };
    if (attempt > delays.length) {
      this.#closed = true;
      this.#handlers.onGaveUp(reason, attempt);
      return;
    }
    this.#handlers.onLost(reason, attempt);
    this.#reconnectTimer = this.#opts.clock.setTimeout(() => {
      if (this.#closed) return;
      this.#client = this.#connect(this.#resumeSettings());
      for (const chunk of this.#gapAudio.take()) this.#client.sendAudio(chunk);
    }, delays[attempt - 1] ?? 0);
  }

  #resumeSettings(): Settings {
    return this.#everReady || this.#opts.history ? this.#continuedSettings() : this.#opts.settings;
  }

  /** The same Settings, minus the greeting, plus the conversation so far. */
  #continuedSettings(): Settings {
    const { greeting: _greeting, ...agent } = this.#opts.settings.agent;
    return { ...this.#opts.settings, agent: { ...agent, context: { messages: [...this.#history] } } };
  }
}
