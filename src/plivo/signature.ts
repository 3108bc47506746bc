// Is this request from Plivo? X-Plivo-Signature-V3 is base64(HMAC-SHA256(auth token, base + "." +
// nonce)), the nonce in X-Plivo-Signature-V3-Nonce, where the base is (plivo-node validateV3Signature):
//   GET:  scheme://host[:port]/path, then "?" and the query's k=v pairs sorted, joined by "&", if any;
//   POST: scheme://host[:port]/path + "?" (when there is a query or a posted field) + the sorted query
//         (+ "." when both exist) + every posted field as name+value, sorted, with no separators.
// The header may hold several comma-separated signatures (one per active auth token): any may match.
// The stream's WebSocket handshake is signed the same way as a GET. The URL is the public one Plivo
// was given, rebuilt from PUBLIC_URL or the forwarded host, as for any carrier behind a proxy.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

export const SIGNATURE_HEADER = 'x-plivo-signature-v3';
export const NONCE_HEADER = 'x-plivo-signature-v3-nonce';

type Params = Record<string, unknown>;

/** Where Plivo reaches this server: PUBLIC_URL, else https on the (forwarded) host name. */
export function publicBaseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `https://${request.hostname}`;
}

/** The URL Plivo signed for a webhook: the public base plus the path and query it requested. */
export function webhookUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ? `${publicUrl}${request.url}` : `${request.protocol}://${request.host}${request.url}`;
}

function values(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(String).sort();
}

function sortedQuery(search: URLSearchParams): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of search) byName.set(name, [...(byName.get(name) ?? []), value]);
  return [...byName.keys()]
    .sort()
    .flatMap((name) => values(byName.get(name)).map((v) => `${name}=${v}`))
    .join('&');
}

export function signatureBase(method: 'GET' | 'POST', url: string, params: Params = {}): string {
  const parsed = new URL(url);
  const query = sortedQuery(parsed.searchParams);
  let base = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (method === 'GET') return query ? `${base}?${query}` : base;
  const names = Object.keys(params).sort();
  if (query || names.length > 0) base += `?${query}`;
  if (query && names.length > 0) base += '.';
  return base + names.flatMap((name) => values(params[name]).map((v) => `${name}${v}`)).join('');
}

export function plivoSignature(authToken: string, method: 'GET' | 'POST', url: string, nonce: string, params: Params = {}): string {
  return createHmac('sha256', authToken).update(`${signatureBase(method, url, params)}.${nonce}`, 'utf8').digest('base64');
}

/** Whether one of the header's signatures matches, for one of the candidate URLs. */
export function isValidSignature(
  authToken: string,
  header: { signature: unknown; nonce: unknown },
  method: 'GET' | 'POST',
  urls: readonly string[],
  params: Params = {},
): boolean {
  if (typeof header.signature !== 'string' || typeof header.nonce !== 'string' || header.nonce === '') return false;
  const presented = header.signature.split(',').map((s) => Buffer.from(s.trim()));
  return urls.some((url) => {
    const expected = Buffer.from(plivoSignature(authToken, method, url, header.nonce as string, params));
    return presented.some((p) => p.length === expected.length && timingSafeEqual(p, expected));
  });
}

function signatureHeaders(request: FastifyRequest) {
  return { signature: request.headers[SIGNATURE_HEADER], nonce: request.headers[NONCE_HEADER] };
}

/**
 * A preHandler for Plivo's form-encoded webhooks: 403 unless the V3 signature covers this URL and ALL
 * posted parameters. Without an auth token there is nothing to check against, and every request passes.
 */
export function plivoWebhookGuard(authToken: string | undefined, publicUrl: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!authToken) return limitUnchecked(request, reply);
    const params = (request.body ?? {}) as Params;
    if (isValidSignature(authToken, signatureHeaders(request), 'POST', [webhookUrl(request, publicUrl)], params)) return undefined;
    request.log.warn({ url: request.url }, 'rejected a webhook without a valid Plivo signature');
    return refuseUnsigned(request, reply, 'missing or invalid X-Plivo-Signature-V3');
  };
}

/**
 * A preValidation hook on the stream's WebSocket route: 403 unless the handshake is signed over the
 * stream's public URL. Which scheme Plivo signs is not documented (its stream SDK rebuilds https://,
 * the <Stream> says wss://), so both are accepted; the host and path are what bind the signature.
 */
export function plivoHandshakeGuard(authToken: string | undefined, publicUrl: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!authToken) return limitUnchecked(request, reply);
    const https = `${publicBaseUrl(request, publicUrl)}${request.url}`;
    const urls = [https, https.replace(/^http/, 'ws')];
    if (isValidSignature(authToken, signatureHeaders(request), 'GET', urls)) return undefined;
    request.log.warn({ url: request.url }, 'refused a Plivo media stream handshake');
    return refuseUnsigned(request, reply, 'missing or invalid X-Plivo-Signature-V3');
  };
}
