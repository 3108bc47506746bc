// Warm transfer over Twilio: the caller waits on hold in a conference of their own while staff are
// called, hear a short summary of the call, and join them. Nobody answering (busy, no answer, a failed
// call, or TRANSFER_TIMEOUT_MS on the server's clock) sends the caller back to the agent on a new
// stream (/incoming-call?resume=transfer_unanswered), who apologises and takes a message.
//
//  1. once the agent has said it is transferring (its reply heard), the caller's call is updated to
//     <Dial><Conference startConferenceOnEnter="false"> (Twilio's wait music); that ends the stream,
//     which the session records as `transferred`;
//  2. staff are called (calls.create) with inline TwiML: <Say> the summary, then the same conference with
//     startConferenceOnEnter and endConferenceOnExit, ringing for TRANSFER_TIMEOUT_MS; their call's progress
//     comes to TRANSFER_STATUS_PATH?call=<the caller's CallSid> (signed by Twilio, the query included);
//  3. answered: an event on the caller's record; not answered: the caller's call is sent back to the webhook.
// The conference is named after the caller's CallSid: unique, and no personal data (Twilio asks for none there).
import twilio from 'twilio';
import type { FastifyInstance } from 'fastify';
import type { Env } from '../config/env.js';
import type { Clock } from '../domain/clock.js';
import { TRANSFER_TEXT, type ControlledCall } from '../domain/call-control.js';
import type { CallResumption } from '../domain/telephony-leg.js';
import { handoffSummary } from '../domain/handoff-summary.js';
import { errorMessage } from '../observability/error-message.js';
import type { Metrics } from '../observability/metrics.js';
import type { TwilioClient } from './rest-client.js';
import { twilioWebhookGuard } from './signature.js';
import { INCOMING_CALL_PATH } from './call-routes.js';

export const TRANSFER_STATUS_PATH = '/twilio/transfer-status';
/** The query parameter of /incoming-call, and the stream <Parameter>, that resume a call after an unanswered transfer. */
export const RESUME_PARAMETER = 'resume';
export const RESUME_AFTER_UNANSWERED: CallResumption = 'transfer_unanswered';
/** A staff call's final statuses that mean nobody took the call. */
const NOT_ANSWERED = new Set(['busy', 'no-answer', 'failed', 'canceled']);

/** The caller's side: on hold (Twilio's default wait music) until staff start the conference. */
export function holdTwiml(conference: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.dial().conference({ startConferenceOnEnter: false, endConferenceOnExit: true, beep: 'false' }, conference);
  return response.toString();
}

/** Staff's side: the summary, then the caller; the conference ends when staff hang up. */
export function staffTwiml(summary: string, conference: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(summary);
  response.dial().conference({ startConferenceOnEnter: true, endConferenceOnExit: true, beep: 'false' }, conference);
  return response.toString();
}

export interface WarmTransferOptions {
  client: TwilioClient;
  /** Where Twilio reaches this server: the status callback and the resumed webhook are under it. */
  publicUrl: string;
  /** The number staff see calling; default: the number the caller called (one of ours). */
  callerId?: string;
  timeoutMs: number;
  clock: Clock;
  metrics: Metrics;
}

interface PendingTransfer {
  call: ControlledCall;
  startedAt: number;
  timer: unknown;
  staffCallSid?: string;
}

export class WarmTransfers {
  readonly #opts: WarmTransferOptions;
  /** By the caller's CallSid, from the caller's hold until staff answer or the caller is sent back. */
  readonly #pending = new Map<string, PendingTransfer>();

  constructor(options: WarmTransferOptions) {
    this.#opts = options;
  }

  /** Transfers once the agent's announcement has been heard; what goes wrong after this is handled here, not by the caller of start. */
  start(call: ControlledCall, to: string, reason: string): void {
    void this.#run(call, to, reason).catch((err: unknown) => call.log.error({ err: errorMessage(err) }, 'warm transfer failed'));
  }

