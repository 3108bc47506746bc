// Audio held until something can take it (a connection still setting up, a recogniser not yet listening),
// bounded by bytes: when it grows past the bound, the oldest chunks go, since the newest audio matters most.

/**
 * What the bound means:
 * - 'at-most': never more than `bytes` held; a single chunk bigger than that is dropped too.
 * - 'at-most-and-newest': never more than `bytes`, except that the newest chunk is always kept.
 * - 'at-least': the fewest newest chunks that together reach `bytes` (a look-back of at least that much).
 */
export type ByteQueueBound = 'at-most' | 'at-most-and-newest' | 'at-least';

export interface ByteQueueOptions {
  bytes: number;
  keep: ByteQueueBound;
  /** Told the size of each chunk dropped, oldest first, so the owner can count the loss. */
  onDrop?(bytes: number): void;
}

export class ByteQueue<Chunk extends ArrayBufferView = Buffer> implements Iterable<Chunk> {
  readonly #options: ByteQueueOptions;
  #chunks: Chunk[] = [];
  #bytes = 0;

  constructor(options: ByteQueueOptions) {
    this.#options = options;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  push(chunk: Chunk): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    while (this.#oldestMustGo()) {
      const dropped = this.#chunks.shift()!;
      this.#bytes -= dropped.byteLength;
      this.#options.onDrop?.(dropped.byteLength);
    }
  }

  /** Removes and returns everything held, oldest first. */
  take(): Chunk[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    return chunks;
  }

  clear(): void {
    this.take();
  }

  /** What is held, oldest first, without removing it. */
  [Symbol.iterator](): Iterator<Chunk> {
    return this.#chunks[Symbol.iterator]();
  }

  #oldestMustGo(): boolean {
    const { bytes, keep } = this.#options;
    const count = this.#chunks.length;
    switch (keep) {
      case 'at-most':
        return count > 0 && this.#bytes > bytes;
      case 'at-most-and-newest':
        return count > 1 && this.#bytes > bytes;
      case 'at-least':
        return count > 1 && this.#bytes - this.#chunks[0]!.byteLength >= bytes;
    }
  }
}
