// Telnyx as a carrier of phone-agent: the TeXML webhook answer, the media stream, and Telnyx's
// status callbacks, registered through ServerOptions.carriers.
//
//   POST /telnyx/incoming-call   the TeXML application's webhook (signed): answers <Connect><Stream>
//   WS   /telnyx/media-stream/<token>   the stream the answer names (the token gates the upgrade and the call)
//   POST /telnyx/stream-status   the stream's started/stopped/failed reports, kept in the call's record
//   POST /telnyx/status          call progress of outbound calls, kept in the store
//   POST /telnyx/amd             answering-machine detection of outbound calls placed with `voicemail`
//
// With TELNYX_PUBLIC_KEY unset nothing can be verified: every webhook passes, the stream URL carries no
// token and the bare /telnyx/media-stream is open (one warning at startup, as for Twilio).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Env } from '../config/env.js';
import type { CarrierContext } from '../domain/telephony-leg.js';
import type { VoicemailDetections } from '../domain/voicemail.js';
import type { TelnyxControl } from './call-control.js';
import { acceptTelnyxMediaStream } from './media-stream-leg.js';
import { keepRawForms, telnyxPublicKey, telnyxWebhookGuard, webhookBody } from './signature.js';
import { StreamTokens } from './stream-token.js';
import { streamTexml } from './texml.js';
import { limitUnchecked, refuseUnsigned } from '../protocol/unsigned-requests.js';

export const TELNYX_INCOMING_CALL_PATH = '/telnyx/incoming-call';
export const TELNYX_MEDIA_STREAM_PATH = '/telnyx/media-stream';
export const TELNYX_STREAM_STATUS_PATH = '/telnyx/stream-status';
export const TELNYX_STATUS_CALLBACK_PATH = '/telnyx/status';
export const TELNYX_AMD_CALLBACK_PATH = '/telnyx/amd';

export interface TelnyxCarrierOptions {
  env: Pick<Env, 'PUBLIC_URL' | 'TELNYX_PUBLIC_KEY' | 'TELNYX_API_KEY'>;
  /** Hang-up and transfer through Telnyx's REST API; without it hang-up closes the stream and transfer is refused. */
  control?: TelnyxControl;
  /** Answering-machine detection results of outbound calls (POST /telnyx/amd) act on these. */
  detections?: VoicemailDetections;
  /** Wall-clock ms for signature timestamps and token expiry (tests substitute their own). */
  now?: () => number;
}

/** Where Telnyx reaches this server: PUBLIC_URL, else https on the (forwarded) host name. */
function publicBaseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `https://${request.hostname}`;
}

export function telnyxCarrier(options: TelnyxCarrierOptions) {
  return async (app: FastifyInstance, context: CarrierContext): Promise<void> => {
    const { env } = options;
    const { events } = context;
    const now = options.now ?? Date.now;
    const key = env.TELNYX_PUBLIC_KEY ? telnyxPublicKey(env.TELNYX_PUBLIC_KEY) : undefined;
    if (!key) context.logger.warn('TELNYX_PUBLIC_KEY is not set: Telnyx signature checks are OFF');
    // The API key is a secret every worker shares; without one, tokens hold only within this process.
    const tokens = key ? new StreamTokens(env.TELNYX_API_KEY ?? randomBytes(32), now) : undefined;

    await app.register(async (scope) => {
      keepRawForms(scope);
      const guard = { preHandler: telnyxWebhookGuard(key, now) };

      scope.post(TELNYX_INCOMING_CALL_PATH, guard, async (request, reply) => {
        const { fields } = webhookBody(request);
        const callSid = fields.CallSid ?? '';
        if (tokens && !callSid) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid is required' });
        const base = publicBaseUrl(request, env.PUBLIC_URL);
        const texml = streamTexml({
          streamUrl: `${base.replace(/^http/, 'ws')}${TELNYX_MEDIA_STREAM_PATH}${tokens ? `/${tokens.issue(callSid)}` : ''}`,
          statusCallback: `${base}${TELNYX_STREAM_STATUS_PATH}`,
          parameters: { Direction: fields.Direction?.startsWith('outbound') ? 'outbound' : 'inbound' },
        });
        return reply.type('text/xml').send(texml);
      });

      // The only place a failed stream handshake (a wrong URL, a refused token, TLS trouble) is described.
      scope.post(TELNYX_STREAM_STATUS_PATH, guard, async (request, reply) => {
        const { fields } = webhookBody(request);
        if (!fields.CallSid || !fields.StreamEvent) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and StreamEvent are required' });
        const failed = fields.StreamEvent === 'stream-error' || fields.StreamEvent === 'stream-failed';
        const detail = `${fields.StreamEvent}${fields.StreamSid ? ` ${fields.StreamSid}` : ''}${fields.StreamError ? `: ${fields.StreamError}` : ''}`;
        events.emit({ type: 'event', callSid: fields.CallSid, at: now(), kind: failed ? 'error' : 'info', detail: `telnyx stream status: ${detail}` });
        if (failed) context.logger.warn({ callSid: fields.CallSid, streamSid: fields.StreamSid, error: fields.StreamError }, 'telnyx reports a stream failure');
        return reply.code(204).send();
      });

      scope.post(TELNYX_STATUS_CALLBACK_PATH, guard, async (request, reply) => {
        const { fields } = webhookBody(request);
        if (!fields.CallSid || !fields.CallStatus) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and CallStatus are required' });
        await context.recordStatus({ callSid: fields.CallSid, status: fields.CallStatus, at: now(), payload: fields });
        return reply.code(204).send();
      });

      // TeXML's AsyncAmdStatusCallback: AnsweredBy as Twilio words it.
      scope.post(TELNYX_AMD_CALLBACK_PATH, guard, async (request, reply) => {
        const { CallSid: callSid, AnsweredBy: answeredBy } = webhookBody(request).fields;
        if (!callSid || !answeredBy) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and AnsweredBy are required' });
        if (options.detections?.report(callSid, answeredBy)) context.logger.info({ callSid, answeredBy }, 'telnyx answering machine detection');
        return reply.code(204).send();
      });
    });

    // A wildcard, not a :token parameter: the router refuses parameters over 100 characters (414), and a
    // token carrying a `v3:…` call id is longer.
    const tokenOf = (request: FastifyRequest): string | undefined => (request.params as { '*'?: string })['*'];

    /** Refuses the upgrade (403) unless the path carries a fresh token of ours, when checks are on. */
    const verifyUpgrade = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      if (!tokens) return limitUnchecked(request, reply);
      const token = tokenOf(request);
      if (token && tokens.callOf(token) !== undefined) return undefined;
      request.log.warn({ refusal: token ? 'invalid or expired' : 'missing' }, 'refused a Telnyx media stream upgrade');
      return refuseUnsigned(request, reply, token ? 'invalid or expired stream token' : 'a stream token is required');
    };

    const accept = (socket: Parameters<typeof acceptTelnyxMediaStream>[0], request: FastifyRequest): void => {
      const token = tokenOf(request);
      const tokenCall = tokens && token ? tokens.callOf(token) : undefined;
      acceptTelnyxMediaStream(socket, {
        ...context,
        control: options.control,
        admit: (start) => (tokens && start.start.call_control_id !== tokenCall ? { refused: 'the stream token was issued for another call' } : undefined),
      });
    };
    app.get(TELNYX_MEDIA_STREAM_PATH, { websocket: true, preValidation: verifyUpgrade }, accept);
    app.get(`${TELNYX_MEDIA_STREAM_PATH}/*`, { websocket: true, preValidation: verifyUpgrade }, accept);
  };
}
