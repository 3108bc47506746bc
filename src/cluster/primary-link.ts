// A worker's line to the cluster primary: requests with replies (tickets, metrics), call events out to
// the other workers' dashboards, and theirs in.
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { CallEvent } from '../domain/call.js';
import type { SharedState, TicketBook } from '../domain/shared-state.js';
import { InProcessState } from '../shared/in-process.js';
import { isClusterMessage, type PrimaryOp, type ToPrimary, type ToWorker } from './messages.js';

/** A primary that has not answered in this long is gone or wedged: the request fails rather than hangs. */
const REQUEST_TIMEOUT_MS = 5_000;

interface Pending {
  resolve: (value: string | boolean) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class PrimaryLink {
  readonly #pending = new Map<number, Pending>();
  readonly #subscribers = new Set<(event: CallEvent) => void>();
  #nextId = 1;

  constructor() {
    if (!process.send) throw new Error('PrimaryLink needs an IPC channel: run as a cluster worker');
    process.on('message', (message: unknown) => {
      if (isClusterMessage<ToWorker>(message)) this.#receive(message);
    });
    process.on('disconnect', () => {
      for (const [id, pending] of this.#pending) this.#settle(id, pending, () => pending.reject(new Error('the cluster primary is gone')));
    });
  }

  /** Answers the primary's requests for this worker's metrics (prom-client's own protocol). */
  shareMetrics(registry: Registry): void {
    // Constructing one installs prom-client's worker-side listener; setRegistries says what to report.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }

  /** Every worker's metrics summed, in Prometheus text format. */
  async clusterMetrics(): Promise<string> {
    return String(await this.#request('metrics'));
  }

  /** Softphone tickets kept by the primary, so a ticket issued by one worker opens a stream on any other, once. */
  tickets(ttlMs: number): TicketBook {
    return {
      ttlMs,
      issue: async () => String(await this.#request('ticket.issue')),
      redeem: async (ticket) => (await this.#request('ticket.redeem', ticket)) === true,
    };
  }

  /**
   * The workers' shared state without REDIS_URL: tickets and the live feed through the primary. Call
   * control and the instance list stay within this worker: sharing those is what REDIS_URL is for.
   */
  sharedState(ticketTtlMs: number): SharedState {
    const own = new InProcessState();
    return {
      tickets: this.tickets(ticketTtlMs),
      start: (host) => own.start(host),
      publish: (event) => this.publish(event),
      subscribe: (fn) => this.subscribe(fn),
      replay: () => own.replay(),
      command: (callSid, command) => own.command(callSid, command),
      instances: () => own.instances(),
      close: () => own.close(),
    };
  }

  listening(url: string): void {
    this.#send({ pa: 'listening', url });
  }

  /** Hands a call event of this worker to the primary, which relays it to the other workers. */
  publish(event: CallEvent): void {
    this.#send({ pa: 'event', event });
  }

  /** Call events of the other workers. */
  subscribe(fn: (event: CallEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  #request(op: PrimaryOp, arg?: string): Promise<string | boolean> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the cluster primary did not answer ${op} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      this.#send({ pa: 'request', id, op, ...(arg === undefined ? {} : { arg }) });
    });
  }

  #receive(message: ToWorker): void {
    if (message.pa === 'event') {
      for (const fn of this.#subscribers) fn(message.event);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#settle(message.id, pending, () => (message.ok ? pending.resolve(message.value) : pending.reject(new Error(message.error))));
  }

  #settle(id: number, pending: Pending, outcome: () => void): void {
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    outcome();
  }

  #send(message: ToPrimary): void {
    // Once the primary is gone there is no one to tell; the worker is shutting down (see cli serve).
    if (process.connected) process.send!(message);
  }
}
