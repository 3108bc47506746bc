// Outbound calls through Twilio, and Twilio's call status callbacks.
//
// The Dialer: Twilio dials `to` from TWILIO_PHONE_NUMBER and, once answered, fetches /incoming-call like
// any inbound call. A url rather than inline TwiML, because the stream's per-call token is bound to a
// CallSid that only exists once the call does, and the webhook that issues it is the signature-checked
// one. With `voicemail`, Twilio also detects an answering machine (answering-machine.ts).
// POST /twilio/status (Twilio-signed): every progress callback of those calls, kept with the call's record.
import type { FastifyInstance } from 'fastify';
import type { Env } from '../config/env.js';
import { unmetNeeds, type Dialer, type StatusCallback } from '../domain/dialer.js';
import type { LiveCalls } from '../domain/live-calls.js';
import type { TwilioClient } from './rest-client.js';
import { twilioWebhookGuard } from './signature.js';
import { VoicemailDetections } from '../domain/voicemail.js';
import { answeringMachineDetection, answeringMachineRoutes } from './answering-machine.js';

export const STATUS_CALLBACK_PATH = '/twilio/status';
export const INCOMING_CALL_PATH = '/incoming-call';

export interface TwilioOutboundOptions {
  env: Pick<Env, 'PUBLIC_URL' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_PHONE_NUMBER'>;
  /** Undefined without Twilio credentials: the dialer then says what is missing. */
  client: TwilioClient | undefined;
  /** Keeps each status callback with the call's record. */
  recordStatus(callback: StatusCallback): Promise<void>;
  /** The server's live calls: detection results act on them. */
  calls: LiveCalls;
}

/** Twilio's dialer and its callback routes (a plugin for ServerOptions.plugins; hooks are per route). */
export function twilioOutbound({ env, client, recordStatus, calls }: TwilioOutboundOptions): { dialer: Dialer; routes: (app: FastifyInstance) => void } {
  const detections = new VoicemailDetections(calls);
  const dialer: Dialer = {
    carrier: 'twilio',
    name: 'Twilio',
    detectsVoicemail: true,
    missing() {
      return unmetNeeds([
        !client && 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
        !env.TWILIO_PHONE_NUMBER && 'TWILIO_PHONE_NUMBER',
        !env.PUBLIC_URL && 'PUBLIC_URL (where Twilio reaches this server)',
      ]);
    },
    async place({ to, voicemail }) {
      const from = env.TWILIO_PHONE_NUMBER!;
      const publicUrl = env.PUBLIC_URL!;
      const call = await client!.calls.create({
        to,
        from,
        url: `${publicUrl}${INCOMING_CALL_PATH}`,
        method: 'POST',
        statusCallback: `${publicUrl}${STATUS_CALLBACK_PATH}`,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        ...(voicemail && answeringMachineDetection(publicUrl)),
      });
      if (voicemail) detections.expect(call.sid, voicemail);
      return { carrier: 'twilio', callSid: call.sid, status: call.status, to, from };
    },
  };
  const routes = (app: FastifyInstance): void => {
    answeringMachineRoutes({ env, detections })(app);
    app.post(STATUS_CALLBACK_PATH, { preHandler: twilioWebhookGuard(env.TWILIO_AUTH_TOKEN, env.PUBLIC_URL) }, async (request, reply) => {
      const payload = Object.fromEntries(Object.entries((request.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      if (!payload.CallSid || !payload.CallStatus) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and CallStatus are required' });
      await recordStatus({ callSid: payload.CallSid, status: payload.CallStatus, at: Date.now(), payload });
      return reply.code(204).send();
    });
  };
  return { dialer, routes };
}
