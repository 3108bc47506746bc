// Is this request from SignalWire? X-SignalWire-Signature is Twilio's scheme (HMAC-SHA1, base64, of
// the exact URL SignalWire was given followed by every posted parameter as name+value, sorted by
// name) keyed with the project's Signing Key, not its API token. SignalWire's own validator accepts
// the URL with and without the default port ("signature generation on the back end is
// inconsistent"), and X-Twilio-Signature as an alias; so do we. Behind ngrok or a load balancer the
// server sees http and an internal host, so the URL is rebuilt from PUBLIC_URL, else from the
// forwarded protocol and host.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

const SIGNATURE_HEADERS = ['x-signalwire-signature', 'x-twilio-signature'] as const;

/** Where SignalWire reaches this server: PUBLIC_URL, else https on the (forwarded) host name. */
export function publicBaseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `https://${request.hostname}`;
}

/** The URL SignalWire signed for a webhook: the public base plus the path and query it requested. */
export function webhookUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ? `${publicUrl}${request.url}` : `${request.protocol}://${request.host}${request.url}`;
}

export function signalWireSignature(signingKey: string, url: string, params: Record<string, unknown>): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    for (const v of Array.isArray(value) ? value : [value]) data += `${name}${String(v)}`;
  }
  return createHmac('sha1', signingKey).update(data, 'utf8').digest('base64');
}

/** The URL as given, without its port, and with the scheme's default port spelled out. */
function urlVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const rest = `${parsed.pathname}${parsed.search}`;
  const defaultPort = parsed.protocol === 'https:' || parsed.protocol === 'wss:' ? '443' : '80';
  return [...new Set([url, `${parsed.protocol}//${parsed.hostname}${rest}`, `${parsed.protocol}//${parsed.hostname}:${parsed.port || defaultPort}${rest}`])];
}

export function isValidSignature(signingKey: string, signature: string, url: string, params: Record<string, unknown>): boolean {
  const presented = Buffer.from(signature);
  return urlVariants(url).some((u) => {
    const expected = Buffer.from(signalWireSignature(signingKey, u, params));
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
}

function presentedSignature(request: FastifyRequest): string | undefined {
  for (const header of SIGNATURE_HEADERS) {
    const value = request.headers[header];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/**
 * A preHandler for SignalWire's form-encoded webhooks: 403 unless the signature covers this URL and
 * ALL posted parameters. Without a signing key there is nothing to check against, and every request passes.
 */
export function signalWireWebhookGuard(signingKey: string | undefined, publicUrl: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!signingKey) return limitUnchecked(request, reply);
    const signature = presentedSignature(request);
    const params = (request.body ?? {}) as Record<string, unknown>;
    if (signature && isValidSignature(signingKey, signature, webhookUrl(request, publicUrl), params)) return undefined;
    request.log.warn({ url: request.url }, 'rejected a webhook without a valid SignalWire signature');
    return refuseUnsigned(request, reply, 'missing or invalid X-SignalWire-Signature');
  };
}
