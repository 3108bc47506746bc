// A scripted Voice Agent V1 peer on loopback for the bridge's tests: a real WebSocket server that
// records what the bridge sends (Settings, audio bytes, control messages) and lets the test drive
// the agent's side message by message.
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

export interface AgentConnection {
  ws: WebSocket;
  headers: Record<string, string | string[] | undefined>;
  settings: Record<string, unknown> | undefined;
  /** Every JSON message from the bridge, in order (Settings included). */
  messages: Array<Record<string, unknown>>;
  audio: Buffer[];
  audioBytes: number;
  send(message: object): void;
  sendAudio(bytes: Buffer): void;
  waitFor(predicate: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  waitForAudioBytes(n: number, timeoutMs?: number): Promise<void>;
  closed: Promise<void>;
}

export interface ScriptedAgentOptions {
  /** Send SettingsApplied as soon as Settings arrive (default) or only when the test calls applySettings(). */
  autoApply?: boolean;
  welcome?: boolean;
  /** The address it listens on (default 127.0.0.1): a multi-host test's agent answers on its link. */
  host?: string;
}

export class ScriptedAgent {
  readonly wss: WebSocketServer;
  readonly connections: AgentConnection[] = [];
  #waiters: Array<(c: AgentConnection) => void> = [];

  private constructor(wss: WebSocketServer, private readonly options: ScriptedAgentOptions) {
    this.wss = wss;
    wss.on('connection', (ws, req) => this.#accept(ws, req.headers));
  }

  static async start(options: ScriptedAgentOptions = {}): Promise<ScriptedAgent> {
    const wss = new WebSocketServer({ host: options.host ?? '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    return new ScriptedAgent(wss, options);
  }

  get url(): string {
    const { address, port } = this.wss.address() as AddressInfo;
    return `ws://${address}:${port}/v1/agent/converse`;
  }

  /** The next connection from the bridge (or the n-th, counting from 0). */
  connection(index = this.connections.length): Promise<AgentConnection> {
    const existing = this.connections[index];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const check = (c: AgentConnection) => {
        if (this.connections.indexOf(c) === index) resolve(c);
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  #accept(ws: WebSocket, headers: Record<string, string | string[] | undefined>): void {
    const listeners = new Set<() => void>();
    const notify = () => listeners.forEach((l) => l());
    const conn: AgentConnection = {
      ws,
      headers,
      settings: undefined,
      messages: [],
      audio: [],
      audioBytes: 0,
      send: (m) => ws.send(JSON.stringify(m)),
      sendAudio: (b) => ws.send(b),
      waitFor: (predicate, timeoutMs = 5000) =>
        waitUntil(listeners, () => conn.messages.find(predicate), timeoutMs, 'agent message'),
      waitForAudioBytes: async (n, timeoutMs = 5000) => {
        await waitUntil(listeners, () => (conn.audioBytes >= n ? true : undefined), timeoutMs, `${n} audio bytes`);
      },
      closed: new Promise((resolve) => ws.once('close', () => resolve())),
    };
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        conn.audio.push(Buffer.from(data));
        conn.audioBytes += data.length;
      } else {
        const m = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
        conn.messages.push(m);
        if (m.type === 'Settings') {
          conn.settings = m;
          if (this.options.autoApply ?? true) conn.send({ type: 'SettingsApplied' });
        }
      }
      notify();
    });
    this.connections.push(conn);
    if (this.options.welcome ?? true) conn.send({ type: 'Welcome', request_id: `req-${this.connections.length}` });
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(conn);
  }
}

/** Resolves with the first non-undefined value of `probe`, re-checked whenever `listeners` fire. */
export function waitUntil<T>(listeners: Set<() => void>, probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const now = probe();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listeners.delete(check);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const check = () => {
      const v = probe();
      if (v === undefined) return;
      clearTimeout(timer);
      listeners.delete(check);
      resolve(v);
    };
    listeners.add(check);
  });
}
