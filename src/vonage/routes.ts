// Vonage as a carrier of the server (ServerOptions.carriers):
//   GET|POST /vonage/incoming-call  the application's answer URL (GET by default): answers an NCCO that
//                                   connects the caller to our media WebSocket;
//   WS       /vonage/media-stream   the media (see media-stream-leg.ts);
//   GET|POST /vonage/events         the event URL (the status callback): every call and socket status,
//                                   kept in the store.
// Webhooks are checked against VONAGE_SIGNATURE_SECRET (signature.ts), the socket as in stream-security.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CarrierContext } from '../domain/telephony-leg.js';
import type { VonageControlFactory } from './call-control.js';
import type { VonageRate } from './l16-audio.js';
import { acceptVonageMediaStream } from './media-stream-leg.js';
import { connectNcco } from './ncco.js';
import type { OutboundCall, VonageClient } from './rest-client.js';
import { keepRawJsonBodies, vonageWebhookGuard } from './signature.js';
import { CALL_HEADERS, VonageStreamSecurity } from './stream-security.js';

export const VONAGE_ANSWER_PATH = '/vonage/incoming-call';
export const VONAGE_MEDIA_PATH = '/vonage/media-stream';
export const VONAGE_EVENT_PATH = '/vonage/events';
/** 16 kHz: the best the phone leg gives, halved for the core with an anti-aliasing box filter. */
export const DEFAULT_VONAGE_RATE: VonageRate = 16000;

export interface VonageCarrierOptions {
  signatureSecret: string | undefined;
  /** Where Vonage reaches this server; else https on the (forwarded) host name. */
  publicUrl: string | undefined;
  applicationId: string | undefined;
  /** Hang-up and transfer through the REST API, when the application's credentials are set. */
  control?: VonageControlFactory;
  rate?: VonageRate;
  now?: () => number;
}

/** A webhook's fields: the query of a GET, the JSON body of a POST. */
function webhookFields(request: FastifyRequest): Record<string, unknown> {
  const source = request.method === 'GET' ? request.query : request.body;
  return typeof source === 'object' && source !== null ? (source as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function publicBase(request: FastifyRequest, publicUrl: string | undefined): string {
  // Vonage only opens wss:// sockets; behind ngrok or a load balancer the forwarded host is the public one.
  return publicUrl ?? `https://${request.hostname}`;
}

export function vonageCarrier(options: VonageCarrierOptions) {
  const security = new VonageStreamSecurity({ signatureSecret: options.signatureSecret, now: options.now });
  const guard = vonageWebhookGuard(options.signatureSecret, options.now);
  const rate = options.rate ?? DEFAULT_VONAGE_RATE;

  return async (app: FastifyInstance, context: CarrierContext): Promise<void> => {
    if (!options.signatureSecret) {
      context.logger.warn('VONAGE_SIGNATURE_SECRET is not set: Vonage webhooks and media sockets are accepted without any signature check');
    }
    // A scope of its own: the JSON parser that keeps raw bodies for payload_hash applies to these routes only.
    await app.register(async (scope) => {
      keepRawJsonBodies(scope);

      scope.route({
        method: ['GET', 'POST'],
        url: VONAGE_ANSWER_PATH,
        preHandler: guard,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const fields = webhookFields(request);
          const uuid = text(fields.uuid);
          if (!uuid) return reply.code(400).send({ error: 'Bad Request', message: 'the answer webhook needs the call "uuid"' });
          const base = publicBase(request, options.publicUrl);
          const headers = security.headersFor({
            uuid,
            conversationUuid: text(fields.conversation_uuid),
            from: text(fields.from),
            to: text(fields.to),
            // Vonage's answer request does not say; our own outbound calls mark their answer URL.
            direction: text(fields.direction) === 'outbound' ? 'outbound' : 'inbound',
          });
          const ncco = connectNcco({ mediaUrl: `${base.replace(/^http/, 'ws')}${VONAGE_MEDIA_PATH}`, eventUrl: `${base}${VONAGE_EVENT_PATH}`, rate, headers });
          return reply.type('application/json').send(ncco);
        },
      });

      scope.get(VONAGE_MEDIA_PATH, { websocket: true, preValidation: security.verifyHandshake() }, (socket) => {
        acceptVonageMediaStream(socket, {
          logger: context.logger,
          metrics: context.metrics,
          clock: context.clock,
          admit: (connected) => security.admit(connected),
          startCall: context.startCall,
          applicationId: options.applicationId,
          control: options.control,
        });
      });

      scope.route({
        method: ['GET', 'POST'],
        url: VONAGE_EVENT_PATH,
        preHandler: guard,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const fields = webhookFields(request);
          const uuid = text(fields.uuid);
          const status = text(fields.status);
          if (!uuid || !status) return reply.code(400).send({ error: 'Bad Request', message: 'uuid and status are required' });
          const payload = eventPayload(fields);
          // Our socket's own leg reports with its own uuid; the headers our NCCO gave it name the caller's.
          const callSid = payload[`headers.${CALL_HEADERS.callUuid}`] || uuid;
          if (payload.to?.startsWith('ws') && ['failed', 'unanswered', 'disconnected'].includes(status)) {
            context.logger.warn({ callSid, status }, 'Vonage reports the media socket failed or dropped');
          }
          await context.recordStatus({ callSid, status, at: Date.now(), payload });
          // No NCCO in the answer: Vonage goes on with the call's own (which ends after the connect).
          return reply.code(204).send();
        },
      });
    });
  };
}

/** An event's fields as strings (nested objects flattened to `a.b`), without the per-call token. */
function eventPayload(fields: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    const name = `${prefix}${key}`;
    if (name === `headers.${CALL_HEADERS.token}`) continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign(out, eventPayload(value as Record<string, unknown>, `${name}.`));
    else out[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * Places an outbound call: Vonage dials `to` from `from` (one of the application's numbers) and, once
 * answered, fetches our answer URL like any inbound call, marked outbound.
 */
export function placeVonageCall(client: VonageClient, call: { to: string; from: string; publicUrl: string }): Promise<OutboundCall> {
  return client.createCall({
    to: call.to,
    from: call.from,
    answerUrl: `${call.publicUrl}${VONAGE_ANSWER_PATH}?direction=outbound`,
    eventUrl: `${call.publicUrl}${VONAGE_EVENT_PATH}`,
  });
}
