// Outbound calls that may reach voicemail: Twilio's asynchronous answering-machine detection. The call
// is connected to the agent at once (a person hears no delay); Twilio listens on, waits for the end of
// a machine's greeting, and posts what it found to AMD_CALLBACK_PATH. A machine then gets the message,
// spoken by the agent right after the beep, and the call ends (outcome voicemail); without a message,
// it is hung up on. A person, or an unsure result, leaves the agent talking. The result joins the call's record.
import type { FastifyInstance } from 'fastify';
import type { Env } from '../config/env.js';
import type { LiveCall, LiveCalls } from '../domain/live-calls.js';
import { twilioWebhookGuard } from './signature.js';

export const AMD_CALLBACK_PATH = '/twilio/amd';

/** What POST /api/calls asked for a call that may reach a machine. */
export interface VoicemailPlan {
  /** Left after the beep; without it, a machine is hung up on. */
  message?: string;
}

/** calls.create parameters for asynchronous detection that waits for the end of the greeting (the beep). */
export function answeringMachineDetection(publicUrl: string) {
  return {
    machineDetection: 'DetectMessageEnd',
    asyncAmd: 'true',
    asyncAmdStatusCallback: `${publicUrl}${AMD_CALLBACK_PATH}`,
    asyncAmdStatusCallbackMethod: 'POST',
  } as const;
}

/** Plans by CallSid, kept until Twilio reports (bounded: a detection that never reports must not grow it). */
export class VoicemailPlans {
  static readonly MAX = 10_000;
  readonly #plans = new Map<string, VoicemailPlan>();

  set(callSid: string, plan: VoicemailPlan): void {
    if (this.#plans.size >= VoicemailPlans.MAX) this.#plans.delete(this.#plans.keys().next().value!);
    this.#plans.set(callSid, plan);
  }

  take(callSid: string): VoicemailPlan | undefined {
    const plan = this.#plans.get(callSid);
    this.#plans.delete(callSid);
    return plan;
  }
}

/** Acts on Twilio's AnsweredBy for a live call (human, machine_start, machine_end_beep|silence|other, fax, unknown). */
export function actOnDetection(call: LiveCall, answeredBy: string, plan: VoicemailPlan): void {
  call.note('policy', `answering machine detection: ${answeredBy}`);
  if (answeredBy === 'fax') return call.end('voicemail', 'a fax machine answered');
  if (!answeredBy.startsWith('machine_')) return;
  if (!plan.message) return call.end('voicemail', `an answering machine answered (${answeredBy}); no message to leave`);
  call.say(plan.message, 'interrupt');
  call.hangUpAfterPlayback(`voicemail left after ${answeredBy}`, 'voicemail');
}

export interface AnsweringMachineRoutesOptions {
  env: Pick<Env, 'PUBLIC_URL' | 'TWILIO_AUTH_TOKEN'>;
  plans: VoicemailPlans;
  calls: LiveCalls;
}

export function answeringMachineRoutes({ env, plans, calls }: AnsweringMachineRoutesOptions) {
  return (app: FastifyInstance): void => {
    app.post(AMD_CALLBACK_PATH, { preHandler: twilioWebhookGuard(env.TWILIO_AUTH_TOKEN, env.PUBLIC_URL) }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      const { CallSid: callSid, AnsweredBy: answeredBy } = body;
      if (!callSid || !answeredBy) return reply.code(400).send({ error: 'Bad Request', message: 'CallSid and AnsweredBy are required' });
      const plan = plans.take(callSid);
      if (!plan) return reply.code(204).send(); // not a call we asked detection for
      request.log.info({ callSid, answeredBy, ms: body.MachineDetectionDuration }, 'answering machine detection');
      calls.whenLive(callSid, (call) => actOnDetection(call, answeredBy, plan));
      return reply.code(204).send();
    });
  };
}
