// Is this request from Twilio? X-Twilio-Signature is an HMAC-SHA1, keyed with the account's auth
// token, of the exact URL Twilio was given plus every posted parameter; the twilio SDK computes and
// compares it. The URL is the hard part: behind ngrok or a load balancer the server sees http and
// an internal host, so it is rebuilt from PUBLIC_URL, else from the forwarded protocol and host.
import twilio from 'twilio';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

const SIGNATURE_HEADER = 'x-twilio-signature';

/** Where Twilio reaches this server: PUBLIC_URL, else https on the (forwarded) host name. */
export function publicBaseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  // Twilio only opens wss:// streams; behind ngrok or a load balancer the forwarded host is the public one.
  return `https://${request.hostname}`;
}

/** The URL Twilio signed for an HTTP webhook: the public base plus the path and query it requested. */
export function webhookUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return `${publicUrl}${request.url}`;
  return `${request.protocol}://${request.host}${request.url}`;
}

export function hasValidSignature(authToken: string, request: FastifyRequest, url: string, params: Record<string, unknown>): boolean {
  const signature = request.headers[SIGNATURE_HEADER];
  if (typeof signature !== 'string' || signature === '') return false;
  return twilio.validateRequest(authToken, signature, url, params);
}

/**
 * A preHandler for Twilio's form-encoded webhooks: 403 unless the signature covers this URL and ALL
 * posted parameters (Twilio adds new ones over time; dropping unknown ones would break validation).
 * Without an auth token there is nothing to check against, and every request passes.
 */
export function twilioWebhookGuard(authToken: string | undefined, publicUrl: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!authToken) return limitUnchecked(request, reply);
    const params = (request.body ?? {}) as Record<string, unknown>;
    if (hasValidSignature(authToken, request, webhookUrl(request, publicUrl), params)) return undefined;
    request.log.warn({ url: request.url }, 'rejected a webhook without a valid Twilio signature');
    return refuseUnsigned(request, reply, 'missing or invalid X-Twilio-Signature');
  };
}
