// Is this request from Telnyx? Telnyx signs every webhook with the account's Ed25519 key:
// `telnyx-signature-ed25519` (base64, 64 bytes) over `${telnyx-timestamp}|${raw body}`, checked with the
// public key from the Mission Control portal. The raw body is what was signed, so the routes here
// keep it: a re-encoded form would not verify. node:crypto verifies Ed25519; no SDK is needed.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

const SIGNATURE_HEADER = 'telnyx-signature-ed25519';
const TIMESTAMP_HEADER = 'telnyx-timestamp';
/** Telnyx's own SDK refuses webhooks whose timestamp is further than this from now: a replay. */
export const SIGNATURE_TOLERANCE_S = 300;
const FORM = 'application/x-www-form-urlencoded';

/** A TeXML webhook as posted: the raw form (what was signed) and its fields. */
export interface WebhookBody {
  raw: string;
  fields: Record<string, string>;
}

/** The account's public key as the portal shows it: base64 of the raw 32-byte Ed25519 key. */
export function telnyxPublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new Error(`an Ed25519 public key is 32 bytes, this one is ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export function hasValidTelnyxSignature(key: KeyObject, rawBody: string, signature: unknown, timestamp: unknown, nowMs: number): boolean {
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) return false;
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64) return false;
  return verify(null, Buffer.from(`${timestamp}|${rawBody}`, 'utf8'), key, bytes);
}

/** Inside an encapsulated scope: form bodies are kept raw beside their fields (other routes keep @fastify/formbody's parser). */
export function keepRawForms(scope: FastifyInstance): void {
  scope.removeContentTypeParser(FORM);
  scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    const raw = String(body);
    done(null, { raw, fields: Object.fromEntries(new URLSearchParams(raw)) } satisfies WebhookBody);
  });
}

export function webhookBody(request: FastifyRequest): WebhookBody {
  const body = request.body as Partial<WebhookBody> | undefined;
  return body && typeof body.raw === 'string' && body.fields ? (body as WebhookBody) : { raw: '', fields: {} };
}

/** A preHandler: 403 unless Telnyx signed this body within the tolerance. Without a public key every request passes. */
export function telnyxWebhookGuard(key: KeyObject | undefined, now: () => number = Date.now) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!key) return limitUnchecked(request, reply);
    const { raw } = webhookBody(request);
    if (hasValidTelnyxSignature(key, raw, request.headers[SIGNATURE_HEADER], request.headers[TIMESTAMP_HEADER], now())) return undefined;
    request.log.warn({ url: request.url }, 'rejected a webhook without a valid Telnyx signature');
    return refuseUnsigned(request, reply, `missing, stale or invalid ${SIGNATURE_HEADER}`);
  };
}
