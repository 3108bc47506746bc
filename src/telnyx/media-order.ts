// Telnyx does not guarantee media order (TX-WS: "use media.chunk ... to order frames"). Frames go out
// in chunk order: one that arrives early waits for those before it, but only while at most `window`
// frames wait. A lost frame must not hold the caller's audio back, so past the window the gap is
// given up and what waits goes out; a frame arriving after its place was given up is late.

export class MediaReorder<T> {
  readonly #window: number;
  readonly #deliver: (item: T) => void;
  readonly #held = new Map<number, T>();
  /** The chunk due next; NaN until the first frame sets where the stream's counter starts. */
  #next = NaN;

  constructor(window: number, deliver: (item: T) => void) {
    this.#window = window;
    this.#deliver = deliver;
  }

  /** False when the frame is late or a duplicate: its place in the stream has passed. */
  push(chunk: number, item: T): boolean {
    // Without a usable counter, arrival order is all there is.
    if (!Number.isSafeInteger(chunk)) {
      this.#deliver(item);
      return true;
    }
    if (Number.isNaN(this.#next)) this.#next = chunk;
    if (chunk === this.#next && this.#held.size === 0) {
      this.#next++;
      this.#deliver(item);
      return true;
    }
    if (chunk < this.#next || this.#held.has(chunk)) return false;
    this.#held.set(chunk, item);
    this.#release();
    while (this.#held.size > this.#window) {
      this.#next = Math.min(...this.#held.keys());
      this.#release();
    }
    return true;
  }

  /** Delivers whatever still waits, in order (the end of the stream). */
  flush(): void {
    for (const chunk of [...this.#held.keys()].sort((a, b) => a - b)) this.#deliver(this.#held.get(chunk)!);
    this.#held.clear();
  }

  #release(): void {
    for (let item = this.#held.get(this.#next); item !== undefined; item = this.#held.get(this.#next)) {
      this.#held.delete(this.#next++);
      this.#deliver(item);
    }
  }
}
