// A carrier's playout buffer, as the simulated callers model it: agent audio plays in real time (or
// at once), each acknowledgement (Twilio's mark, Plivo's checkpoint, ...) is reported when everything
// before it has played, and a clear drops what is buffered and hands back the acknowledgements still
// pending, which the carrier then reports at once.

type Item = { kind: 'audio'; bytes: Buffer } | { kind: 'ack'; name: string };

const BYTES_PER_MS = 8; // mu-law, 8 kHz
const TICK_MS = 20;

export interface PlayoutEvents {
  played(audio: Buffer): void;
  /** Everything before this acknowledgement has played. */
  acknowledged(name: string): void;
}

export class PlayoutBuffer {
  readonly #events: PlayoutEvents;
  readonly #realtime: boolean;
  #queue: Item[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Where real-time playout stands, in performance.now() ms. */
  #clock = 0;

  constructor(events: PlayoutEvents, options: { realtime: boolean }) {
    this.#events = events;
    this.#realtime = options.realtime;
  }

  /** Agent audio received but not yet played, in ms. */
  get bufferedMs(): number {
    return this.#queuedBytes / BYTES_PER_MS;
  }

  audio(bytes: Buffer): void {
    this.#queuedBytes += bytes.length;
    this.#enqueue({ kind: 'audio', bytes });
  }

  acknowledgement(name: string): void {
    this.#enqueue({ kind: 'ack', name });
  }

  /** Drops what is buffered; returns the acknowledgements that were still waiting, in order. */
  clear(): string[] {
    const pending = this.#queue.flatMap((i) => (i.kind === 'ack' ? [i.name] : []));
    this.#queue = [];
    this.#queuedBytes = 0;
    return pending;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #enqueue(item: Item): void {
    this.#queue.push(item);
    if (!this.#realtime) {
      this.#drain(Number.POSITIVE_INFINITY);
      return;
    }
    if (!this.#timer) {
      this.#clock = performance.now();
      this.#drain(0);
      this.#timer = setInterval(() => this.#tick(), TICK_MS);
    }
  }

  #tick(): void {
    const budget = Math.floor((performance.now() - this.#clock) * BYTES_PER_MS);
    if (budget <= 0) return;
    this.#clock += this.#drain(budget) / BYTES_PER_MS;
    if (this.#queue.length === 0) this.stop();
  }

  /** Plays up to `budget` bytes; acknowledgements at the head are reported as soon as everything before them has played. */
  #drain(budget: number): number {
    let played = 0;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.kind === 'ack') {
        this.#queue.shift();
        this.#events.acknowledged(head.name);
        continue;
      }
      if (played >= budget) break;
      const take = Math.min(head.bytes.length, budget - played);
      const piece = head.bytes.subarray(0, take);
      if (take === head.bytes.length) this.#queue.shift();
      else head.bytes = head.bytes.subarray(take);
      this.#queuedBytes -= take;
      played += take;
      this.#events.played(piece);
    }
    return played;
  }
}
