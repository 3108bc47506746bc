// SignalWire as a carrier of this server (ServerOptions.carriers): the number's webhook answer, the
// bidirectional stream, the stream's and the call's status callbacks, and the cXML a transferred call
// fetches. Every webhook is checked against SIGNALWIRE_SIGNING_KEY and every stream handshake against
// the bearer token the checked webhook issued; without the key, both checks are off (one warning).
import type { FastifyInstance } from 'fastify';
import type { CarrierContext } from '../domain/telephony-leg.js';
import type { VoicemailDetections } from '../domain/voicemail.js';
import { CARRIER, acceptSignalWireStream } from './media-stream-leg.js';
import { signalWireCallControl } from './call-control.js';
import { dialCxml, streamCxml } from './cxml.js';
import { AMD_CALLBACK_PATH, CALL_STATUS_PATH, INCOMING_CALL_PATH, MEDIA_STREAM_PATH, STREAM_STATUS_PATH, TRANSFER_PATH } from './paths.js';
import type { SignalWireRestClient } from './rest-client.js';
import { publicBaseUrl, signalWireWebhookGuard } from './signature.js';
import { StreamTokens, bearerToken } from './stream-token.js';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

export interface SignalWireCarrierOptions {
  /** PUBLIC_URL: where SignalWire reaches this server; else the (forwarded) host of each webhook. */
  publicUrl: string | undefined;
  /** SIGNALWIRE_SIGNING_KEY: without it, signature and token checks are off. */
  signingKey: string | undefined;
  /** The REST client (project, API token, space): hang-up and transfer; without it closing the stream is the hang-up. */
  client: SignalWireRestClient | undefined;
  /** Where transfers dial. */
  transferNumber: string | undefined;
  /** Answering-machine detection results of outbound calls (POST /signalwire/amd) act on these. */
  detections?: VoicemailDetections;
  /** The stream tokens' clock (tests). */
  now?: () => number;
}

/** A form body's single-valued fields (SignalWire never repeats one). */
function formFields(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) if (typeof value === 'string') fields[name] = value;
  return fields;
}

export function signalWireCarrier(options: SignalWireCarrierOptions) {
  return (app: FastifyInstance, context: CarrierContext): void => {
    const { logger, metrics, clock, startCall } = context;
    if (!options.signingKey) logger.warn('SIGNALWIRE_SIGNING_KEY is not set: SignalWire signature checks are OFF');
    const guard = signalWireWebhookGuard(options.signingKey, options.publicUrl);
    const tokens = options.signingKey ? new StreamTokens(options.signingKey, options.now) : undefined;
    const transferUrl = options.transferNumber && options.publicUrl ? `${options.publicUrl}${TRANSFER_PATH}` : undefined;
    const control = options.client && signalWireCallControl({ client: options.client, transferUrl, logger });

    app.post(INCOMING_CALL_PATH, { preHandler: guard }, async (request, reply) => {
      const body = formFields(request.body);
      if (!body.CallSid) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid is required' });
      const base = publicBaseUrl(request, options.publicUrl);
      const cxml = streamCxml({
        streamUrl: `${base.replace(/^http/, 'ws')}${MEDIA_STREAM_PATH}`,
        statusCallback: `${base}${STREAM_STATUS_PATH}`,
        bearerToken: tokens?.issue(body.CallSid),
        parameters: {
          CallSid: body.CallSid,
          From: body.From ?? '',
          To: body.To ?? '',
          Direction: body.Direction?.startsWith('outbound') ? 'outbound' : 'inbound',
        },
      });
      return reply.type('text/xml').send(cxml);
    });

    const verifyUpgrade = async (request: Parameters<typeof guard>[0], reply: Parameters<typeof guard>[1]) => {
      if (!tokens) return limitUnchecked(request, reply);
      if (tokens.callSidOf(bearerToken(request.headers.authorization))) return undefined;
      request.log.warn({ carrier: CARRIER, url: request.url }, 'refused a media stream handshake');
      return refuseUnsigned(request, reply, 'missing or invalid bearer token');
    };
    app.get(MEDIA_STREAM_PATH, { websocket: true, preValidation: verifyUpgrade }, (socket, request) => {
      const tokenCallSid = tokens?.callSidOf(bearerToken(request.headers.authorization));
      acceptSignalWireStream(socket, {
        logger,
        metrics,
        clock,
        startCall,
        control,
        admit: (start) => (!tokens || start.start.callSid === tokenCallSid ? start : { refused: 'the bearer token was issued for another call' }),
      });
    });

    // The only place a failed handshake (a wrong URL, a refused token, TLS trouble) is ever described.
    app.post(STREAM_STATUS_PATH, { preHandler: guard }, async (request, reply) => {
      const body = formFields(request.body);
      if (!body.CallSid || !body.StreamEvent) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and StreamEvent are required' });
      const report = { carrier: CARRIER, callSid: body.CallSid, streamSid: body.StreamSid, event: body.StreamEvent, error: body.StreamError };
      const failed = body.StreamEvent === 'stream-error';
      if (failed) logger.warn(report, 'SignalWire reports a stream error');
      else logger.info(report, 'SignalWire stream status');
      const detail = `signalwire stream status: ${body.StreamEvent}${body.StreamError ? `: ${body.StreamError}` : ''}`;
      context.events.emit({ type: 'event', callSid: body.CallSid, at: Date.now(), kind: failed ? 'error' : 'info', detail });
      return reply.code(204).send();
    });

    app.post(CALL_STATUS_PATH, { preHandler: guard }, async (request, reply) => {
      const payload = formFields(request.body);
      if (!payload.CallSid || !payload.CallStatus) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and CallStatus are required' });
      await context.recordStatus({ callSid: payload.CallSid, status: payload.CallStatus, at: Date.now(), payload });
      return reply.code(204).send();
    });

    // Asynchronous answering-machine detection of a call placed with `voicemail`: AnsweredBy as Twilio words it.
    app.post(AMD_CALLBACK_PATH, { preHandler: guard }, async (request, reply) => {
      const { CallSid: callSid, AnsweredBy: answeredBy } = formFields(request.body);
      if (!callSid || !answeredBy) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and AnsweredBy are required' });
      if (options.detections?.report(callSid, answeredBy)) logger.info({ carrier: CARRIER, callSid, answeredBy }, 'answering machine detection');
      return reply.code(204).send();
    });

    app.post(TRANSFER_PATH, { preHandler: guard }, async (_request, reply) => {
      if (!options.transferNumber) return reply.code(503).send({ error: 'Service Unavailable', message: 'no transfer number is configured' });
      return reply.type('text/xml').send(dialCxml(options.transferNumber));
    });
  };
}
