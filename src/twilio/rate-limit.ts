// A per-client token bucket for the routes anyone on the internet can hit before any credential is
// checked (/incoming-call, the /media-stream upgrade). Memory is bounded: past maxClients the least
// recently seen client is forgotten, which at worst hands it a fresh bucket.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface RateLimit {
  /** Requests a client may make at once. */
  burst: number;
  /** Sustained requests per second. */
  perSecond: number;
  maxClients?: number;
}


interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxClients: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#maxClients = limit.maxClients ?? 10_000;
  }

  /** Takes one token from `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    // Re-inserting keeps the Map in least-recently-seen order for eviction.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get clients(): number {
    return this.#buckets.size;
  }

  /** An onRequest hook answering 429 to a client whose bucket is empty. */
  hook() {
    return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      if (this.take(request.ip)) return undefined;
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(1 / this.limit.perSecond)))
        .send({ error: 'Too Many Requests', message: `rate limit: ${this.limit.burst} requests at once, then ${this.limit.perSecond} per second` });
    };
  }
}