  async #run(call: ControlledCall, to: string, reason: string): Promise<void> {
    const { client, clock, metrics } = this.#opts;
    const callSid = call.info.callSid;
    await call.whenHeard();
    if (call.ended) return;
    const summary = handoffSummary({ from: call.info.from, reason, functionCalls: call.functionCalls });
    // Before the update: Twilio may end the stream before the REST call returns.
    call.markTransferring();
    try {
      await client.calls(callSid).update({ twiml: holdTwiml(callSid) });
    } catch (err) {
      call.markTransferring(false);
      metrics.transfer('warm', 'failed');
      call.note('error', `transfer: the caller could not be put on hold: ${errorMessage(err)}`);
      return call.takeMessageForStaff(TRANSFER_TEXT.failed);
    }
    call.note('policy', 'transfer: warm, caller on hold');
    call.log.info({ reason, to }, 'warm transfer: caller on hold, calling staff');
    const pending: PendingTransfer = {
      call,
      startedAt: clock.now(),
      timer: clock.setTimeout(() => void this.#unanswered(callSid, `no answer within ${this.#opts.timeoutMs} ms`, true), this.#opts.timeoutMs),
    };
    this.#pending.set(callSid, pending);
    try {
      const staff = await client.calls.create({
        to,
        from: this.#opts.callerId ?? call.info.to,
        twiml: staffTwiml(summary, callSid),
        timeout: this.#opts.timeoutMs / 1000,
        statusCallback: `${this.#opts.publicUrl}${TRANSFER_STATUS_PATH}?call=${encodeURIComponent(callSid)}`,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['answered', 'completed'],
      });
      pending.staffCallSid = staff.sid;
    } catch (err) {
      await this.#unanswered(callSid, `the call to staff failed: ${errorMessage(err)}`);
    }
  }

  /** A status callback of the staff call for the caller `callSid`. */
  async staffStatus(callSid: string, status: string): Promise<void> {
    if (status === 'in-progress') return this.#answered(callSid);
    if (NOT_ANSWERED.has(status)) await this.#unanswered(callSid, `staff's call ended ${status}`);
  }

  #settle(callSid: string): PendingTransfer | undefined {
    const pending = this.#pending.get(callSid);
    if (!pending) return undefined;
    this.#pending.delete(callSid);
    this.#opts.clock.clearTimeout(pending.timer);
    return pending;
  }

  #answered(callSid: string): void {
    const pending = this.#settle(callSid);
    if (!pending) return;
    this.#opts.metrics.transfer('warm', 'answered');
    pending.call.note('policy', `transfer: staff answered after ${Math.round(this.#opts.clock.now() - pending.startedAt)} ms`);
  }

  /** `stillRinging`: the server gave up first, so staff's phone must be stopped (a late answer would join an empty conference). */
  async #unanswered(callSid: string, why: string, stillRinging = false): Promise<void> {
    const pending = this.#settle(callSid);
    if (!pending) return;
    const { client, metrics, publicUrl } = this.#opts;
    metrics.transfer('warm', 'unanswered');
    pending.call.note('policy', `transfer: staff did not answer (${why}): the caller is back with the agent`);
    if (stillRinging && pending.staffCallSid) {
      await client
        .calls(pending.staffCallSid)
        .update({ status: 'canceled' })
        .catch(() => undefined); // already over: nothing to stop
    }
    try {
      await client.calls(callSid).update({ url: `${publicUrl}${INCOMING_CALL_PATH}?${RESUME_PARAMETER}=${RESUME_AFTER_UNANSWERED}`, method: 'POST' });
    } catch (err) {
      pending.call.note('error', `transfer: the caller could not be brought back to the agent: ${errorMessage(err)}`);
    }
  }

  /** POST TRANSFER_STATUS_PATH?call=<the caller's CallSid> (Twilio-signed): the staff call's progress. */
  routes(env: Pick<Env, 'PUBLIC_URL' | 'TWILIO_AUTH_TOKEN'>) {
    return (app: FastifyInstance): void => {
      app.post(TRANSFER_STATUS_PATH, { preHandler: twilioWebhookGuard(env.TWILIO_AUTH_TOKEN, env.PUBLIC_URL) }, async (request, reply) => {
        const callSid = (request.query as Record<string, string | undefined>).call;
        const status = ((request.body ?? {}) as Record<string, string | undefined>).CallStatus;
        if (!callSid || !status) return reply.code(400).send({ error: 'Bad Request', message: 'the call query parameter and CallStatus are required' });
        await this.staffStatus(callSid, status);
        return reply.code(204).send();
      });
    };
  }
}
