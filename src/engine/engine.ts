// The embedded engine: its parts (shared by every connection) and the sessions it serves. Hosting it
// (the Fastify route, a standalone server) is server.ts's business; this knows only sockets.
import type { WebSocket } from 'ws';
import { silentLogger, type Logger } from '../observability/log.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { DEFAULT_SESSION_OPTIONS, EngineSession, type EngineParts, type EngineSessionOptions } from './session.js';

export interface EngineOptions {
  parts: EngineParts;
  logger?: Logger;
  clock?: Clock;
  session?: Partial<EngineSessionOptions>;
  /** Releases what the parts hold (decoding threads), after the last session has closed. */
  closeParts?: () => Promise<void>;
}

export class Engine {
  readonly #sessions = new Set<EngineSession>();
  readonly #options: EngineOptions;
  readonly #sessionOptions: EngineSessionOptions;
  #closing = false;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#sessionOptions = { ...DEFAULT_SESSION_OPTIONS, ...options.session };
  }

  get activeSessions(): number {
    return this.#sessions.size;
  }

  /** Serves one V1 connection until it closes. */
  accept(socket: WebSocket): EngineSession {
    const { parts, logger = silentLogger, clock = systemClock } = this.#options;
    const session = new EngineSession(socket, { parts, clock, log: logger, options: this.#sessionOptions });
    if (this.#closing) {
      session.close('engine shutting down');
      return session;
    }
    this.#sessions.add(session);
    void session.closed.then(() => this.#sessions.delete(session));
    return session;
  }

  async close(): Promise<void> {
    this.#closing = true;
    const sessions = [...this.#sessions];
    for (const s of sessions) s.close('engine shutting down');
    await Promise.all(sessions.map((s) => s.closed));
    await this.#options.closeParts?.();
  }
}
