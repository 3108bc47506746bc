// Outbound calls and Twilio's call status callbacks.
//
// POST /api/calls {to, voicemail?: {message?}} (admin): Twilio dials `to` from TWILIO_PHONE_NUMBER and,
// once answered, fetches /incoming-call like any inbound call; with `voicemail`, Twilio also detects an
// answering machine (answering-machine.ts). A url rather than inline TwiML, because the stream's per-call
// token is bound to a CallSid that only exists once the call does, and the webhook that issues it is
// the signature-checked one.
// POST /twilio/status (Twilio-signed): every progress callback of those calls, kept in the store.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PhoneNumber, type Env } from '../config/env.js';
import type { CallStore } from '../store/types.js';
import { requireAdmin } from '../api/auth.js';
import type { TwilioClient } from './rest-client.js';
import { twilioWebhookGuard } from './signature.js';
import { answeringMachineDetection, answeringMachineRoutes, VoicemailPlans } from './answering-machine.js';
import type { LiveCalls } from '../domain/live-calls.js';
import { errorMessage } from '../observability/error-message.js';

export const STATUS_CALLBACK_PATH = '/twilio/status';
const INCOMING_CALL_PATH = '/incoming-call';

export interface CallRoutesOptions {
  env: Pick<Env, 'PUBLIC_URL' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_PHONE_NUMBER' | 'ADMIN_TOKEN'>;
  /** Undefined without Twilio credentials: outbound calls then answer 503. */
  client: TwilioClient | undefined;
  store: Pick<CallStore, 'recordStatusCallback'>;
  /** The server's live calls: detection results act on them. */
  calls: LiveCalls;
}

const OutboundCall = z.object({
  to: PhoneNumber,
  voicemail: z.object({ message: z.string().trim().min(1).max(1000).optional() }).strict().optional(),
}).strict();

/** A plugin for ServerOptions.plugins; its hooks are per route, so nothing leaks onto other routes. */
export function callRoutes({ env, client, store, calls }: CallRoutesOptions) {
  const plans = new VoicemailPlans();
  return (app: FastifyInstance): void => {
    answeringMachineRoutes({ env, plans, calls })(app);
    app.post('/api/calls', { preHandler: requireAdmin(env.ADMIN_TOKEN) }, async (request, reply) => {
      const missing = [!client && 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN', !env.TWILIO_PHONE_NUMBER && 'TWILIO_PHONE_NUMBER', !env.PUBLIC_URL && 'PUBLIC_URL (where Twilio reaches this server)'].filter(Boolean);
      if (!client || !env.TWILIO_PHONE_NUMBER || !env.PUBLIC_URL) {
        return reply.code(503).send({ error: 'Service Unavailable', message: `outbound calls need ${missing.join(', ')}` });
      }
      const parsed = OutboundCall.safeParse(request.body ?? {});
      if (!parsed.success) {
        return reply.code(400).send({ error: 'Bad Request', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      }
      try {
        const call = await client.calls.create({
          to: parsed.data.to,
          from: env.TWILIO_PHONE_NUMBER,
          url: `${env.PUBLIC_URL}${INCOMING_CALL_PATH}`,
          method: 'POST',
          statusCallback: `${env.PUBLIC_URL}${STATUS_CALLBACK_PATH}`,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          ...(parsed.data.voicemail && answeringMachineDetection(env.PUBLIC_URL)),
        });
        if (parsed.data.voicemail) plans.set(call.sid, parsed.data.voicemail);
        return reply.code(201).send({ callSid: call.sid, status: call.status, to: parsed.data.to, from: env.TWILIO_PHONE_NUMBER });
      } catch (err) {
        request.log.warn({ err: errorMessage(err) }, 'Twilio refused an outbound call');
        return reply.code(502).send({ error: 'Bad Gateway', message: `Twilio refused the call: ${errorMessage(err)}` });
      }
    });

    app.post(STATUS_CALLBACK_PATH, { preHandler: twilioWebhookGuard(env.TWILIO_AUTH_TOKEN, env.PUBLIC_URL) }, async (request, reply) => {
      const payload = Object.fromEntries(Object.entries((request.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      if (!payload.CallSid || !payload.CallStatus) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and CallStatus are required' });
      await store.recordStatusCallback({ callSid: payload.CallSid, status: payload.CallStatus, at: Date.now(), payload });
      return reply.code(204).send();
    });
  };
}
