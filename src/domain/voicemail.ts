// Outbound calls that may reach voicemail, whatever the carrier: the carrier's asynchronous
// answering-machine detection. The call is connected to the agent at once (a person hears no delay);
// the carrier listens on, waits for the end of a machine's greeting, and posts what it found. A machine
// then gets the message, spoken by the agent right after the beep, and the call ends (outcome
// voicemail); without a message, it is hung up on. A person, or an unsure result, leaves the agent
// talking. The result joins the call's record.
//
// Results use the vocabulary Twilio, SignalWire and Telnyx TeXML share for AnsweredBy: human,
// machine_start, machine_end_beep|silence|other, fax, unknown.
import type { LiveCall, LiveCalls } from './live-calls.js';

/** What POST /api/calls asked for a call that may reach a machine. */
export interface VoicemailPlan {
  /** Left after the beep; without it, a machine is hung up on. */
  message?: string;
}

/** Acts on a detection result for a live call. */
export function actOnDetection(call: LiveCall, answeredBy: string, plan: VoicemailPlan): void {
  call.note('policy', `answering machine detection: ${answeredBy}`);
  if (answeredBy === 'fax') return call.end('voicemail', 'a fax machine answered');
  if (!answeredBy.startsWith('machine_')) return;
  if (!plan.message) return call.end('voicemail', `an answering machine answered (${answeredBy}); no message to leave`);
  call.say(plan.message, 'interrupt');
  call.hangUpAfterPlayback(`voicemail left after ${answeredBy}`, 'voicemail');
}

/**
 * The plans of calls placed with detection, by call id, kept until the carrier reports (bounded: a
 * detection that never reports must not grow it), and the live calls the reports act on.
 */
export class VoicemailDetections {
  static readonly MAX = 10_000;
  readonly #plans = new Map<string, VoicemailPlan>();
  readonly #calls: LiveCalls;

  constructor(calls: LiveCalls) {
    this.#calls = calls;
  }

  /** A call was placed with detection: remember what to do when the result comes. */
  expect(callSid: string, plan: VoicemailPlan): void {
    if (this.#plans.size >= VoicemailDetections.MAX) this.#plans.delete(this.#plans.keys().next().value!);
    this.#plans.set(callSid, plan);
  }

  /**
   * The carrier's result: acted on now, or as soon as the call's media starts. False when it is not a
   * call we asked detection for (or its result was already taken): a repeated report is ignored.
   */
  report(callSid: string, answeredBy: string): boolean {
    const plan = this.#plans.get(callSid);
    if (!plan) return false;
    this.#plans.delete(callSid);
    this.#calls.whenLive(callSid, (call) => actOnDetection(call, answeredBy, plan));
    return true;
  }
}
