// Groups Twilio's 20 ms caller frames into chunks of INBOUND_CHUNK_MS before they go to the agent.
// At the default 20 ms every frame passes straight through; the seed's 400 ms is kept only so the
// two can be measured against each other.

const BYTES_PER_MS = 8;

export class InboundChunker {
  readonly #chunkBytes: number;
  #parts: Buffer[] = [];
  #bytes = 0;
  /** Arrival time of the oldest frame waiting in the current chunk. */
  #oldestAt = 0;

  constructor(chunkMs: number) {
    this.#chunkBytes = chunkMs * BYTES_PER_MS;
  }

  /** Adds a frame; returns a full chunk and the arrival time of its oldest frame, or undefined. */
  push(frame: Buffer, arrivedAt: number): { chunk: Buffer; oldestAt: number } | undefined {
    if (this.#bytes === 0) {
      if (frame.length >= this.#chunkBytes) return { chunk: frame, oldestAt: arrivedAt };
      this.#oldestAt = arrivedAt;
    }
    this.#parts.push(frame);
    this.#bytes += frame.length;
    return this.#bytes >= this.#chunkBytes ? this.flush() : undefined;
  }

  /** Whatever is waiting, e.g. at the end of the stream (the seed dropped this tail). */
  flush(): { chunk: Buffer; oldestAt: number } | undefined {
    if (this.#bytes === 0) return undefined;
    const chunk = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#bytes);
    const out = { chunk, oldestAt: this.#oldestAt };
    this.#parts = [];
    this.#bytes = 0;
    return out;
  }
}
