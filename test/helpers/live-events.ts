// A client of the server's live feed (GET /api/live, server-sent events): every call event as it
// happens, which a simulated caller needs to know what the agent just said (the media stream carries
// audio only).
import { request, type IncomingMessage } from 'node:http';
import type { CallEvent } from '../../src/domain/call.js';

export class LiveEvents {
  readonly #events: CallEvent[] = [];
  readonly #response: IncomingMessage;
  readonly #waiters = new Set<() => void>();

  private constructor(response: IncomingMessage) {
    this.#response = response;
    let buffer = '';
    response.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        this.#events.push(JSON.parse(data.slice(6)) as CallEvent);
        for (const wake of this.#waiters) wake();
      }
    });
  }

  /** Opens the feed of the server at `base` (http://host:port). */
  static connect(base: string, adminToken?: string): Promise<LiveEvents> {
    const headers = adminToken ? { authorization: `Bearer ${adminToken}` } : undefined;
    return new Promise((resolve, reject) => {
      request(`${base}/api/live`, { headers }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`GET /api/live answered HTTP ${response.statusCode}`));
          return;
        }
        resolve(new LiveEvents(response));
      }).on('error', reject).end();
    });
  }

  /** The events of one call so far. */
  of(callSid: string): CallEvent[] {
    return this.#events.filter((e) => (e.type === 'call_started' ? e.call.callSid : e.callSid) === callSid);
  }

  /** Resolves when `condition` holds, or with false once `timeoutMs` has passed. */
  until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (met: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(met);
      };
      const check = () => condition() && done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#waiters.add(check);
    });
  }

  close(): void {
    this.#response.destroy();
  }
}
