// JSON Web Tokens the way Vonage uses them, with node:crypto alone (no JWT library is a dependency):
//  - Vonage signs its webhooks, and the media WebSocket's handshake when the NCCO asks for
//    `authorization: {type: "vonage"}`, with HS256 keyed by the account's signature secret;
//  - we sign our REST requests with RS256 and the application's private key (claims application_id,
//    iat, exp, jti, as Vonage's own SDKs send them).
import { createHmac, randomUUID, sign, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Clocks on both sides drift; a token this far in the future is still taken as issued now. */
const CLOCK_SKEW_S = 60;
/** A token older than this is stale (Vonage signs each request as it sends it). */
export const MAX_TOKEN_AGE_S = 5 * 60;
/** Our REST tokens: long enough for one request and its retries, short enough to be useless if leaked. */
const REST_TOKEN_TTL_S = 5 * 60;

export type JwtCheck = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

function base64urlJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks an HS256 token signed with `secret`: the algorithm (only HS256: never `none`, never a public
 * key used as an HMAC key), the signature in constant time, then its age (iat, and exp when present).
 */
export function verifyHs256(token: string, secret: string, nowMs: number): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonPart(headerPart);
  if (!header) return { ok: false, reason: 'unreadable JWT header' };
  if (header.alg !== 'HS256') return { ok: false, reason: `JWT algorithm ${JSON.stringify(header.alg)} is not HS256` };
  const expected = createHmac('sha256', secret).update(`${headerPart}.${payloadPart}`).digest();
  const presented = Buffer.from(signaturePart, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { ok: false, reason: 'invalid JWT signature' };
  const claims = decodeJsonPart(payloadPart);
  if (!claims) return { ok: false, reason: 'unreadable JWT claims' };
  const now = nowMs / 1000;
  if (typeof claims.iat !== 'number') return { ok: false, reason: 'JWT without an issue time (iat)' };
  if (claims.iat > now + CLOCK_SKEW_S) return { ok: false, reason: 'JWT issued in the future' };
  if (claims.iat < now - MAX_TOKEN_AGE_S - CLOCK_SKEW_S) return { ok: false, reason: 'JWT too old' };
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp < now - CLOCK_SKEW_S)) return { ok: false, reason: 'JWT expired' };
  return { ok: true, claims };
}

/** The bearer token of an Authorization header, if it holds one. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

/** An HS256 token, as Vonage signs its webhooks: for tests and the simulated caller. */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const unsigned = `${base64urlJson({ alg: 'HS256', typ: 'JWT' })}.${base64urlJson(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** The RS256 token for one request to Vonage's REST API on behalf of the application. */
export function applicationToken(applicationId: string, privateKey: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const claims = { application_id: applicationId, iat, exp: iat + REST_TOKEN_TTL_S, jti: randomUUID() };
  const unsigned = `${base64urlJson({ alg: 'RS256', typ: 'JWT' })}.${base64urlJson(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
}
