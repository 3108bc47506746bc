// Is this request from Vonage? With VONAGE_SIGNATURE_SECRET set, every webhook (the answer and the
// events) must carry `Authorization: Bearer <JWT>`, HS256 with the account's signature secret, fresh,
// and, when it has a `payload_hash` claim, bound to this very request: the SHA-256 (hex) of the JSON
// body for a POST, or of the query parameters as a compact JSON object, in their order, for a GET
// (Vonage's recipe). The media WebSocket's handshake carries the same JWT (the NCCO asks for
// `authorization: {type: "vonage"}`); it has no body to bind, so only the token itself is checked.
// Without a secret there is nothing to verify against: every check passes (a warning at startup).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, verifyHs256, type JwtCheck } from './jwt.js';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

/** The exact bytes of each JSON body, for payload_hash: re-serializing a parsed body may not reproduce them. */
const rawBodies = new WeakMap<FastifyRequest, string>();

/**
 * Parses JSON bodies in `scope` (and only there: Fastify's parsers are per plugin) while keeping
 * their text for the payload check.
 */
export function keepRawJsonBodies(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    rawBodies.set(request, text);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('the body is not valid JSON') as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What `payload_hash` may rightly be for this request. */
function payloadHashes(request: FastifyRequest): string[] {
  if (request.method === 'GET') {
    const query = request.url.indexOf('?');
    const params = new URLSearchParams(query >= 0 ? request.url.slice(query + 1) : '');
    return [sha256Hex(JSON.stringify(Object.fromEntries(params)))];
  }
  const raw = rawBodies.get(request);
  const compact = JSON.stringify(request.body ?? {});
  return raw === undefined || raw === compact ? [sha256Hex(compact)] : [sha256Hex(raw), sha256Hex(compact)];
}

/** The verdict on a request's bearer token (no payload check: for the WebSocket handshake). */
export function checkVonageToken(request: FastifyRequest, secret: string, now: number): JwtCheck {
  const token = bearerToken(request.headers.authorization);
  if (!token) return { ok: false, reason: 'missing Authorization: Bearer <Vonage JWT>' };
  return verifyHs256(token, secret, now);
}

/** Why a webhook is refused, or undefined when Vonage signed it for this payload. */
export function webhookRefusal(request: FastifyRequest, secret: string, now: number): string | undefined {
  const check = checkVonageToken(request, secret, now);
  if (!check.ok) return check.reason;
  const claimed = check.claims.payload_hash;
  if (claimed === undefined) return undefined;
  if (typeof claimed !== 'string' || !payloadHashes(request).includes(claimed.toLowerCase())) return 'the JWT payload_hash does not match the request';
  return undefined;
}

/** A preHandler for Vonage's webhooks: 403 unless signed as above. */
export function vonageWebhookGuard(secret: string | undefined, now: () => number = Date.now) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!secret) return limitUnchecked(request, reply);
    const refusal = webhookRefusal(request, secret, now());
    if (!refusal) return undefined;
    request.log.warn({ url: request.url, refusal }, 'rejected a webhook without a valid Vonage signature');
    return refuseUnsigned(request, reply, refusal);
  };
}
