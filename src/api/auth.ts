// Who may read call records. With ADMIN_TOKEN set: whoever presents it (Authorization: Bearer, or for
// a browser the `token` cookie or `?token=`). Without it: only this machine. A request that arrives
// through a proxy or tunnel (ngrok connects from loopback) carries forwarding headers and counts as
// remote, so an unset token never opens the records to the internet.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** Resolves to the reply when it answered (Fastify then stops), to undefined to let the request through. */
export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** A preHandler (or onRequest) hook for /api/* and the dashboard. */
export function requireAdmin(adminToken: string | undefined): AdminGuard {
  const expected = adminToken ? digest(adminToken) : undefined;
  return async (request, reply) => {
    if (expected) {
      const presented = presentedToken(request);
      // Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
      if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return undefined;
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'Unauthorized', message: presented === undefined ? 'admin token required: Authorization: Bearer <ADMIN_TOKEN>' : 'wrong admin token' });
    }
    if (isLoopbackRequest(request)) return undefined;
    return reply.code(403).send({ error: 'Forbidden', message: 'only local clients are allowed while ADMIN_TOKEN is unset' });
  };
}

function presentedToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization) {
    // Bearer for browsers and scripts; Token as Deepgram's clients send it (the embedded engine).
    const match = /^(?:Bearer|Token)\s+(.+)$/i.exec(authorization.trim());
    return match?.[1] ?? '';
  }
  const cookie = cookieValue(request.headers.cookie, 'token');
  if (cookie !== undefined) return cookie;
  const query = (request.query ?? {}) as Record<string, unknown>;
  return typeof query.token === 'string' ? query.token : undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return part.slice(eq + 1).trim();
      }
    }
  }
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The embedded engine: local clients (the bridge itself) freely, others with the admin token. */
export function engineGuard(adminToken: string | undefined): AdminGuard {
  const admin = requireAdmin(adminToken);
  return async (request, reply) => (isLoopbackRequest(request) ? undefined : admin(request, reply));
}

export function isLoopbackRequest(request: FastifyRequest): boolean {
  if (FORWARDING_HEADERS.some((h) => request.headers[h] !== undefined)) return false;
  return isLoopbackAddress(request.socket.remoteAddress);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
