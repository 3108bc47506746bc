// Twilio's asynchronous answering-machine detection on outbound calls (what is done with the result is
// carrier-neutral: src/domain/voicemail.ts). Twilio waits for the end of a machine's greeting and
// posts what it found to AMD_CALLBACK_PATH.
import type { FastifyInstance } from 'fastify';
import type { Env } from '../config/env.js';
import type { VoicemailDetections } from '../domain/voicemail.js';
import { twilioWebhookGuard } from './signature.js';

export const AMD_CALLBACK_PATH = '/twilio/amd';

/** calls.create parameters for asynchronous detection that waits for the end of the greeting (the beep). */
export function answeringMachineDetection(publicUrl: string) {
  return {
    machineDetection: 'DetectMessageEnd',
    asyncAmd: 'true',
    asyncAmdStatusCallback: `${publicUrl}${AMD_CALLBACK_PATH}`,
    asyncAmdStatusCallbackMethod: 'POST',
  } as const;
}

export interface AnsweringMachineRoutesOptions {
  env: Pick<Env, 'PUBLIC_URL' | 'TWILIO_AUTH_TOKEN'>;
  detections: VoicemailDetections;
}

export function answeringMachineRoutes({ env, detections }: AnsweringMachineRoutesOptions) {
  return (app: FastifyInstance): void => {
    app.post(AMD_CALLBACK_PATH, { preHandler: twilioWebhookGuard(env.TWILIO_AUTH_TOKEN, env.PUBLIC_URL) }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      const { CallSid: callSid, AnsweredBy: answeredBy } = body;
      if (!callSid || !answeredBy) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and AnsweredBy are required' });
      if (detections.report(callSid, answeredBy)) {
        request.log.info({ callSid, answeredBy, ms: body.MachineDetectionDuration }, 'answering machine detection');
      }
      return reply.code(204).send();
    });
  };
}
