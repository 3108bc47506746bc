// Plivo as a carrier of this server (ServerOptions.carriers): the application's answer URL, the
// bidirectional stream, the stream's and the call's status callbacks, and the XML a transferred call
// fetches. Every webhook and every stream handshake is checked against PLIVO_AUTH_TOKEN (V3
// signatures), and each stream's start against the call token the checked answer issued; without
// the auth token, all checks are off (one warning).
import type { FastifyInstance } from 'fastify';
import type { CarrierContext } from '../domain/telephony-leg.js';
import { CARRIER, acceptPlivoStream, type PlivoAdmission } from './media-stream-leg.js';
import type { PlivoStart } from './media-messages.js';
import { plivoCallControl } from './call-control.js';
import { CALL_TOKEN_HEADER, CallTokens } from './call-token.js';
import { dialXml, streamXml } from './answer-xml.js';
import { HANGUP_PATH, INCOMING_CALL_PATH, MEDIA_STREAM_PATH, STREAM_STATUS_PATH, TRANSFER_PATH } from './paths.js';
import type { PlivoRestClient } from './rest-client.js';
import { plivoHandshakeGuard, plivoWebhookGuard, publicBaseUrl } from './signature.js';

export interface PlivoCarrierOptions {
  /** PUBLIC_URL: where Plivo reaches this server; else the (forwarded) host of each webhook. */
  publicUrl: string | undefined;
  /** PLIVO_AUTH_TOKEN: without it, signature and token checks are off. */
  authToken: string | undefined;
  /** The REST client (auth ID and token): hang-up and transfer; without it closing the stream is the hang-up. */
  client: PlivoRestClient | undefined;
  /** Where transfers dial. */
  transferNumber: string | undefined;
  /** The call tokens' clock (tests). */
  now?: () => number;
}

/** A form body's single-valued fields (Plivo never repeats one). */
function formFields(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) if (typeof value === 'string') fields[name] = value;
  return fields;
}

export function plivoCarrier(options: PlivoCarrierOptions) {
  return (app: FastifyInstance, context: CarrierContext): void => {
    const { logger, metrics, clock, startCall } = context;
    if (!options.authToken) logger.warn('PLIVO_AUTH_TOKEN is not set: Plivo signature checks are OFF');
    const guard = plivoWebhookGuard(options.authToken, options.publicUrl);
    const tokens = options.authToken ? new CallTokens(options.authToken, options.now) : undefined;
    const transferUrl = options.transferNumber && options.publicUrl ? `${options.publicUrl}${TRANSFER_PATH}` : undefined;
    const control = options.client && plivoCallControl({ client: options.client, transferUrl, logger });

    function admit(start: PlivoStart, headers: Record<string, string>): PlivoAdmission | { refused: string } {
      const { [CALL_TOKEN_HEADER]: token, ...rest } = headers;
      if (tokens && !tokens.verify(start.start.callId, token)) return { refused: 'missing or invalid call token' };
      return { start, headers: rest };
    }

    app.post(INCOMING_CALL_PATH, { preHandler: guard }, async (request, reply) => {
      const body = formFields(request.body);
      if (!body.CallUUID) return reply.code(400).send({ error: 'Bad Request', message: 'CallUUID is required' });
      const base = publicBaseUrl(request, options.publicUrl);
      const xml = streamXml({
        streamUrl: `${base.replace(/^http/, 'ws')}${MEDIA_STREAM_PATH}`,
        statusCallbackUrl: `${base}${STREAM_STATUS_PATH}`,
        // The token first: the headers are cut at Plivo's 512-byte limit.
        extraHeaders: {
          ...(tokens ? { [CALL_TOKEN_HEADER]: tokens.issue(body.CallUUID) } : {}),
          Direction: body.Direction === 'outbound' ? 'outbound' : 'inbound',
          From: body.From ?? '',
          To: body.To ?? '',
        },
      });
      return reply.type('text/xml').send(xml);
    });

    app.get(MEDIA_STREAM_PATH, { websocket: true, preValidation: plivoHandshakeGuard(options.authToken, options.publicUrl) }, (socket) => {
      acceptPlivoStream(socket, { logger, metrics, clock, startCall, control, admit });
    });

    // The only place a failed or dropped stream (a wrong URL, a refused handshake, a slow consumer) is described.
    app.post(STREAM_STATUS_PATH, { preHandler: guard }, async (request, reply) => {
      const body = formFields(request.body);
      if (!body.Event) return reply.code(400).send({ error: 'Bad Request', message: 'Event is required' });
      const report = { carrier: CARRIER, callSid: body.CallUUID, streamSid: body.StreamID, event: body.Event, error: body.Error };
      const failed = body.Event === 'DroppedStream' || body.Event === 'DegradedStream';
      if (failed) logger.warn(report, 'Plivo reports a dropped or degraded stream');
      else logger.info(report, 'Plivo stream status');
      const detail = `plivo stream status: ${body.Event}${body.Error ? `: ${body.Error}` : ''}`;
      if (body.CallUUID) context.events.emit({ type: 'event', callSid: body.CallUUID, at: Date.now(), kind: failed ? 'error' : 'info', detail });
      return reply.code(204).send();
    });

    app.post(HANGUP_PATH, { preHandler: guard }, async (request, reply) => {
      const payload = formFields(request.body);
      if (!payload.CallUUID) return reply.code(400).send({ error: 'Bad Request', message: 'CallUUID is required' });
      await context.recordStatus({ callSid: payload.CallUUID, status: payload.CallStatus ?? 'completed', at: Date.now(), payload });
      return reply.code(204).send();
    });

    app.post(TRANSFER_PATH, { preHandler: guard }, async (_request, reply) => {
      if (!options.transferNumber) return reply.code(503).send({ error: 'Service Unavailable', message: 'no transfer number is configured' });
      return reply.type('text/xml').send(dialXml(options.transferNumber));
    });
  };
}
