// Rate limits that never refuse the carrier. A carrier's webhooks and media stream upgrades come from a
// few busy edge addresses: counting them would answer 429 to real calls in a burst. So a request that a
// carrier credential vouches for (a valid signature, a stream token, a softphone ticket) is never
// counted; one that fails its check, or arrives while the carrier's checks are off, is, per client
// address and route. The counter itself is the server's (@fastify/rate-limit, in Redis with REDIS_URL,
// so every instance counts together); carriers only say which requests it applies to.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface UnsignedRequestCount {
  exceeded: boolean;
  /** Seconds until the client's window ends. */
  retryAfterS: number;
  /** The limit, in words, for the refusal's message. */
  limit: string;
}

/** Counts one request no credential vouches for. */
export type UnsignedRequestCounter = (request: FastifyRequest) => Promise<UnsignedRequestCount>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by the server; a bare Fastify app (a carrier's unit test) limits nothing. */
    unsignedRequests?: UnsignedRequestCounter;
  }
}

/** A request that failed its carrier's check: counted, then 429 when its client is over the limit, else 403 with why. */
export async function refuseUnsigned(request: FastifyRequest, reply: FastifyReply, message: string): Promise<FastifyReply> {
  if (await overLimit(request, reply)) return reply;
  return reply.code(403).send({ error: 'Forbidden', message });
}

/** A request let through unchecked (the carrier's checks are off): counted, and 429 when its client is over the limit. */
export async function limitUnchecked(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  return (await overLimit(request, reply)) ? reply : undefined;
}

async function overLimit(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const count = await request.server.unsignedRequests?.(request);
  if (!count?.exceeded) return false;
  reply
    .code(429)
    .header('retry-after', String(count.retryAfterS))
    .send({ error: 'Too Many Requests', message: `rate limit for requests without a valid carrier signature: ${count.limit}` });
  return true;
}
