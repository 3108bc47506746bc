// A Voice Agent V1 client for tests: connects with ws, records every JSON message and every audio byte
// in arrival order, and waits for what a test expects next.
import WebSocket from 'ws';

export type V1Message = { type: string } & Record<string, unknown>;

/** One entry per frame received: a JSON message or the size of an audio frame, with its arrival time (performance.now()). */
export type V1Event = ({ message: V1Message } | { audioBytes: number }) & { at: number };

export class V1TestClient {
  readonly events: V1Event[] = [];
  readonly audio: Buffer[] = [];
  audioBytes = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  #listeners = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.audio.push(data);
        this.audioBytes += data.length;
        this.events.push({ audioBytes: data.length, at: performance.now() });
      } else {
        this.events.push({ message: JSON.parse(data.toString('utf8')) as V1Message, at: performance.now() });
      }
      for (const l of this.#listeners) l();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const l of this.#listeners) l();
      }),
    );
  }

  static async connect(url: string): Promise<V1TestClient> {
    const ws = new WebSocket(url);
    const client = new V1TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  get messages(): V1Message[] {
    return this.events.flatMap((e) => ('message' in e ? [e.message] : []));
  }

  ofType(type: string): V1Message[] {
    return this.messages.filter((m) => m.type === type);
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  sendAudio(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  /**
   * Sends audio the way a phone line delivers it: one frame every `frameMs`, on a schedule that does
   * not drift. Resolves with performance.now() at the start of the stream.
   */
  async streamRealtime(bytes: Uint8Array, frameBytes = 160, frameMs = 20): Promise<number> {
    const start = performance.now();
    for (let i = 0, n = 0; i < bytes.length; i += frameBytes, n++) {
      const due = start + n * frameMs - performance.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      if (this.ws.readyState !== WebSocket.OPEN) break;
      this.sendAudio(bytes.subarray(i, i + frameBytes));
    }
    return start;
  }

  /** Arrival time of the first audio frame received after `since` (performance.now() scale). */
  firstAudioAfter(since: number): number | undefined {
    return this.events.find((e) => 'audioBytes' in e && e.at >= since)?.at;
  }

  /** The first message (from index `from` on) matching; waits for it. */
  waitFor(predicate: (m: V1Message) => boolean, timeoutMs = 15_000, from = 0): Promise<V1Message> {
    return this.#waitUntil(() => this.messages.slice(from).find(predicate), timeoutMs, 'a matching message');
  }

  waitForType(type: string, timeoutMs = 15_000, from = 0): Promise<V1Message> {
    return this.waitFor((m) => m.type === type, timeoutMs, from);
  }

  waitForAudioBytes(n: number, timeoutMs = 15_000): Promise<number> {
    return this.#waitUntil(() => (this.audioBytes >= n ? this.audioBytes : undefined), timeoutMs, `${n} audio bytes`);
  }

  waitForClose(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    return withTimeout(this.closed, timeoutMs, 'the socket to close');
  }

  /** Audio bytes received after the first message matching `predicate` (all of them if none). */
  audioBytesAfter(predicate: (m: V1Message) => boolean): number {
    const at = this.events.findIndex((e) => 'message' in e && predicate(e.message));
    return this.events.slice(at + 1).reduce((sum, e) => sum + ('audioBytes' in e ? e.audioBytes : 0), 0);
  }

  close(): void {
    this.ws.close();
  }

  #waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`connection closed while waiting for ${what}; received ${this.#summary()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; received ${this.#summary()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
    });
  }

  #summary(): string {
    return JSON.stringify(this.messages.map((m) => (m.type === 'ConversationText' || m.type === 'Error' ? m : m.type)));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]);
}
