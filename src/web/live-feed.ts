// Call events pushed to dashboards as server-sent events. The bus callback serialises an event once and
// hands it to each client's socket buffer, so it never waits on a browser. Each buffer is bounded: a
// client that cannot keep up (a stalled tab, a slow link) is disconnected, and its EventSource
// reconnects and starts from the current state instead of a backlog.
//
// A dashboard that opens mid-call needs what that call has said so far: the feed keeps the events of
// calls in progress (bounded per call) and replays them to every new client before the live events.
import type { ServerResponse } from 'node:http';
import type { CallEvent } from '../domain/call.js';
import type { Logger } from '../observability/log.js';

export interface LiveFeedLimits {
  /** Bytes a client may have waiting in its socket buffer before it is dropped. */
  maxClientBufferBytes: number;
  /** Events kept per call in progress, for replay; the oldest are forgotten beyond this. */
  maxEventsPerCall: number;
  maxClients: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
}

export const DEFAULT_LIVE_FEED_LIMITS: LiveFeedLimits = {
  maxClientBufferBytes: 256 * 1024,
  maxEventsPerCall: 2_000,
  maxClients: 50,
  heartbeatMs: 15_000,
};

interface EventSourceLike {
  subscribe(fn: (event: CallEvent) => void): () => void;
}

export class LiveFeed {
  readonly #limits: LiveFeedLimits;
  readonly #logger: Logger;
  readonly #clients = new Set<ServerResponse>();
  /** Serialised events of each call in progress, call_started first. */
  readonly #inProgress = new Map<string, string[]>();
  readonly #unsubscribe: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  #dropped = 0;

  constructor(source: EventSourceLike, logger: Logger, limits: Partial<LiveFeedLimits> = {}) {
    this.#limits = { ...DEFAULT_LIVE_FEED_LIMITS, ...limits };
    this.#logger = logger;
    this.#unsubscribe = source.subscribe((event) => this.#publish(event));
    this.#heartbeat = setInterval(() => this.#broadcast(': keep-alive\n\n'), this.#limits.heartbeatMs);
    this.#heartbeat.unref();
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Clients disconnected because they could not keep up. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Streams to `response` until it closes; false (and nothing written) when the feed is full. `elsewhere`:
   * what other instances' calls in progress have produced so far, replayed too unless this feed knows them already.
   */
  attach(response: ServerResponse, elsewhere: readonly CallEvent[][] = []): boolean {
    if (this.#clients.size >= this.#limits.maxClients) return false;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    this.#clients.add(response);
    response.on('close', () => this.#clients.delete(response));
    this.#write(response, 'retry: 2000\n\n');
    for (const events of this.#inProgress.values()) for (const message of events) this.#write(response, message);
    for (const events of elsewhere) {
      const first = events[0];
      if (first?.type !== 'call_started' || this.#inProgress.has(first.call.callSid)) continue;
      for (const event of events) this.#write(response, `data: ${JSON.stringify(event)}\n\n`);
    }
    return true;
  }

  /** Ends every stream (the server is closing) and stops listening to the bus. */
  close(): void {
    this.#unsubscribe();
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #publish(event: CallEvent): void {
    const message = `data: ${JSON.stringify(event)}\n\n`;
    const callSid = event.type === 'call_started' ? event.call.callSid : event.callSid;
    if (event.type === 'call_started') this.#inProgress.set(callSid, [message]);
    else if (event.type === 'call_ended') this.#inProgress.delete(callSid);
    else {
      const events = this.#inProgress.get(callSid);
      if (events) {
        events.push(message);
        // Keep call_started: without it a replayed call has no metadata.
        if (events.length > this.#limits.maxEventsPerCall) events.splice(1, 1);
      }
    }
    this.#broadcast(message);
  }

  #broadcast(message: string): void {
    for (const client of this.#clients) this.#write(client, message);
  }

  #write(client: ServerResponse, message: string): void {
    if (client.writableLength + message.length > this.#limits.maxClientBufferBytes) {
      this.#dropped++;
      this.#clients.delete(client);
      this.#logger.warn({ buffered: client.writableLength, dropped: this.#dropped }, 'live feed: dropped a client that could not keep up');
      client.destroy();
      return;
    }
    client.write(message);
  }
}
