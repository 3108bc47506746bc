// Writes what calls produce to the store without ever making a call wait for the database.
//
// The bus callback only appends to an in-memory queue. Batches go to the store every flushIntervalMs
// (or sooner, once batchSize events are waiting), one batch at a time and in order, each batch in one
// transaction. A crash therefore loses at most one flush interval plus the batch being written.
//
// Limits: at most maxQueue events wait. When the store falls that far behind (a database outage),
// new events are dropped and counted (phone_agent_store_events_dropped_total{reason="queue_full"}):
// the calls themselves go on, and what is already queued keeps its order. A batch that fails is
// retried with doubling delays; after maxAttempts it is dropped and counted (reason="write_failed"),
// so one poisonous batch cannot stall recording forever.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallEvent } from '../domain/call.js';
import { silentLogger, type Logger } from '../observability/log.js';
import type { Metrics } from '../observability/metrics.js';
import type { CallTracing } from '../observability/call-tracing.js';
import type { CallStore } from './types.js';

export interface CallRecorderOptions {
  /** Default 250 ms. */
  flushIntervalMs?: number;
  /** Events per transaction; reaching it triggers a flush. Default 200. */
  batchSize?: number;
  /** Default 20 000 events (a few minutes of many busy calls). */
  maxQueue?: number;
  /** Tries per batch, the first included. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry, doubled for each next one. Default 250 ms. */
  retryDelayMs?: number;
  metrics?: Metrics;
  logger?: Logger;
  /** A span per batch, when traces are on. */
  tracing?: Pick<CallTracing, 'storeBatch'>;
}

interface EventSource {
  subscribe(fn: (event: CallEvent) => void): () => void;
}

export class CallRecorder {
  readonly #store: Pick<CallStore, 'recordEvents'>;
  readonly #options: Required<Omit<CallRecorderOptions, 'metrics' | 'logger' | 'tracing'>>;
  readonly #metrics: Metrics | undefined;
  readonly #logger: Logger;
  readonly #tracing: Pick<CallTracing, 'storeBatch'> | undefined;
  readonly #queue: CallEvent[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  #draining: Promise<void> | undefined;
  #inFlight = 0;
  #flushScheduled = false;
  #overflowing = false;

  constructor(store: Pick<CallStore, 'recordEvents'>, source: EventSource, options: CallRecorderOptions = {}) {
    this.#store = store;
    this.#options = {
      flushIntervalMs: options.flushIntervalMs ?? 250,
      batchSize: options.batchSize ?? 200,
      maxQueue: options.maxQueue ?? 20_000,
      maxAttempts: options.maxAttempts ?? 5,
      retryDelayMs: options.retryDelayMs ?? 250,
    };
    this.#metrics = options.metrics;
    this.#logger = options.logger ?? silentLogger;
    this.#tracing = options.tracing;
    this.#timer = setInterval(() => this.#kick(), this.#options.flushIntervalMs);
    this.#timer.unref();
    this.#unsubscribe = source.subscribe((event) => this.#accept(event));
  }

  /** Events received but not yet written (the batch being written included). */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Resolves once everything received so far has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#draining) {
      this.#kick();
      await this.#draining;
    }
  }

  /** Stops listening and writes everything still queued: a clean shutdown loses nothing. */
  async close(): Promise<void> {
    this.#unsubscribe();
    clearInterval(this.#timer);
    await this.flush();
  }

  #accept(event: CallEvent): void {
    if (this.#queue.length >= this.#options.maxQueue) {
      this.#metrics?.storeEventsDropped('queue_full');
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#logger.error({ maxQueue: this.#options.maxQueue }, 'store is not keeping up: dropping call events until the queue drains');
      }
      return;
    }
    this.#overflowing = false;
    this.#queue.push(event);
    if (this.#queue.length >= this.#options.batchSize && !this.#flushScheduled) {
      // Not now: the emitter is on the audio path, and a SQLite write runs synchronously.
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#kick();
      });
    }
  }

  #kick(): void {
    if (this.#draining || this.#queue.length === 0) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.batchSize);
      this.#inFlight = batch.length;
      await this.#write(batch);
      this.#inFlight = 0;
    }
  }

  async #write(batch: CallEvent[]): Promise<void> {
    const { maxAttempts, retryDelayMs } = this.#options;
    const traced = this.#tracing?.storeBatch(batch);
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await this.#store.recordEvents(batch);
        this.#metrics?.storeWrite((performance.now() - started) / 1000);
        traced?.({ ok: true, attempts: attempt });
        return;
      } catch (err) {
        if (attempt >= maxAttempts) {
          this.#metrics?.storeEventsDropped('write_failed', batch.length);
          this.#logger.error({ err, events: batch.length, attempts: attempt }, 'giving up on a batch of call events');
          traced?.({ ok: false, attempts: attempt });
          return;
        }
        this.#logger.warn({ err, events: batch.length, attempt }, 'writing call events failed; retrying');
        await sleep(retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }
}
