// Latency samples in a growable typed array: millions of them per run, cheap to append, cheap to
// hand to another thread (the buffer is transferred, not copied), exact percentiles at the end.

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

export class LatencySamples {
  #values = new Float64Array(4096);
  #count = 0;

  add(ms: number): void {
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** The samples so far, trimmed, ready to post to another thread. */
  take(): Float64Array {
    const out = this.#values.slice(0, this.#count);
    this.#count = 0;
    return out;
  }
}

/** Exact percentiles (nearest rank) of samples gathered from several threads. */
export function percentiles(parts: Float64Array[]): Percentiles {
  const count = parts.reduce((n, p) => n + p.length, 0);
  const all = new Float64Array(count);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  all.sort();
  const rank = (q: number) => (count === 0 ? 0 : all[Math.min(count - 1, Math.ceil(q * count) - 1)]!);
  return { p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: count === 0 ? 0 : all[count - 1]!, count };
}

/** Per-call order and completeness of a frame stream: frames must arrive once each, in order. */
export class SequenceTracker {
  readonly #next = new Map<number, number>();
  received = 0;
  /** Frames that were not the one expected next on their call: a gap (loss) or a reordering. */
  breaks = 0;

  see(call: number, seq: number): void {
    this.received++;
    const expected = this.#next.get(call) ?? 0;
    if (seq !== expected) this.breaks++;
    this.#next.set(call, seq + 1);
  }
}
